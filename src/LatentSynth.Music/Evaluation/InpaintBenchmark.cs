using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using LatentSynth.Data;
using LatentSynth.Evaluation.Benchmark;
using LatentSynth.Evaluation.Report;
using LatentSynth.Models;
using LatentSynth.Music.Data;
using LatentSynth.Music.Inpainting;
using LatentSynth.Music.Models;
using LatentSynth.Torch;
using LatentSynth.Training;

namespace LatentSynth.Music.Evaluation;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Settings of an inpainting benchmark besides its two matrices.</summary>
public sealed record InpaintBenchmarkOptions
{
    /// <summary>Test windows whose gap every filler fills (the first N of the gap data's test split; null: all).</summary>
    public int? MaxTestWindows { get; init; } = 512;

    /// <summary>Test windows drawn as piano rolls in the report (per row; the first is also heard).</summary>
    public int ReportExamples { get; init; } = 3;
}

/// <summary>
/// The two matrices of the inpainting benchmark, trained in this order: <paramref name="Bars"/> trains the bar VAEs (stage 1:
/// <c>measurevae</c>, <c>sketchvae</c> on single bars), <paramref name="Gaps"/> the gap models on 16-bar windows (stage 2:
/// <c>inpaintnet</c>, <c>sketchnet</c>), each on the stage-1 run of its own seed when stage 1 has that seed, else on stage 1's
/// first seed (so a plan may train the bar VAEs once and vary only the gap models' seeds). A stage-2 variant names its frozen
/// run as <c>"@&lt;stage-1 variant&gt;"</c> in its <c>measure_vae_run</c> / <c>sketch_vae_run</c> key
/// (<see cref="InpaintBenchmark.ResolveFrozenRuns"/>), for example <c>"measure_vae_run": "@measurevae"</c>.
/// </summary>
/// <param name="Bars">Stage 1: the bar VAEs on a bar dataset (<c>nottingham-bars24</c>, <c>midi-bars24:DIR</c>).</param>
/// <param name="Gaps">Stage 2: the gap models on a window dataset (<c>nottingham-inpaint</c>, <c>midi-inpaint:DIR</c>).</param>
public sealed record InpaintBenchmarkPlan(BenchmarkMatrix Bars, BenchmarkMatrix Gaps);

/// <summary>
/// The comparison of Music SketchNet's Table 1 (Chen et al. 2020) on our data (issue 13): the negative log-likelihood of the
/// true gap and the pitch and rhythm accuracy of the filled bars (<see cref="InpaintMetrics"/>) for
/// (a) the baseline (<see cref="RepeatContextFiller"/>), (b) InpaintNet (MeasureVAE + LatentRNN), (c) SketchNet without
/// controls and (d) SketchNet given each gap bar's true rhythm, plus the baseline given the true rhythm as the yardstick of (d).
/// Both stages of every model are trained by the one <see cref="MatrixRunner"/> in <c>OUT/runs/&lt;variant&gt;-s&lt;seed&gt;</c>
/// (resumed when interrupted, skipped when evaluated); the report (<see cref="HtmlReport"/>, <see cref="MarkdownSummary"/>) shows
/// the table, the training curves, piano rolls of filled test windows with the gap marked, and their sound.
/// </summary>
/// <remarks>
/// The gap is always bars 7–10 of a 16-bar window (6 past, 4 missing, 6 future: SketchNet's set-up). InpaintNet's paper also
/// trains and tests gaps of 2–6 bars; we keep SketchNet's fixed 4 so the rows compare the same task.
/// SketchNet given the true rhythm is scored on its own decodes (<see cref="SketchNetGapFiller.RepairSketches"/> off): a repaired
/// bar would score rhythm accuracy 1 by construction; the share of bars whose decode missed the given rhythm is reported
/// (<c>missed_rhythm</c>). The baseline given the rhythm merges the true rhythm with the repeated bar's pitches
/// (<see cref="InpaintControls.Apply"/>).
/// </remarks>
public sealed partial class InpaintBenchmark
{
    /// <summary>Stage 1's default data: every bar of the Nottingham training tunes on the 24-step grid.</summary>
    public const string DefaultBarData = "nottingham-bars24";

