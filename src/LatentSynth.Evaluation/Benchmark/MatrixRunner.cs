using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LatentSynth.Evaluation.Report;
using LatentSynth.Torch.IO;
using LatentSynth.Training;

namespace LatentSynth.Evaluation.Benchmark;

/// <summary>One variant × seed of a matrix, as <see cref="MatrixRunner"/> hands it to its hooks.</summary>
/// <param name="Variant">The variant.</param>
/// <param name="Seed">The seed.</param>
/// <param name="Dir">Its run folder, <c>OUT/runs/&lt;variant&gt;-s&lt;seed&gt;</c>.</param>
/// <param name="Index">1-based position in the matrix (for progress lines).</param>
/// <param name="Total">Number of cells in the matrix.</param>
public sealed record MatrixCell(BenchmarkVariant Variant, long Seed, string Dir, int Index, int Total)
{
    /// <summary>"[3/10] vae seed 1", the prefix of every progress line about this cell.</summary>
    public string Label => $"[{Index}/{Total}] {Variant.Name} seed {Seed}";
}

/// <summary>What one pass of <see cref="MatrixRunner.Run"/> did.</summary>
/// <param name="Completed">Whether every cell is complete (false when stopped or interrupted).</param>
/// <param name="Trained">Cells trained from scratch.</param>
/// <param name="Resumed">Interrupted cells continued.</param>
/// <param name="Evaluated">Cells evaluated in this pass.</param>
/// <param name="Skipped">Cells complete before this pass (read back, not recomputed).</param>
/// <param name="Results">The metrics of every complete cell, in matrix order.</param>
/// <param name="Seconds">Wall time of the pass.</param>
public sealed record MatrixPass(bool Completed, int Trained, int Resumed, int Evaluated, int Skipped, IReadOnlyList<RunMetrics> Results, double Seconds);

/// <summary>Where one run folder of a matrix stands, and so what <see cref="MatrixRunner"/> does with it.</summary>
public enum MatrixRunState
{
    /// <summary>Its metrics file exists: the run is read back, never recomputed.</summary>
    Complete,
    /// <summary>Every planned epoch is done but it was not evaluated: evaluate it.</summary>
    Trained,
    /// <summary>A checkpoint with fewer epochs than planned: resume it.</summary>
    Interrupted,
    /// <summary>Nothing usable (no folder, or no checkpoint yet: the folder is deleted): train it.</summary>
    New,
}

/// <summary>
/// The resumable variant × seed loop every benchmark shares (the image benchmark, the audio benchmark,
/// and the symbolic-music ones to come): each cell's run folder is inspected (<see cref="Inspect"/>), then
/// skipped when complete, evaluated when trained, resumed when interrupted or trained when new; after
/// evaluation its metrics are written atomically to <see cref="MetricsFile"/>, last, so the file's presence
/// means the cell is complete. A benchmark supplies only what differs: how to train a new run, how to
/// resume one and how to evaluate one. Stopping (the token, or a hook returning
/// <see cref="TrainingOutcome.Interrupted"/>) ends the pass with <see cref="MatrixPass.Completed"/> false;
/// the same call later continues where it stopped.
/// </summary>
public sealed class MatrixRunner
{
    /// <summary>The per-run metrics file (written last: its presence means the run is complete).</summary>
    public const string MetricsFile = "benchmark-metrics.json";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, IncludeFields = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly Func<MatrixCell, CancellationToken, TrainingResult> train;
    private readonly Func<MatrixCell, CancellationToken, TrainingResult> resume;
    private readonly Func<MatrixCell, RunMetrics> evaluate;
    private readonly Action<string> log;

    /// <summary>A runner with the benchmark's three hooks.</summary>
    /// <param name="train">Trains a new run into <see cref="MatrixCell.Dir"/> for the matrix's epochs.</param>
    /// <param name="resume">Continues the interrupted run in <see cref="MatrixCell.Dir"/> up to the matrix's epochs.</param>
    /// <param name="evaluate">Evaluates the trained run; the runner fills in <see cref="RunMetrics.TrainSeconds"/> and <see cref="RunMetrics.EvalSeconds"/>.</param>
    /// <param name="log">Progress lines.</param>
    public MatrixRunner(Func<MatrixCell, CancellationToken, TrainingResult> train, Func<MatrixCell, CancellationToken, TrainingResult> resume,
        Func<MatrixCell, RunMetrics> evaluate, Action<string>? log = null)
    {
        this.train = train ?? throw new ArgumentNullException(nameof(train));
        this.resume = resume ?? throw new ArgumentNullException(nameof(resume));
        this.evaluate = evaluate ?? throw new ArgumentNullException(nameof(evaluate));
        this.log = log ?? (_ => { });
    }

    /// <summary>An extra condition a checkpointed folder must meet to be reused (e.g. that it is an audio run); null: any run.</summary>
    public Func<string, bool>? Usable { get; init; }

    /// <summary>Called after each cell is complete (evaluated or skipped); tests cancel from here.</summary>
    public Action<RunMetrics>? RunDone { get; init; }

    /// <summary>The folder of one run.</summary>
    public static string RunDir(string outDir, string variant, long seed) => Path.Combine(outDir, "runs", $"{variant}-s{seed}");

