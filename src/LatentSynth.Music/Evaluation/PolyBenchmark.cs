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

using PolyNote = LatentSynth.Music.Data.PolyTree.PolyNote;
using Torch = LatentSynth.Torch.Torch;

/// <summary>Settings of a polyphonic benchmark besides its matrix.</summary>
public sealed record PolyBenchmarkOptions
{
    /// <summary>Test segments evaluated per run: the first N of the run's test split (fewer when the split is smaller).</summary>
    public int Segments { get; init; } = 128;

    /// <summary>Test segments drawn with their reconstructions in the report (per variant, first seed).</summary>
    public int ReportExamples { get; init; } = 3;

    /// <summary>Pairs of evaluated test segments interpolated per run (drawn with the run's seed).</summary>
    public int InterpolationPairs { get; init; } = 16;

    /// <summary>Points of each interpolation, both ends included (α = 0, 1/(n−1), …, 1).</summary>
    public int InterpolationSteps { get; init; } = 9;

    /// <summary>Prior samples drawn in the report (per variant, first seed).</summary>
    public int PriorSamples { get; init; } = 3;
}

/// <summary>
/// The note F1 of the interpolants between pairs of test segments: z on the great circle (slerp) between μ(A) and μ(B),
/// decoded greedily; per α the pooled onset F1 (<see cref="NoteF1"/>, onset + pitch) of the interpolants against A's notes
/// and against B's notes.
/// </summary>
/// <param name="Alphas">The interpolation points α_k = k / (steps − 1).</param>
/// <param name="F1ToA">Per α, onset F1 of the interpolants against A (counts pooled over the pairs).</param>
/// <param name="F1ToB">Per α, onset F1 of the interpolants against B.</param>
/// <param name="Pairs">The pairs (indices into the evaluated segments), in the order drawn.</param>
/// <param name="Example">The first pair's interpolants, one note list per α.</param>
public sealed record PolyInterpolation(double[] Alphas, double[] F1ToA, double[] F1ToB, IReadOnlyList<(int A, int B)> Pairs,
    IReadOnlyList<List<PolyNote>> Example)
{
    /// <summary>The middle point's mean of <see cref="F1ToA"/> and <see cref="F1ToB"/> (α = ½ with an odd number of points): how
    /// much of both ends an interpolant half-way keeps. A decoder that jumps from A to B scores about ½·F1(recon); one
    /// that blends both ends higher; one that leaves both (noise, silence) lower.</summary>
    public double MidF1 => (F1ToA[Alphas.Length / 2] + F1ToB[Alphas.Length / 2]) / 2;
}

/// <summary>
/// The PianoTree benchmark (issue 14, Wang et al. ISMIR 2020 §5): PianoTree VAE against its piano-roll and MIDI-event
/// baselines at the same latent size, on 2-bar polyphonic segments — note precision/recall/F1 of the greedy reconstruction
/// from z = μ for (onset, pitch) and (onset, pitch, duration) (<see cref="NoteF1"/>), the interpolation between test
/// segments (<see cref="PolyInterpolation"/>), and prior samples. Every variant × seed is trained by the one
/// <see cref="MatrixRunner"/> in <c>OUT/runs/&lt;variant&gt;-s&lt;seed&gt;</c> (resumed when interrupted, skipped when
/// evaluated) and reported through <see cref="HtmlReport"/>/<see cref="MarkdownSummary"/> with polyphonic piano rolls and audio.
/// </summary>
public sealed partial class PolyBenchmark
{
    /// <summary>The default data: Nottingham tunes with their chords.</summary>
    public const string DefaultData = "nottingham-poly";

    /// <summary>The latent size of every default variant (PianoTree's default here; the paper's 512 is a quarter wider).</summary>
    public const int LatentDim = 128;

    private readonly Action<string> log;

    /// <summary>A benchmark printing progress to <paramref name="log"/> (a warning repeated word for word is printed once).</summary>
    public PolyBenchmark(Action<string>? log = null) => this.log = MusicBenchmark.PrintOnce(log);

    /// <summary>Called after each run is complete (evaluated or skipped).</summary>
    public Action<RunMetrics>? RunDone { get; set; }

