using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LatentSynth.Audio.Descriptors;
using LatentSynth.Audio.IO;
using LatentSynth.Audio.Notes;
using LatentSynth.Audio.Spectral;
using LatentSynth.Audio.Synthesis;
using LatentSynth.Data;
using LatentSynth.Evaluation.Benchmark;
using LatentSynth.Evaluation.Metrics;
using LatentSynth.Evaluation.Report;
using LatentSynth.Models;
using LatentSynth.Models.Regularizers;
using LatentSynth.Models.Vae;
using LatentSynth.Torch;
using LatentSynth.Torch.IO;
using LatentSynth.Training;

namespace LatentSynth.Audio.Evaluation;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Settings of an audio benchmark besides its matrix.</summary>
public sealed record AudioBenchmarkOptions
{
    /// <summary>The note-set folder (notes.csv).</summary>
    public required string Notes { get; init; }
    /// <summary>Instruments to use (null: all of the set).</summary>
    public IReadOnlyList<string>? Instruments { get; init; }
    /// <summary>Dynamics to use (null: all of the set).</summary>
    public IReadOnlyList<string>? Dynamics { get; init; }
    /// <summary>At most this many notes per instrument (null: all).</summary>
    public int? MaxNotesPerInstrument { get; init; }
    /// <summary>Griffin-Lim iterations for every resynthesis.</summary>
    public int GriffinLimIterations { get; init; } = 100;
    /// <summary>Length of each generated path's sound, in seconds.</summary>
    public double PathSeconds { get; init; } = 2.0;
    /// <summary>Optimisation steps of the geodesic path.</summary>
    public int GeodesicIterations { get; init; } = 200;
    /// <summary>Cells per side of the descriptor topology map.</summary>
    public int TopologyGrid { get; init; } = 32;
}

/// <summary>What a call to <see cref="AudioBenchmark.Run"/> did.</summary>
/// <param name="Completed">Whether every run finished and the report was written.</param>
/// <param name="TrainedRuns">Runs trained from scratch.</param>
/// <param name="ResumedRuns">Interrupted runs continued.</param>
/// <param name="SkippedRuns">Runs whose metrics file already existed.</param>
/// <param name="Results">The metrics of every finished run.</param>
/// <param name="ReportPath">report.html, when written.</param>
/// <param name="SummaryPath">summary.md, when written.</param>
/// <param name="Seconds">Wall time of the call.</param>
public sealed record AudioBenchmarkOutcome(bool Completed, int TrainedRuns, int ResumedRuns, int SkippedRuns, IReadOnlyList<RunMetrics> Results,
    string? ReportPath, string? SummaryPath, double Seconds);

/// <summary>
/// The benchmark of frame models on a note set (issue 5 §4; Exercise 3 of the project brief): every
/// variant × seed of a <see cref="BenchmarkMatrix"/> (its <c>data</c> is the note folder) is trained with
/// <see cref="AudioTraining.Train"/> in <c>OUT/runs/&lt;variant&gt;-s&lt;seed&gt;</c> (skipped when its
/// <see cref="MatrixRunner.MetricsFile"/> exists, resumed when interrupted), evaluated on the test notes
/// (whole notes) and reported through <see cref="HtmlReport"/>/<see cref="MarkdownSummary"/> with sounds,
/// spectrograms, latent maps and descriptor figures (Exercises 4-5).
/// </summary>
public sealed partial class AudioBenchmark
{
    /// <summary>The seed of the train/test split: the same test notes for every variant and seed.</summary>
    public const long SplitSeed = 0;

    private readonly Action<string> log;

    /// <summary>A benchmark printing progress to <paramref name="log"/>.</summary>
    public AudioBenchmark(Action<string>? log = null) => this.log = log ?? (_ => { });

    /// <summary>Called after each run is complete (evaluated or skipped).</summary>
    public Action<RunMetrics>? RunDone { get; set; }