    /// <summary>Stage 2's default data: 16-bar windows of the Nottingham tunes on the 24-step grid.</summary>
    public const string DefaultGapData = "nottingham-inpaint";

    /// <summary>Row name of the baseline.</summary>
    public const string BaselineRow = "baseline";

    /// <summary>Suffix of the rows given each gap bar's true rhythm.</summary>
    public const string TrueRhythmSuffix = " + true rhythm";

    /// <summary>Prefix of the metric keys measured given the true rhythm (in a run's metrics file).</summary>
    public const string GivenRhythmPrefix = "given_rhythm.";

    private readonly Action<string> log;

    /// <summary>A benchmark printing progress to <paramref name="log"/>; a warning repeated word for word is printed once.</summary>
    public InpaintBenchmark(Action<string>? log = null) => this.log = MusicBenchmark.PrintOnce(log);

    /// <summary>Called after each run is complete (evaluated or skipped), both stages.</summary>
    public Action<RunMetrics>? RunDone { get; set; }

    /// <summary>
    /// The default plan: Adam at lr 1e-3, batch 64, 2 epochs in each stage; stage 1 with seed 0, stage 2 with seeds 0, 1, 2
    /// (every gap model on the same bar VAEs, so the spread over seeds is the gap models' alone). Stage 1 on <see cref="DefaultBarData"/> (17,426 training bars, the first 1,024 test bars for validation): <c>measurevae</c> and
    /// <c>sketchvae</c> at their defaults (GRUs of 256, z 128 and 256: <see cref="MeasureVaeConfig"/>, <see cref="SketchVaeConfig"/>).
    /// Stage 2 on <see cref="DefaultGapData"/> (the first 3,200 of 9,732 training windows; the first 512 test windows):
    /// <c>inpaintnet</c> and <c>sketchnet</c> at their defaults (<see cref="LatentRnnConfig"/>, <see cref="SketchNetConfig"/>).
    /// </summary>
    /// <remarks>Why this small: the runs must fit about an hour and a half of a shared 2-core CPU. Measured there, while other
    /// jobs ran: 2 epochs of MeasureVAE took 5–7 minutes and of SketchVAE 12–14; 2 epochs of InpaintNet 7–11 and of SketchNet 20–25
    /// (a stage-2 step takes 4–15 s: the frozen VAE encodes 12 context bars and decodes 4 per window). Bar VAEs per seed would have
    /// added about 40 minutes, so they are trained once; pass more stage-1 seeds for the spread of the whole pipeline.
    /// The reference code trains on a GPU for far longer (MeasureVAE: 30 epochs of batch 256 at lr 1e-4, <c>train_measure_vae.py</c>;
    /// SketchNet's second stage alone: 15 epochs of batch 32, <c>3-4-SketchNet.ipynb</c>); lr 1e-3 makes our few hundred updates count. Both models get the same budget, so the comparison is fair if not converged.</remarks>
    public static InpaintBenchmarkPlan DefaultPlan(string barData = DefaultBarData, string gapData = DefaultGapData) => new(
        new BenchmarkMatrix(barData, [0], new BenchmarkTraining { Epochs = 2, BatchSize = 64, Lr = 1e-3, LimitTest = 1024 },
        [
            new("measurevae", new JsonObject { ["model"] = "measurevae" }),
            new("sketchvae", new JsonObject { ["model"] = "sketchvae" }),
        ]),
        new BenchmarkMatrix(gapData, [0, 1, 2], new BenchmarkTraining { Epochs = 2, BatchSize = 64, Lr = 1e-3, LimitTrain = 3200, LimitTest = 512 },
        [
            new("inpaintnet", new JsonObject { ["model"] = "inpaintnet", ["measure_vae_run"] = "@measurevae" }),
            new("sketchnet", new JsonObject { ["model"] = "sketchnet", ["sketch_vae_run"] = "@sketchvae" }),
        ]));

    /// <summary>The quick form (for a first look and the tests): the first seed, 1 epoch, 256 training bars / 64 windows, 32 test bars / windows.</summary>
    public static InpaintBenchmarkPlan Quick(InpaintBenchmarkPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new InpaintBenchmarkPlan(plan.Bars.QuickForm(256, 32), plan.Gaps.QuickForm(64, 32));
    }

