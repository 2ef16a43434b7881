using System.Diagnostics;
using System.Globalization;
using LatentSynth.Torch;

namespace LatentSynth.Benchmarks;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// Fused fast Griffin-Lim (AudioKernels.GriffinLim, the loop LatentSynth.Audio's GriffinLim.Reconstruct
/// runs) on one thread: 100 iterations on a 4 s, 22,050 Hz chord (n_fft 1024, hop 256, Hann), and the
/// decode-side cost on a 1 s magnitude (87 frames) with 32 and 100 iterations. The signal and
/// settings equal benchmarks/pytorch/griffin_lim.py. Prints one JSON line per case (median of
/// --reps timed runs after one warm-up run; wall-clock seconds and the process's CPU seconds, which
/// resist the load of a shared machine better).
/// </summary>
public static class GriffinLimBench
{
    /// <summary>A C major chord (C4, E4, G4, C5) with a slow amplitude envelope, float32 [samples].</summary>
    public static Tensor Chord(double seconds, int sr = 22050)
    {
        using var scope = Torch.NewScope();
        long n = (long)Math.Round(seconds * sr);
        var t = Torch.Arange(0.0, n, 1.0, DType.Float64).Div(sr);
        Tensor sum = Torch.ZerosLike(t);
        foreach (var f in new[] { 261.63, 329.63, 392.0, 523.25 }) sum = sum.Add(t.Mul(2 * Math.PI * f).Sin().Mul(0.2));
        var env = t.Mul(2 * Math.PI * 0.5).Sin().Mul(0.3).Add(0.7);
        return sum.Mul(env).To(DType.Float32).MoveToOuterScope();
    }

    /// <summary>Runs the cases and prints JSON lines.</summary>
    public static void Run(int reps, int threads)
    {
        Torch.NumThreads = threads;
        const int nFft = 1024, hop = 256;
        using var window = Torch.HannWindow(nFft);
        foreach (var (seconds, iters) in new[] { (4.0, 100), (1.0, 32), (1.0, 100) })
        {
            using var x = Chord(seconds);
            using var spec = Torch.Stft(x, nFft, hop, null, window, true);
            using var magT = spec.Abs();
            using var mag = magT.T.Contiguous();   // frames first
            using var g = new Generator(0);
            using var u = Torch.Rand(mag.Shape, generator: g);
            using var phase = u.Mul(2 * Math.PI);
            double sc = 0;
            var times = new List<double>();
            var cpu = new List<double>();
            var proc = System.Diagnostics.Process.GetCurrentProcess();
            for (int r = 0; r <= reps; r++)
            {
                proc.Refresh();
                var c0 = proc.TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                using var y = AudioKernels.GriffinLim(mag, nFft, hop, window, true, iters, 0.99, phase, x.Shape[0], out sc);
                sw.Stop();
                proc.Refresh();
                if (r > 0) { times.Add(sw.Elapsed.TotalSeconds); cpu.Add((proc.TotalProcessorTime - c0).TotalSeconds); }
            }
            times.Sort();
            cpu.Sort();
            double med = times[times.Count / 2], cmed = cpu[cpu.Count / 2];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"impl\": \"latentsynth\", \"audio_s\": {seconds}, \"frames\": {mag.Shape[0]}, \"iters\": {iters}, \"threads\": {threads}, \"seconds\": {med:F5}, \"cpu_seconds\": {cmed:F5}, \"sc\": {sc:F5}}}"));
        }
    }
}