    /// <summary>
    /// The default matrix (1 seed, 20 epochs): beta-vae (β = 0.05 with 5 warm-up epochs, the frame default),
    /// vae (β = 1: kept to show its posterior collapse), wae-mmd-rbf, wae-mmd-imq, ae; all MLP [512, 256],
    /// 8-d latent (<see cref="AudioTraining.FrameModelDefaults"/>). wae-gan can be added by a matrix file.
    /// </summary>
    public static BenchmarkMatrix DefaultMatrix(string notes) => new(notes, [0], new BenchmarkTraining { Epochs = 20 },
    [
        new("beta-vae", M("beta-vae", ("beta", 0.05), ("warmup_epochs", 5))),
        new("vae", M("vae")),
        new("wae-mmd-rbf", M("wae-mmd", ("kernel", "rbf"))),
        new("wae-mmd-imq", M("wae-mmd", ("kernel", "imq"))),
        new("ae", M("ae")),
    ]);

    private static JsonObject M(string model, params (string Key, JsonNode? Value)[] keys)
    {
        var o = new JsonObject { ["model"] = model };
        foreach (var (k, v) in keys) o[k] = v;
        return WithFrameDefaults(o);
    }

    /// <summary>The variant's model settings with <see cref="AudioTraining.FrameModelDefaults"/> filled in where
    /// it sets none (the β-VAE-only defaults only for the default model), as <c>audio train</c> does.</summary>
    public static JsonObject WithFrameDefaults(JsonObject model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var o = (JsonObject)model.DeepClone();
        var name = o["model"]?.GetValue<string>() ?? AudioTraining.DefaultModel;
        foreach (var (key, value) in AudioTraining.FrameModelDefaults)
        {
            var k = key["model.".Length..];
            if (o.ContainsKey(k)) continue;
            if (AudioTraining.ModelSpecificDefaults.Contains(key) && name != AudioTraining.DefaultModel) continue;
            o[k] = RunConfigBuilder.ParseValue(value);
        }
        return o;
    }

    /// <summary>Reads a matrix file (the image benchmark's format; <c>data</c> may be left out and is then
    /// <paramref name="notes"/>; frame defaults are filled in).</summary>
    public static BenchmarkMatrix LoadMatrix(string path, string notes)
    {
        JsonNode? root;
        var text = UserPaths.ReadConfigText("--config", path);
        try { root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new ArgumentException($"{path}: not valid JSON: {e.Message}"); }
        if (root is not JsonObject obj) throw new ArgumentException($"{path}: expected a JSON object");
        obj["data"] = notes;
        var m = BenchmarkMatrix.FromJson(obj.ToJsonString(), path);
        return m with { Variants = m.Variants.Select(v => v with { Model = WithFrameDefaults(v.Model) }).ToList() };
    }

    /// <summary>The quick form: 1 seed, 1 epoch unless fewer were asked.</summary>
    public static BenchmarkMatrix Quick(BenchmarkMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        return matrix.QuickForm();
    }

    /// <summary>The quick form of the options: short paths, few Griffin-Lim and geodesic iterations, a coarse map.</summary>
    public static AudioBenchmarkOptions Quick(AudioBenchmarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with { GriffinLimIterations = 16, PathSeconds = 1.0, GeodesicIterations = 20, TopologyGrid = 12 };
    }