    /// <summary>Runs (or continues) every cell of <paramref name="matrix"/> under <paramref name="outDir"/>.</summary>
    public MatrixPass Run(BenchmarkMatrix matrix, string outDir, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentException.ThrowIfNullOrEmpty(outDir);
        var clock = Stopwatch.StartNew();
        int total = matrix.Variants.Count * matrix.Seeds.Count, index = 0, trained = 0, resumed = 0, evaluated = 0, skipped = 0;
        var results = new List<RunMetrics>();
        MatrixPass Pass(bool completed) => new(completed, trained, resumed, evaluated, skipped, results, clock.Elapsed.TotalSeconds);
        foreach (var variant in matrix.Variants)
            foreach (var seed in matrix.Seeds)
            {
                index++;
                if (cancel.IsCancellationRequested) return Pass(false);
                var cell = new MatrixCell(variant, seed, RunDir(outDir, variant.Name, seed), index, total);
                var state = Inspect(cell.Dir, matrix.Training.Epochs, out var done, Usable);
                if (state == MatrixRunState.Complete)
                {
                    log($"{cell.Label}: complete, skipped");
                    skipped++;
                    results.Add(done!);
                    RunDone?.Invoke(done!);
                    continue;
                }
                var trainClock = Stopwatch.StartNew();
                TrainingResult? result = null;
                switch (state)
                {
                    case MatrixRunState.Trained:
                        log($"{cell.Label}: trained, evaluating");
                        break;
                    case MatrixRunState.Interrupted:
                        log($"{cell.Label}: resuming an interrupted run");
                        result = resume(cell, cancel);
                        resumed++;
                        break;
                    default:
                        log($"{cell.Label}: training {matrix.Training.Epochs} epoch(s)");
                        result = train(cell, cancel);
                        trained++;
                        break;
                }
                if (result?.Outcome == TrainingOutcome.Interrupted)
                {
                    log($"{cell.Label}: interrupted after {result.EpochsDone} epoch(s); rerun to continue");
                    return Pass(false);
                }
                // A run trained (or begun) before this pass: its epochs' logged seconds, not this pass's clock alone.
                double trainSeconds = state == MatrixRunState.New ? trainClock.Elapsed.TotalSeconds : LoggedSeconds(cell.Dir) ?? trainClock.Elapsed.TotalSeconds;
                var evalClock = Stopwatch.StartNew();
                var metrics = evaluate(cell) with { TrainSeconds = trainSeconds };
                metrics = metrics with { EvalSeconds = evalClock.Elapsed.TotalSeconds };
                AtomicFile.WriteAllBytes(Path.Combine(cell.Dir, MetricsFile), JsonSerializer.SerializeToUtf8Bytes(metrics, Json));
                evaluated++;
                log($"{cell.Label}: done (train {Duration(trainSeconds)}, eval {Duration(metrics.EvalSeconds)}): " +
                    string.Join(", ", metrics.Values.Select(kv => $"{kv.Key} {ReportTable.Format(kv.Value)}")));
                results.Add(metrics);
                RunDone?.Invoke(metrics);
            }
        return Pass(true);
    }

    /// <summary>The sum of the <c>seconds</c> column of a run's metrics log (the wall time of its epochs), or null when it has none.</summary>
    public static double? LoggedSeconds(string dir)
    {
        try
        {
            var rows = new MetricsLog(dir).ReadCsv().Where(r => r.ContainsKey("seconds")).ToList();
            return rows.Count == 0 ? null : rows.Sum(r => r["seconds"]);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or FormatException) { return null; }
    }

    /// <summary>Inspects the run folder <paramref name="dir"/> of a matrix planned for <paramref name="epochs"/>
    /// epochs. A folder without a usable checkpoint, or failing <paramref name="usable"/>, is deleted and
    /// reported as <see cref="MatrixRunState.New"/>.</summary>
    /// <param name="dir">The run folder.</param>
    /// <param name="epochs">The planned number of epochs.</param>
    /// <param name="done">The metrics read back when the run is <see cref="MatrixRunState.Complete"/>.</param>
    /// <param name="usable">An extra condition on a checkpointed folder (e.g. that it is an audio run).</param>
    public static MatrixRunState Inspect(string dir, int epochs, out RunMetrics? done, Func<string, bool>? usable = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        done = null;
        var metricsPath = Path.Combine(dir, MetricsFile);
        if (File.Exists(metricsPath))
        {
            done = JsonSerializer.Deserialize<RunMetrics>(File.ReadAllText(metricsPath), Json)!;
            return MatrixRunState.Complete;
        }
        if (RunFolder.Exists(dir) && (usable?.Invoke(dir) ?? true))
        {
            try
            {
                return RunFolder.Open(dir).LatestCheckpoint().State.EpochsDone >= epochs ? MatrixRunState.Trained : MatrixRunState.Interrupted;
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or ArgumentException) { } // no checkpoint yet
        }
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); // started but no checkpoint: start again
        return MatrixRunState.New;
    }

    /// <summary>"42.0 s", "3.5 min" or "1.2 h".</summary>
    public static string Duration(double s) => s < 120 ? $"{s.ToString("0.0", CultureInfo.InvariantCulture)} s"
        : s < 7200 ? $"{(s / 60).ToString("0.0", CultureInfo.InvariantCulture)} min" : $"{(s / 3600).ToString("0.0", CultureInfo.InvariantCulture)} h";
}
