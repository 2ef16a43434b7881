using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using LatentSynth.Data;
using LatentSynth.Evaluation.Benchmark;
using LatentSynth.Evaluation.Report;
using LatentSynth.Models;
using LatentSynth.Music.Data;
using LatentSynth.Music.Models;
using LatentSynth.Torch;
using LatentSynth.Training;

namespace LatentSynth.Music.Evaluation;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Settings of a music benchmark besides its matrix.</summary>
public sealed record MusicBenchmarkOptions
{
    /// <summary>Test windows drawn as piano rolls and rendered as audio in the report (per variant, first seed).</summary>
    public int ReportExamples { get; init; } = 2;

    /// <summary>Pairs of test windows of the interpolation study (per run).</summary>
    public int InterpolationPairs { get; init; } = 24;

    /// <summary>Points of each interpolation, both ends included (α = 0, 1/(n−1), …, 1).</summary>
    public int InterpolationSteps { get; init; } = 11;

    /// <summary>Windows evaluated per run (the first N test windows; null: all).</summary>
    public int? MaxTestWindows { get; init; }
}

/// <summary>What a call to <see cref="MusicBenchmark.Run"/> did.</summary>
/// <param name="Completed">Whether every run finished and the report was written.</param>
/// <param name="TrainedRuns">Runs trained from scratch.</param>
/// <param name="ResumedRuns">Interrupted runs continued.</param>
/// <param name="SkippedRuns">Runs whose metrics file already existed.</param>
/// <param name="Results">The metrics of every finished run.</param>
/// <param name="ReportPath">report.html, when written.</param>
/// <param name="SummaryPath">summary.md, when written.</param>
/// <param name="Seconds">Wall time of the call.</param>
public sealed record MusicBenchmarkOutcome(bool Completed, int TrainedRuns, int ResumedRuns, int SkippedRuns, IReadOnlyList<RunMetrics> Results,
    string? ReportPath, string? SummaryPath, double Seconds)
{
    /// <summary>The outcome of a benchmark (<paramref name="name"/>, e.g. "music") stopped before its report, logged as such.</summary>
    internal static MusicBenchmarkOutcome Interrupted(string name, int trained, int resumed, int skipped, IReadOnlyList<RunMetrics> results,
        Stopwatch clock, Action<string> log)
    {
        log($"{name} benchmark interrupted; rerun the same command to continue");
        return new MusicBenchmarkOutcome(false, trained, resumed, skipped, results, null, null, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Writes <paramref name="report"/> as <c>OUT/report.html</c> and <c>OUT/summary.md</c>, logs where, and returns the
    /// outcome of the finished benchmark <paramref name="name"/>.</summary>
    internal static MusicBenchmarkOutcome Written(string name, BenchmarkReport report, string outDir, int trained, int resumed, int skipped,
        IReadOnlyList<RunMetrics> results, Stopwatch clock, Action<string> log)
    {
        string html = Path.Combine(outDir, "report.html"), md = Path.Combine(outDir, "summary.md");
        HtmlReport.Write(report, html);
        MarkdownSummary.Write(report, md);
        log($"{name} benchmark finished in {clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s: {html}, {md}");
        return new MusicBenchmarkOutcome(true, trained, resumed, skipped, results, html, md, clock.Elapsed.TotalSeconds);
    }
}

/// <summary>
/// The MusicVAE benchmark (issue 12 §4): MusicVAE's Table 1 on our data — per-step reconstruction accuracy,
/// teacher-forced and sampled, of the flat and the hierarchical decoder on 16-bar Nottingham melodies, several seeds —
/// and its interpolation study (latent vs data-space). Every variant × seed of a <see cref="BenchmarkMatrix"/> is trained
/// by the one <see cref="MatrixRunner"/> in <c>OUT/runs/&lt;variant&gt;-s&lt;seed&gt;</c> (resumed when interrupted, skipped
/// when evaluated), evaluated on its test windows (<see cref="MelodyAccuracy"/>) and reported through
/// <see cref="HtmlReport"/>/<see cref="MarkdownSummary"/> with piano rolls, audio and the interpolation curves.
/// </summary>
public sealed partial class MusicBenchmark
{
    /// <summary>The default data: every 4th 16-bar Nottingham window (2,322 train / 278 test windows).</summary>
    public const string DefaultData = "nottingham-16-hop4";

    private readonly Action<string> log;

    /// <summary>A benchmark printing progress to <paramref name="log"/>; a warning repeated word for word (the data's
    /// skipped tunes, reported at every load) is printed once.</summary>
    public MusicBenchmark(Action<string>? log = null) => this.log = PrintOnce(log);

    /// <summary>A log that prints a message repeated word for word once (progress lines, which start with '[', always).</summary>
    internal static Action<string> PrintOnce(Action<string>? log)
    {
        var print = log ?? (_ => { });
        var seen = new HashSet<string>();
        return m => { lock (seen) if (seen.Add(m) || m.StartsWith('[')) print(m); };
    }

    /// <summary>Called after each run is complete (evaluated or skipped).</summary>
    public Action<RunMetrics>? RunDone { get; set; }

    /// <summary>
    /// The default matrix: seeds 0, 1, 2; 8 epochs of batch 32 at lr 2e-3 on <paramref name="data"/> (584 steps per run);
    /// two variants that differ only in the decoder — <c>flat</c> (musicvae: one 2-layer LSTM decoder over all 256 steps)
    /// and <c>hier</c> (musicvae-hier: conductor over 16 bars + per-bar decoder). Both: bidirectional 2×64 encoder,
    /// 2×64 decoder (and conductor), z of 64 with 32 free bits (Magenta's half a bit per dimension), β 0.2 from the second
    /// step, plain teacher forcing — the settings of Magenta's <c>hierdec-mel_16bar</c> and of the paper's 16-bar flat
    /// baseline, at 1/32 of the paper's encoder width (2048) and 1/16 of its decoder width (1024), z 1/8 of 512.
    /// </summary>
    /// <remarks>Why so small and so short: the six runs must fit about 40 minutes of a shared 2-core CPU. A first try with
    /// 2×128 LSTMs, batch 64, lr 1e-3 and 5 epochs (185 steps) took 12 minutes per run and its flat model still predicted
    /// "no event" at every step (teacher-forced accuracy 0.672, the share of "no event"; 0 on events): too few updates.
    /// Halving the widths and the batch gives three times the updates in less time; lr 2e-3 is Adam's usual range for LSTMs.</remarks>
    public static BenchmarkMatrix DefaultMatrix(string data = DefaultData) =>
        new(data, [0, 1, 2], new BenchmarkTraining { Epochs = 8, BatchSize = 32, Lr = 2e-3 },
        [
            new("flat", Variant("musicvae", ("free_bits", 32), ("beta_rate", 0), ("sampling_schedule", "constant"), ("sampling_rate", 0))),
            new("hier", Variant("musicvae-hier", ("conductor_size", 64), ("latent_dim", 64), ("free_bits", 32))),
        ]);

    private static JsonObject Variant(string model, params (string Key, JsonNode? Value)[] keys)
    {
        var o = new JsonObject { ["model"] = model, ["encoder_size"] = 64, ["decoder_size"] = 64, ["latent_dim"] = 64 };
        foreach (var (k, v) in keys) o[k] = v;
        return o;
    }

    /// <summary>The quick form (for a first look and the tests): 1 seed, 1 epoch, 256 training and 32 test windows.</summary>
    public static BenchmarkMatrix Quick(BenchmarkMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        return matrix.QuickForm(256, 32);
    }

    /// <summary>Runs (or continues) the matrix and writes <c>OUT/report.html</c> and <c>OUT/summary.md</c>.</summary>
    /// <exception cref="ArgumentException">The data is not a melody dataset, or a variant is not a melody model (the message says which).</exception>
    public MusicBenchmarkOutcome Run(BenchmarkMatrix matrix, MusicBenchmarkOptions options, string outDir, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(outDir);
        if (options.ReportExamples < 1 || options.InterpolationPairs < 1 || options.InterpolationSteps < 2 || options.MaxTestWindows is < 1)
            throw new ArgumentException("music benchmark options: report examples, interpolation pairs and test windows must be at least 1, interpolation steps at least 2");
        var clock = Stopwatch.StartNew();
        MusicData.Register();
        MusicModels.Register();
        if (!MusicData.IsMusicDataset(matrix.Data) || MusicData.IsInpaintDataset(matrix.Data))
            throw new ArgumentException($"data '{matrix.Data}' is not a melody dataset" +
                (MusicData.IsInpaintDataset(matrix.Data) ? " of MusicVAE's tokens (it holds 24-step inpainting tokens)" : "") +
                $"; use nottingham, nottingham-16, {DefaultData}, midi:DIR or midi16:DIR");
        foreach (var v in matrix.Variants)
        {
            var config = BenchmarkRunner.ConfigFor(matrix, v, matrix.Seeds[0], MatrixRunner.RunDir(outDir, v.Name, matrix.Seeds[0]));
            if (!IsMelodyModel(config.Model.Model))
                throw new ArgumentException($"variant '{v.Name}': model '{config.Model.Model}' is not a melody model; the music benchmark takes musicvae or musicvae-hier");
        }
        Directory.CreateDirectory(outDir);
        log($"music benchmark: {matrix.Variants.Count} variants × {matrix.Seeds.Count} seeds × {matrix.Training.Epochs} epochs on {matrix.Data}");
        var source = new CatalogDatasetSource();
        MelodyNgram? judge = null;
        var runner = new MatrixRunner(
            train: (cell, token) => new Trainer(source, warn: log).Train(BenchmarkRunner.ConfigFor(matrix, cell.Variant, cell.Seed, cell.Dir), token),
            resume: (cell, token) => new Trainer(source, warn: log).Resume(cell.Dir, matrix.Training.Epochs, token),
            evaluate: cell =>
            {
                judge ??= FitJudge(source, BenchmarkRunner.ConfigFor(matrix, cell.Variant, cell.Seed, cell.Dir).Training);
                return new RunMetrics(cell.Variant.Name, cell.Seed, Evaluate(cell.Dir, options, cell.Seed, judge, source, log), 0, 0);
            },
            log) { Usable = IsMelodyRun, RunDone = RunDone };
        var pass = runner.Run(matrix, outDir, cancel);
        if (!pass.Completed) return MusicBenchmarkOutcome.Interrupted("music", pass.Trained, pass.Resumed, pass.Skipped, pass.Results, clock, log);
        judge ??= FitJudge(source, BenchmarkRunner.ConfigFor(matrix, matrix.Variants[0], matrix.Seeds[0], outDir).Training);
        var report = BuildReport(matrix, options, outDir, pass.Results.ToList(), judge, source);
        return MusicBenchmarkOutcome.Written("music", report, outDir, pass.Trained, pass.Resumed, pass.Skipped, pass.Results, clock, log);
    }

    /// <summary>Whether the folder holds a run of a melody model (the runner's check before reusing a folder).</summary>
    public static bool IsMelodyRun(string dir)
    {
        try { return IsMelodyModel(RunFolder.Open(dir).Config.Model.Model); }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidDataException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>Whether <paramref name="model"/> names a MusicVAE model (a <see cref="MelodyVaeModel"/>; not the bar models of inpainting).</summary>
    public static bool IsMelodyModel(string model) =>
        ModelRegistry.All.Any(m => string.Equals(m.Name, model, StringComparison.OrdinalIgnoreCase) && typeof(MelodyVaeModel).IsAssignableFrom(m.ModelType));

    /// <summary>The n-gram judge of the interpolation study, fit on the training windows of the data (with the matrix's limits).</summary>
    private MelodyNgram FitJudge(IDatasetSource source, TrainingConfig training)
    {
        using var data = Trainer.LoadData(source, training, log);
        var judge = MelodyNgram.Fit(TokenRows.Of(data.Train.Examples));
        log($"interpolation judge: a {judge.Order}-gram token model (add-{judge.K.ToString(CultureInfo.InvariantCulture)}) fit on {data.Train.Count} training windows");
        return judge;
    }

    /// <summary>Metric descriptions for the report (also the column order).</summary>
    public static readonly IReadOnlyDictionary<string, MetricInfo> Info = new Dictionary<string, MetricInfo>
    {
        ["tf_acc"] = new("teacher-forced accuracy: share of test steps whose argmax is the true token, the decoder fed the true previous tokens (MusicVAE Table 1, teacher-forced)", "", false),
        ["sampled_acc"] = new("sampled accuracy: the decoder runs on its own samples at temperature 1 from z = μ; share of steps equal to the test window (Table 1, sampling)", "", false),
        ["greedy_acc"] = new("greedy accuracy: as sampled_acc with argmax decoding", "", false),
        ["tf_event_acc"] = new("teacher-forced accuracy on the steps whose target is a note-on or note-off (two thirds of the steps are 'no event')", "", false),
        ["sampled_event_acc"] = new("sampled accuracy on the note-on/note-off steps", "", false),
        ["nll_step"] = new("teacher-forced negative log-likelihood of the true token at z = μ", "nats/step", true),
        ["interp_plausible_latent"] = new("share of latent interpolants (0 < α < 1) judged plausible by the n-gram judge", "", false),
        ["interp_plausible_data"] = new("share of data-space interpolants (0 < α < 1) judged plausible by the n-gram judge", "", false),
    };

    /// <summary>
    /// Evaluates one trained run: <see cref="MelodyAccuracy"/> on its test windows (at most
    /// <see cref="MusicBenchmarkOptions.MaxTestWindows"/>; sampling seeded by <paramref name="seed"/>) and the interpolation
    /// study (<see cref="MelodyInterpolation.Run"/>) judged by <paramref name="judge"/>.
    /// </summary>
    public static Dictionary<string, double> Evaluate(string runDir, MusicBenchmarkOptions options, long seed, MelodyNgram judge,
        IDatasetSource? source = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(judge);
        var run = RunFolder.Open(runDir);
        using var model = run.LoadModel() as MelodyVaeModel
            ?? throw new ArgumentException($"'{runDir}' holds model '{run.Config.Model.Model}', not a melody model");
        using var data = Trainer.LoadData(source ?? new CatalogDatasetSource(), run.Config.Training, log);
        using var scope = Torch.NewScope();
        var windows = data.Test.Examples;
        if (options.MaxTestWindows is { } max && max < windows.Size(0)) windows = windows.Narrow(0, 0, max);
        var accuracy = MelodyAccuracy.Evaluate(model, windows, (ulong)seed);
        var values = accuracy.ToDictionary().ToDictionary(kv => kv.Key, kv => kv.Value);
        var study = MelodyInterpolation.Run(model, TokenRows.Of(windows), judge, options.InterpolationPairs, options.InterpolationSteps, (int)seed);
        foreach (var (k, v) in StudyValues(study)) values[k] = v;
        return values;
    }

    /// <summary>
    /// The study's figures that enter the results table: the share of interpolants judged plausible, latent and data
    /// space, over the interior points (0 &lt; α &lt; 1; the end points are the reconstructions and the windows themselves).
    /// </summary>
    public static IReadOnlyDictionary<string, double> StudyValues(InterpolationStudy study)
    {
        ArgumentNullException.ThrowIfNull(study);
        var interior = Enumerable.Range(0, study.Alphas.Length).Where(k => study.Alphas[k] > 0 && study.Alphas[k] < 1).ToList();
        return new Dictionary<string, double>
        {
            ["interp_plausible_latent"] = interior.Count > 0 ? interior.Average(k => study.LatentPlausible[k]) : double.NaN,
            ["interp_plausible_data"] = interior.Count > 0 ? interior.Average(k => study.DataPlausible[k]) : double.NaN,
        };
    }
}