    /// <summary>
    /// The variant with every <c>"@name"</c> value of its model section replaced by the full path of stage-1 variant
    /// <c>name</c>'s run under <paramref name="outDir"/>: the run of <paramref name="seed"/> when <paramref name="bars"/> has that
    /// seed, else of its first seed.
    /// </summary>
    /// <exception cref="ArgumentException">A <c>"@name"</c> names no variant of <paramref name="bars"/>.</exception>
    public static BenchmarkVariant ResolveFrozenRuns(BenchmarkVariant variant, BenchmarkMatrix bars, long seed, string outDir)
    {
        ArgumentNullException.ThrowIfNull(variant);
        ArgumentNullException.ThrowIfNull(bars);
        var model = (JsonObject)variant.Model.DeepClone();
        foreach (var (key, value) in variant.Model)
        {
            if (value is not JsonValue v || !v.TryGetValue<string>(out var s) || !s.StartsWith('@')) continue;
            var name = s[1..];
            if (!bars.Variants.Any(b => b.Name == name))
                throw new ArgumentException($"variant '{variant.Name}': {key} '{s}' names no stage-1 variant (they are {string.Join(", ", bars.Variants.Select(b => "@" + b.Name))})");
            model[key] = Path.GetFullPath(MatrixRunner.RunDir(outDir, name, FrozenSeed(bars, seed)));
        }
        return variant with { Model = model };
    }

    /// <summary>The stage-1 seed whose runs a stage-2 run of <paramref name="seed"/> uses: the same when stage 1 has it, else stage 1's first.</summary>
    public static long FrozenSeed(BenchmarkMatrix bars, long seed)
    {
        ArgumentNullException.ThrowIfNull(bars);
        return bars.Seeds.Contains(seed) ? seed : bars.Seeds[0];
    }

    private static readonly string[] BarModels = ["measurevae", "sketchvae"];
    private static readonly string[] GapModels = ["inpaintnet", "sketchnet"];

    /// <summary>Runs (or continues) both stages and writes <c>OUT/report.html</c> and <c>OUT/summary.md</c>.</summary>
    /// <exception cref="ArgumentException">A matrix's data or models do not fit its stage, the seeds differ, or a frozen-run reference is wrong (the message says which).</exception>
    public MusicBenchmarkOutcome Run(InpaintBenchmarkPlan plan, InpaintBenchmarkOptions options, string outDir, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(outDir);
        if (options.ReportExamples < 1 || options.MaxTestWindows is < 1)
            throw new ArgumentException("inpaint benchmark options: report examples and test windows must be at least 1");
        var clock = Stopwatch.StartNew();
        MusicData.Register();
        MusicModels.Register();
        Check(plan, outDir);
        Directory.CreateDirectory(outDir);
        var source = new CatalogDatasetSource();
        int trained = 0, resumed = 0, skipped = 0;
        var results = new List<RunMetrics>();
        log($"inpaint benchmark: stage 1 ({string.Join(", ", plan.Bars.Variants.Select(v => v.Name))} on {plan.Bars.Data}), then stage 2 " +
            $"({string.Join(", ", plan.Gaps.Variants.Select(v => v.Name))} on {plan.Gaps.Data}); seeds {string.Join(", ", plan.Gaps.Seeds)}");
        foreach (var (matrix, stage) in new[] { (plan.Bars, 1), (plan.Gaps, 2) })
        {
            RunConfig Config(MatrixCell cell) => BenchmarkRunner.ConfigFor(matrix,
                stage == 1 ? cell.Variant : ResolveFrozenRuns(cell.Variant, plan.Bars, cell.Seed, outDir), cell.Seed, cell.Dir);
            var runner = new MatrixRunner(
                train: (cell, token) => new Trainer(source, warn: log).Train(Config(cell), token),
                resume: (cell, token) => new Trainer(source, warn: log).Resume(cell.Dir, matrix.Training.Epochs, token),
                evaluate: cell => new RunMetrics(cell.Variant.Name, cell.Seed,
                    stage == 1 ? LastValidation(cell.Dir) : Evaluate(cell.Dir, options, cell.Seed, source, log), 0, 0),
                m => log($"stage {stage} {m}"))
            { Usable = dir => IsRunOf(dir, stage == 1 ? BarModels : GapModels), RunDone = RunDone };
            var pass = runner.Run(matrix, outDir, cancel);
            trained += pass.Trained;
            resumed += pass.Resumed;
            skipped += pass.Skipped;
            results.AddRange(pass.Results);
            if (!pass.Completed) return MusicBenchmarkOutcome.Interrupted("inpaint", trained, resumed, skipped, results, clock, log);
        }
        var report = BuildReport(plan, options, outDir, results, source);
        return MusicBenchmarkOutcome.Written("inpaint", report, outDir, trained, resumed, skipped, results, clock, log);
    }