    /// <summary>
    /// The default matrix: seeds 0, 1, 2; 3 epochs of batch 32 at lr 1e-3 over the first 1,280 training segments (120
    /// steps per run), validation on the first 128 test segments; latent_dim <see cref="LatentDim"/> for all three variants:
    /// <c>pianotree</c> at its defaults (1.75 M parameters), <c>pianoroll-vae</c> at its defaults (hidden [1024]),
    /// <c>midi-event-vae</c> with encoder 128 per direction, decoder 256 and max_events 128.
    /// </summary>
    /// <remarks>Budget: the nine runs must fit an hour of a shared 2-core CPU. Measured (10 steps of batch 32 on
    /// <c>nottingham-poly</c>, latent 128, the CPU shared with another job, load ≈ 6): PianoTree about 5.5 s per step (3.5 s on a
    /// quieter machine), the event model and the roll model under 1 s per step. So a PianoTree run takes 7–11 minutes and the
    /// nine runs with their evaluations about 25–40 minutes (an estimate from those steps: the full default benchmark has not
    /// been run).</remarks>
    public static BenchmarkMatrix DefaultMatrix(string data = DefaultData) =>
        new(data, [0, 1, 2], new BenchmarkTraining { Epochs = 3, BatchSize = 32, Lr = 1e-3, LimitTrain = 1280, LimitTest = 128 },
        [
            new("pianotree", new JsonObject { ["model"] = "pianotree", ["latent_dim"] = LatentDim }),
            new("pianoroll-vae", new JsonObject { ["model"] = "pianoroll-vae", ["latent_dim"] = LatentDim }),
            new("midi-event-vae", new JsonObject
            {
                ["model"] = "midi-event-vae", ["latent_dim"] = LatentDim, ["encoder_size"] = 128, ["decoder_size"] = 256, ["max_events"] = 128,
            }),
        ]);

    /// <summary>The quick form (for a first look and the tests): 1 seed, 1 epoch, 64 training and 32 test segments.</summary>
    public static BenchmarkMatrix Quick(BenchmarkMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        return matrix.QuickForm(64, 32);
    }

    /// <summary>Runs (or continues) the matrix and writes <c>OUT/report.html</c> and <c>OUT/summary.md</c>.</summary>
    /// <exception cref="ArgumentException">The data is not a polyphonic dataset, or a variant is not a polyphonic model (the
    /// message names it), or an option is out of range.</exception>
    public MusicBenchmarkOutcome Run(BenchmarkMatrix matrix, PolyBenchmarkOptions options, string outDir, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(outDir);
        if (options.Segments < 1 || options.ReportExamples < 1 || options.InterpolationPairs < 1 || options.InterpolationSteps < 2 || options.PriorSamples < 1)
            throw new ArgumentException("poly benchmark options: segments, report examples, interpolation pairs and prior samples must be at least 1, interpolation steps at least 2");
        var clock = Stopwatch.StartNew();
        MusicData.Register();
        MusicModels.Register();
        if (!PolyData.IsPolyDataset(matrix.Data))
            throw new ArgumentException($"data '{matrix.Data}' is not a polyphonic dataset of tree tensors" +
                (MusicData.IsMusicDataset(matrix.Data) ? " (it holds melody tokens)" : "") + "; use nottingham-poly, jsb-poly or midi-poly:DIR");
        foreach (var v in matrix.Variants)
        {
            var config = BenchmarkRunner.ConfigFor(matrix, v, matrix.Seeds[0], MatrixRunner.RunDir(outDir, v.Name, matrix.Seeds[0]));
            if (!MusicModels.IsPolyModel(config.Model.Model))
                throw new ArgumentException($"variant '{v.Name}': model '{config.Model.Model}' is not a polyphonic model; the poly benchmark takes pianotree, pianoroll-vae or midi-event-vae");
        }
        Directory.CreateDirectory(outDir);
        log($"poly benchmark: {matrix.Variants.Count} variants × {matrix.Seeds.Count} seeds × {matrix.Training.Epochs} epochs on {matrix.Data}");
        var source = new CatalogDatasetSource();
        var runner = new MatrixRunner(
            train: (cell, token) => new Trainer(source, warn: log).Train(BenchmarkRunner.ConfigFor(matrix, cell.Variant, cell.Seed, cell.Dir), token),
            resume: (cell, token) => new Trainer(source, warn: log).Resume(cell.Dir, matrix.Training.Epochs, token),
            evaluate: cell => new RunMetrics(cell.Variant.Name, cell.Seed, Evaluate(cell.Dir, options, cell.Seed, source, log), 0, 0),
            log) { Usable = IsPolyRun, RunDone = RunDone };
        var pass = runner.Run(matrix, outDir, cancel);
        if (!pass.Completed) return MusicBenchmarkOutcome.Interrupted("poly", pass.Trained, pass.Resumed, pass.Skipped, pass.Results, clock, log);
        var report = BuildReport(matrix, options, outDir, pass.Results.ToList(), source);
        return MusicBenchmarkOutcome.Written("poly", report, outDir, pass.Trained, pass.Resumed, pass.Skipped, pass.Results, clock, log);
    }