    /// <summary>Runs (or continues) the matrix and writes <c>OUT/report.html</c> and <c>OUT/summary.md</c>.</summary>
    /// <exception cref="ArgumentException">The note set or a variant's settings are invalid (the message says which).</exception>
    public AudioBenchmarkOutcome Run(BenchmarkMatrix matrix, AudioBenchmarkOptions options, string outDir, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(outDir);
        var clock = Stopwatch.StartNew();
        if (!File.Exists(Path.Combine(options.Notes, NoteSet.CsvName)))
            throw new ArgumentException($"--notes: '{options.Notes}' holds no {NoteSet.CsvName}; render one with `latentsynth audio render-notes --out {options.Notes}`");
        AudioData.Register();
        foreach (var v in matrix.Variants) BenchmarkRunner.ConfigFor(matrix, v, matrix.Seeds[0], BenchmarkRunner.RunDir(outDir, v.Name, matrix.Seeds[0]));
        Directory.CreateDirectory(outDir);
        log($"audio benchmark: {matrix.Variants.Count} variants × {matrix.Seeds.Count} seeds × {matrix.Training.Epochs} epochs on {options.Notes}");
        var data = new AudioDataSettings
        {
            Notes = options.Notes, Instruments = options.Instruments, Dynamics = options.Dynamics,
            MaxNotesPerInstrument = options.MaxNotesPerInstrument, Seed = SplitSeed,
        };
        var runner = new MatrixRunner(
            train: (cell, token) => AudioTraining.Train(data, BenchmarkRunner.ConfigFor(matrix, cell.Variant, cell.Seed, cell.Dir), log: log, cancel: token),
            resume: (cell, token) => new Trainer(new CatalogDatasetSource(), warn: log).Resume(cell.Dir, matrix.Training.Epochs, token),
            evaluate: cell => new RunMetrics(cell.Variant.Name, cell.Seed, Evaluate(cell.Dir, options, cell.Seed), 0, 0),
            log) { Usable = AudioModel.IsAudioRun, RunDone = RunDone };
        var pass = runner.Run(matrix, outDir, cancel);
        if (!pass.Completed)
        {
            log("audio benchmark interrupted; rerun the same command to continue");
            return new AudioBenchmarkOutcome(false, pass.Trained, pass.Resumed, pass.Skipped, pass.Results, null, null, clock.Elapsed.TotalSeconds);
        }
        var report = BuildReport(matrix, options, outDir, pass.Results.ToList());
        string html = Path.Combine(outDir, "report.html"), md = Path.Combine(outDir, "summary.md");
        HtmlReport.Write(report, html);
        MarkdownSummary.Write(report, md);
        log($"audio benchmark finished in {clock.Elapsed.TotalSeconds:0.0} s: {html}, {md}");
        return new AudioBenchmarkOutcome(true, pass.Trained, pass.Resumed, pass.Skipped, pass.Results, html, md, clock.Elapsed.TotalSeconds);
    }


    /// <summary>Metric descriptions for the report.</summary>
    public static readonly IReadOnlyDictionary<string, MetricInfo> Info = new Dictionary<string, MetricInfo>
    {
        ["sc_model"] = new("spectral convergence ‖X − S‖/‖S‖ of the decoded frames' magnitude X against the test note's STFT magnitude S (model error alone: no phase reconstruction), mean over test notes", "", true),
        ["lsd_model"] = new("log-spectral distance of the decoded frames' magnitude against the note's (model error alone)", "dB", true),
        ["sc_gl"] = new("spectral convergence of the Griffin-Lim resynthesis' STFT magnitude against the note's (model + phase reconstruction: what one hears)", "", true),
        ["lsd_gl"] = new("log-spectral distance of the Griffin-Lim resynthesis against the note (model + phase)", "dB", true),
        ["centroid_err"] = new("mean |Δ spectral centroid| between note and resynthesis (energy-weighted per-note summaries)", "Hz", true),
        ["bandwidth_err"] = new("mean |Δ spectral bandwidth| between note and resynthesis", "Hz", true),
        ["rolloff_err"] = new("mean |Δ 85 % rolloff| between note and resynthesis", "Hz", true),
        ["flatness_err"] = new("mean |Δ spectral flatness| between note and resynthesis", "", true),
        ["rms_err"] = new("mean |Δ RMS| between note and resynthesis (full scale 1)", "", true),
        ["contrast_err"] = new("mean |Δ spectral contrast| over the 7 bands, note vs resynthesis", "dB", true),
        ["latent_mmd"] = new("MMD² (IMQ multi-scale kernel, unbiased) between the codes of the test frames and as many prior draws", "", true),
        ["active_units"] = new("active latent units over the test frames (variance of the posterior mean > 0.01; VAE family only)", "", false),
    };