    /// <summary>Checks the plan before anything runs: data, models, seeds and frozen-run references of both stages.</summary>
    private static void Check(InpaintBenchmarkPlan plan, string outDir)
    {
        if (!MusicData.TryOptions(plan.Bars.Data, out var bars, out _) || bars.Representation != MelodyRepresentation.Inpaint24 || bars.Bars != 1)
            throw new ArgumentException($"stage 1 data '{plan.Bars.Data}' is not a bar dataset of inpainting tokens; use {DefaultBarData} or midi-bars24:DIR");
        if (!MusicData.TryOptions(plan.Gaps.Data, out var gaps, out _) || gaps.Representation != MelodyRepresentation.Inpaint24 || gaps.Bars != InpaintGrid.WindowBars)
            throw new ArgumentException($"stage 2 data '{plan.Gaps.Data}' is not a 16-bar inpainting dataset; use {DefaultGapData} or midi-inpaint:DIR");
        long seed = plan.Bars.Seeds[0];
        foreach (var v in plan.Bars.Variants)
        {
            var model = BenchmarkRunner.ConfigFor(plan.Bars, v, seed, MatrixRunner.RunDir(outDir, v.Name, seed)).Model.Model;
            if (!BarModels.Contains(model, StringComparer.OrdinalIgnoreCase))
                throw new ArgumentException($"stage 1 variant '{v.Name}': model '{model}' is not a bar VAE; stage 1 takes {string.Join(" or ", BarModels)}");
        }
        foreach (var v in plan.Gaps.Variants)
        {
            var resolved = ResolveFrozenRuns(v, plan.Bars, seed, outDir);
            if (resolved.Model.ToJsonString() == v.Model.ToJsonString())
                throw new ArgumentException($"stage 2 variant '{v.Name}' names no frozen stage-1 run: set its measure_vae_run or sketch_vae_run to \"@<stage-1 variant>\"");
            var model = resolved.Model["model"]?.GetValue<string>() ?? "";
            if (!GapModels.Contains(model, StringComparer.OrdinalIgnoreCase))
                throw new ArgumentException($"stage 2 variant '{v.Name}': model '{model}' is not a gap model; stage 2 takes {string.Join(" or ", GapModels)}");
        }
    }