    /// <summary>Whether the folder holds a run of a polyphonic model (the runner's check before reusing a folder).</summary>
    public static bool IsPolyRun(string dir)
    {
        try { return MusicModels.IsPolyModel(RunFolder.Open(dir).Config.Model.Model); }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidDataException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>Metric descriptions for the report (also the column order).</summary>
    public static readonly IReadOnlyDictionary<string, MetricInfo> Info = new Dictionary<string, MetricInfo>
    {
        ["onset_f1"] = new("note F1 of the greedy reconstruction from z = μ, a note found when onset and pitch match (PianoTree's 'PITCH+ONSET'; counts pooled over the segments)", "", false),
        ["onset_p"] = new("precision of the same matching: share of reconstructed notes that are true notes", "", false),
        ["onset_r"] = new("recall of the same matching: share of true notes reconstructed", "", false),
        ["duration_f1"] = new("note F1 when onset, pitch and duration must match ('PITCH+ON+OFF')", "", false),
        ["duration_p"] = new("precision of onset + pitch + duration", "", false),
        ["duration_r"] = new("recall of onset + pitch + duration", "", false),
        ["interp_mid_f1"] = new("the interpolants half-way between two test segments (slerp of μ, greedy): mean of their onset F1 against either end", "", false),
    };

    /// <summary>
    /// Evaluates one trained run on the first <see cref="PolyBenchmarkOptions.Segments"/> segments of its test split: the note
    /// F1 of the greedy reconstructions from μ (<see cref="NoteF1.Reconstructions"/>; truth and reconstruction both clipped at
    /// the segment end) and the interpolation's <see cref="PolyInterpolation.MidF1"/> (pairs drawn with <paramref name="seed"/>).
    /// </summary>
    public static Dictionary<string, double> Evaluate(string runDir, PolyBenchmarkOptions options, long seed, IDatasetSource? source = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var model = PolyDecode.LoadModel(runDir);
        using var data = Trainer.LoadData(source ?? new CatalogDatasetSource(), RunFolder.Open(runDir).Config.Training, log);
        using var scope = Torch.NewScope();
        var segments = PolyDecode.FirstSegments(data.Test.Examples, options.Segments);
        var values = NoteF1.Reconstructions(segments, x => PolyDecode.ReconstructNotes(model, x)).ToDictionary().ToDictionary(kv => kv.Key, kv => kv.Value);
        values["interp_mid_f1"] = Interpolate(model, segments, options.InterpolationPairs, options.InterpolationSteps, (int)seed).MidF1;
        return values;
    }

    /// <summary>
    /// Interpolates between <paramref name="pairs"/> pairs of <paramref name="segments"/> (drawn with <paramref name="seed"/>;
    /// fewer when there are not that many distinct pairs) at <paramref name="steps"/> points: see <see cref="PolyInterpolation"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 segments.</exception>
    public static PolyInterpolation Interpolate(AutoencoderModel model, Tensor segments, int pairs, int steps, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(segments);
        int n = (int)segments.Size(0);
        if (n < 2) throw new ArgumentException($"an interpolation needs at least 2 test segments, got {n}", nameof(segments));
        var alphas = MelodyInterpolation.Alphas(steps);
        var chosen = MelodyInterpolation.ChoosePairs(n, (int)Math.Min(pairs, (long)n * (n - 1) / 2), new Random(seed));
        var truth = NoteF1.TreeNotes(segments);
        var mu = PolyDecode.Means(model, segments);
        var ends = chosen.Select(p => (mu[p.I], mu[p.J])).ToList();
        double[] toA = new double[steps], toB = new double[steps];
        var example = new List<List<PolyNote>>();
        for (int k = 0; k < steps; k++)
        {
            var notes = PolyDecode.Slerp(model, ends, alphas[k]);
            toA[k] = NoteF1.Corpus(chosen.Select(p => (IReadOnlyCollection<PolyNote>)truth[p.I]).ToList(), notes).Onset.F1;
            toB[k] = NoteF1.Corpus(chosen.Select(p => (IReadOnlyCollection<PolyNote>)truth[p.J]).ToList(), notes).Onset.F1;
            example.Add(notes[0]);
        }
        return new PolyInterpolation(alphas, toA, toB, chosen.Select(p => (p.I, p.J)).ToList(), example);
    }
}
