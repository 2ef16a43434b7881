using System.Diagnostics;
using System.Globalization;
using LatentSynth.Audio.Notes;
using LatentSynth.Audio.Spectral;
using LatentSynth.Audio.Synthesis;
using LatentSynth.Torch;
using LatentSynth.Training;

namespace LatentSynth.Benchmarks;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// Issue 5 §5 / issue 6: the latency of turning a 1 s latent path (87 points at hop 256, 22,050 Hz) into
/// sound with a trained frame model, on one thread: decode (the model's decoder, 87 × d → 87 × 128 Mel
/// frames), inversion (the pipeline's inverse: denormalize, decompress, NNLS Mel → linear magnitude, its
/// default 100 iterations) and fast Griffin-Lim at 16, 32 and 100 iterations. Each part is timed on its
/// own for every repetition (after 3 warm-up repetitions); prints one JSON line per Griffin-Lim setting
/// with medians and 95th percentiles (nearest rank) of each part's wall-clock time, of the total, and of
/// the process CPU time of each part and of the total (steadier than wall-clock time on a loaded machine). The model is the run named by --run,
/// or one trained here: flute and violin at mf every 4 semitones, the default frame model of
/// `audio train` (β-VAE, MLP [512, 256], latent 8), 5 epochs (latency does not depend on training).
/// </summary>
public static class AudioLatencyBench
{
    /// <summary>Runs the cases and prints JSON lines (progress on stderr).</summary>
    public static void Run(string? runDir, int reps, int threads)
    {
        Torch.NumThreads = threads;
        string? temp = null;
        if (runDir is null)
        {
            temp = Directory.CreateTempSubdirectory("ls-audio-latency-").FullName;
            runDir = Train(temp);
        }
        try
        {
            using var model = AudioModel.Open(runDir);
            using var path = PathRecipe.Build(model, new PathSpec { Kind = PathKind.Circle, Seconds = 1.0, Radius = 1.5 });
            foreach (int iters in new[] { 16, 32, 100 })
            {
                var gl = new GriffinLimOptions { Iterations = iters, Seed = 0 };
                var decode = new List<double>();
                var invert = new List<double>();
                var griffin = new List<double>();
                var total = new List<double>();
                var cpu = new List<double>();
                var cpuDecode = new List<double>();
                var cpuInvert = new List<double>();
                var cpuGriffin = new List<double>();
                var proc = Process.GetCurrentProcess();
                double sc = 0;
                for (int r = 0; r < reps + 3; r++)
                {
                    proc.Refresh();
                    var c0 = proc.TotalProcessorTime;
                    var t0 = Stopwatch.GetTimestamp();
                    using var frames = model.DecodePath(path);
                    var t1 = Stopwatch.GetTimestamp();
                    proc.Refresh();
                    var ca = proc.TotalProcessorTime;
                    using var mag = model.Pipeline.ToMagnitude(frames);
                    var t2 = Stopwatch.GetTimestamp();
                    proc.Refresh();
                    var cb = proc.TotalProcessorTime;
                    using var result = GriffinLim.Reconstruct(mag, model.Pipeline.Stft, gl);
                    var t3 = Stopwatch.GetTimestamp();
                    proc.Refresh();
                    var c1 = proc.TotalProcessorTime;
                    sc = result.SpectralConvergence;
                    if (r < 3) continue;
                    decode.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
                    invert.Add(Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
                    griffin.Add(Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds);
                    total.Add(Stopwatch.GetElapsedTime(t0, t3).TotalMilliseconds);
                    cpu.Add((c1 - c0).TotalMilliseconds);
                    cpuDecode.Add((ca - c0).TotalMilliseconds);
                    cpuInvert.Add((cb - ca).TotalMilliseconds);
                    cpuGriffin.Add((c1 - cb).TotalMilliseconds);
                }
                string S(string name, List<double> v) => string.Create(CultureInfo.InvariantCulture, $"\"{name}_ms\": {Quantile(v, 0.5):F2}, \"{name}_p95_ms\": {Quantile(v, 0.95):F2}");
                Console.WriteLine($"{{\"points\": {path.Size(0)}, \"latent_dim\": {model.LatentDim}, \"bins\": {model.Pipeline.Bins}, \"iters\": {iters}, \"threads\": {threads}, \"reps\": {reps}, " +
                    $"{S("decode", decode)}, {S("invert", invert)}, {S("griffin_lim", griffin)}, {S("total", total)}, {S("total_cpu", cpu)}, " +
                    $"{S("decode_cpu", cpuDecode)}, {S("invert_cpu", cpuInvert)}, {S("griffin_lim_cpu", cpuGriffin)}, " +
                    string.Create(CultureInfo.InvariantCulture, $"\"sc\": {sc:F4}}}"));
            }
        }
        finally
        {
            if (temp is not null) Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>Nearest-rank quantile (q in (0, 1]) of the values.</summary>
    public static double Quantile(IReadOnlyList<double> values, double q)
    {
        var s = values.Order().ToArray();
        int k = Math.Clamp((int)Math.Ceiling(q * s.Length) - 1, 0, s.Length - 1);
        return s[k];
    }

    private static string Train(string root)
    {
        var notes = Path.Combine(root, "notes");
        Console.Error.WriteLine("audio-latency: rendering flute and violin (mf, every 4 semitones)");
        NoteRenderer.Render(notes, new NoteRenderOptions { Instruments = ["flute", "violin"], Dynamics = ["mf"], PitchStep = 4 });
        var run = Path.Combine(root, "run");
        var b = new RunConfigBuilder().Set("model.model", AudioTraining.DefaultModel, "benchmark");
        foreach (var (k, v) in AudioTraining.FrameModelDefaults) b.Set(k, RunConfigBuilder.ParseValue(v), "benchmark");
        b.Set("training.epochs", 5, "benchmark").Set("training.out", run, "benchmark").Set("training.data", "frames:pending", "benchmark");
        Console.Error.WriteLine("audio-latency: training the default frame model for 5 epochs");
        var result = AudioTraining.Train(new AudioDataSettings { Notes = notes }, b.Build());
        Console.Error.WriteLine($"audio-latency: trained {result.EpochsDone} epochs in {run}");
        return run;
    }
}