    private static bool IsRunOf(string dir, string[] models)
    {
        try { return models.Contains(RunFolder.Open(dir).Config.Model.Model, StringComparer.OrdinalIgnoreCase); }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidDataException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>A stage-1 run's figures: the last epoch's validation loss, accuracy and KL from its metrics log, as <c>val_*</c>.</summary>
    public static Dictionary<string, double> LastValidation(string runDir)
    {
        var rows = new MetricsLog(runDir).ReadCsv();
        var last = rows.LastOrDefault(r => r.ContainsKey("val_loss"))
            ?? throw new InvalidDataException($"run '{runDir}' has no validation row in its metrics log");
        return last.Where(kv => kv.Key.StartsWith("val_", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);
    }

    /// <summary>Metric descriptions for the report (also the column order).</summary>
    public static readonly IReadOnlyDictionary<string, MetricInfo> Info = new Dictionary<string, MetricInfo>
    {
        ["nll"] = new("negative log-likelihood of the true gap tokens, mean per step of the 96 gap steps, then over windows (SketchNet Table 1 'loss'); the baseline has no likelihood", "nats/step", true),
        ["pitch_acc"] = new("pitch accuracy: share of the true gap's onset steps whose filled token is the same pitch onset (SketchNet's pitch_similarity)", "", false),
        ["rhythm_acc"] = new("rhythm accuracy: share of the true gap's hold and rest steps filled with the same token (SketchNet's rhythm_similarity)", "", false),
        ["missed_rhythm"] = new("share of gap bars whose decoded rhythm is not exactly the given one (rows given the true rhythm; scored unrepaired)", "", true),
    };

    /// <summary>
    /// Evaluates one stage-2 run on the first <see cref="InpaintBenchmarkOptions.MaxTestWindows"/> test windows of its data:
    /// <c>nll</c>, <c>pitch_acc</c>, <c>rhythm_acc</c> without controls, and for a SketchNet run the same given each gap bar's
    /// true rhythm (keys prefixed <see cref="GivenRhythmPrefix"/>, plus <c>missed_rhythm</c>), scored on the unrepaired decodes.
    /// </summary>
    public static Dictionary<string, double> Evaluate(string runDir, InpaintBenchmarkOptions options, long seed, IDatasetSource? source = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (filler, run) = GapFillers.Open(runDir);
        try
        {
            var windows = TestWindows(run!.Config.Training, options, source, log);
            var values = new Dictionary<string, double>();
            using var generator = new Generator((ulong)seed);
            log?.Invoke($"  {filler.Name}: filling {windows.Count} test windows");
            Put(values, "", InpaintEvaluation.Evaluate(filler, windows, generator: generator));
            if (filler is SketchNetGapFiller sketchNet)
            {
                sketchNet.RepairSketches = false;
                long sketched = sketchNet.SketchedBars, missed = sketchNet.RepairedBars;
                log?.Invoke($"  {filler.Name}{TrueRhythmSuffix}: filling {windows.Count} test windows");
                Put(values, GivenRhythmPrefix, InpaintEvaluation.Evaluate(filler, windows, controls: TrueRhythm, generator: generator));
                values[GivenRhythmPrefix + "missed_rhythm"] = (double)(sketchNet.RepairedBars - missed) / (sketchNet.SketchedBars - sketched);
            }
            return values;
        }
        finally { (filler as IDisposable)?.Dispose(); }
    }

    private static InpaintControls TrueRhythm(int[] window) => InpaintControls.TrueRhythm(window, InpaintGap.Window);

    private static void Put(Dictionary<string, double> values, string prefix, InpaintScores s)
    {
        values[prefix + "pitch_acc"] = s.PitchAccuracy;
        values[prefix + "rhythm_acc"] = s.RhythmAccuracy;
        if (s.NegativeLogLikelihood is double nll) values[prefix + "nll"] = nll;
    }

    /// <summary>The evaluated windows: the first <see cref="InpaintBenchmarkOptions.MaxTestWindows"/> test windows of the data of <paramref name="training"/>.</summary>
    private static List<int[]> TestWindows(TrainingConfig training, InpaintBenchmarkOptions options, IDatasetSource? source, Action<string>? log)
    {
        using var data = Trainer.LoadData(source ?? new CatalogDatasetSource(), training, log);
        using var scope = Torch.NewScope();
        var test = data.Test.Examples;
        if (options.MaxTestWindows is { } max && max < test.Size(0)) test = test.Narrow(0, 0, max);
        return TokenRows.Of(test).ToList();
    }

    /// <summary>The baseline's rows (deterministic: the same for every seed), on the windows the models are evaluated on.</summary>
    private static (Dictionary<string, double> Plain, Dictionary<string, double> GivenRhythm) EvaluateBaseline(IReadOnlyList<int[]> windows)
    {
        var baseline = new RepeatContextFiller();
        var plain = new Dictionary<string, double>();
        var given = new Dictionary<string, double>();
        Put(plain, "", InpaintEvaluation.Evaluate(baseline, windows));
        Put(given, "", InpaintEvaluation.Evaluate(baseline, windows, controls: TrueRhythm));
        return (plain, given);
    }
}