    /// <summary>Evaluates one trained run on its test notes (whole notes).</summary>
    public static Dictionary<string, double> Evaluate(string runDir, AudioBenchmarkOptions options, long seed)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var model = AudioModel.Open(runDir);
        var (set, _, test) = model.Notes();
        if (test.Count == 0) throw new ArgumentException($"'{runDir}': the run has no test notes; use more notes or a larger test fraction");
        var stft = model.Pipeline.Stft;
        var gl = new GriffinLimOptions { Iterations = options.GriffinLimIterations, Seed = (ulong)seed };
        var sums = new Dictionary<string, double>();
        void Add(string k, double v) => sums[k] = sums.GetValueOrDefault(k) + v;
        var codes = new List<Tensor>();
        try
        {
            foreach (var note in test)
            {
                using var scope = Torch.NewScope();
                var reference = ReferenceMagnitude(model, set.Read(note));
                var frames = model.Pipeline.Analyze(reference.Signal);
                var path = model.EncodeFrames(frames);
                codes.Add(path.Detach().MoveToOuterScope());
                var decoded = model.DecodePath(path);
                var decodedMag = model.Pipeline.ToMagnitude(decoded);
                var m = AudioMetrics.Spectral(decodedMag, reference.Magnitude);
                Add("sc_model", m.SpectralConvergence); Add("lsd_model", m.LogSpectralDistance);
                var pipe = AudioMetrics.Spectral(model.Pipeline.ToMagnitude(frames), reference.Magnitude);
                Add("sc_pipeline", pipe.SpectralConvergence); Add("lsd_pipeline", pipe.LogSpectralDistance);
                var sound = model.Render(decoded, gl);
                var glMag = Stft.Magnitude(sound.Clip.ToTensor(), stft);
                var g = AudioMetrics.Spectral(glMag, reference.Magnitude);
                Add("sc_gl", g.SpectralConvergence); Add("lsd_gl", g.LogSpectralDistance);
                long t = Math.Min(glMag.Size(0), reference.Magnitude.Size(0));
                var e = AudioMetrics.Descriptors(glMag.Narrow(0, 0, t), reference.Magnitude.Narrow(0, 0, t), stft);
                Add("centroid_err", e.Centroid); Add("bandwidth_err", e.Bandwidth); Add("rolloff_err", e.Rolloff);
                Add("flatness_err", e.Flatness); Add("rms_err", e.Rms); Add("contrast_err", e.ContrastDb);
            }
            var values = sums.ToDictionary(kv => kv.Key, kv => kv.Value / test.Count);
            using var scope2 = Torch.NewScope();
            var all = Torch.Cat(codes, 0);
            // At most 2000 frames, evenly spread over the notes (the kernel matrices are n² each).
            long n = all.Size(0), keep = Math.Min(n, LatentMmd.DefaultMaxPoints);
            var idx = Tensor.From(Enumerable.Range(0, (int)keep).Select(i => (long)(i * n / keep)).ToArray(), keep);
            var picked = all.IndexSelect(0, idx).To(DType.Float32);
            using var gen = new Generator((ulong)seed + 1000);
            var prior = model.SamplePrior((int)keep, gen).Detach().To(DType.Float32);
            int d = model.LatentDim;
            double c = model.Model is EncoderDecoderModel ed ? Mmd.DefaultBandwidth(d, ed.Prior.MeanSquare(d))
                : Mmd.DefaultBandwidth(d, prior.To(DType.Float64).Square().Mean().Item());
            values["latent_mmd"] = LatentMmd.Between(picked, prior, KernelRegistry.Get("imq"), c);
            if (model.Model is VaeModel) values["active_units"] = AudioMetrics.ActiveUnits(all);
            return values;
        }
        finally
        {
            foreach (var t in codes) t.Dispose();
        }
    }

    private sealed record Reference(Tensor Signal, Tensor Magnitude);

    /// <summary>A note at the model's rate and its STFT magnitude (tensors in the caller's scope).</summary>
    private static Reference ReferenceMagnitude(AudioModel model, AudioClip clip)
    {
        var samples = clip.SampleRate == model.SampleRate ? clip.Samples : Resampler.Resample(clip.Samples, clip.SampleRate, model.SampleRate);
        var signal = Tensor.From(samples, samples.Length);
        return new Reference(signal, Stft.Magnitude(signal, model.Pipeline.Stft));
    }

    private static string F(double v, string format = "0.###") => v.ToString(format, CultureInfo.InvariantCulture);
}
