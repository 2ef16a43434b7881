using System.Globalization;
using LatentSynth.Audio.Notes;
using LatentSynth.Data;
using LatentSynth.Evaluation.Benchmark;
using LatentSynth.Evaluation.Plots;
using LatentSynth.Evaluation.Report;
using LatentSynth.Music.Data;
using LatentSynth.Torch;
using LatentSynth.Training;

namespace LatentSynth.Music.Evaluation;

using PolyNote = LatentSynth.Music.Data.PolyTree.PolyNote;
using Torch = LatentSynth.Torch.Torch;

public sealed partial class PolyBenchmark
{
    private BenchmarkReport BuildReport(BenchmarkMatrix matrix, PolyBenchmarkOptions options, string outDir, List<RunMetrics> results, IDatasetSource source)
    {
        var variants = new List<VariantReport>();
        string? audioNote = NoteRenderer.MissingRenderer();
        foreach (var v in matrix.Variants)
        {
            var runs = results.Where(r => r.Variant == v.Name).OrderBy(r => r.Seed).ToList();
            var first = runs[0];
            var dir = MatrixRunner.RunDir(outDir, v.Name, first.Seed);
            log($"report: piano rolls, sounds and interpolation of {v.Name} (seed {first.Seed})");
            var (images, audio, figures) = Assets(dir, options, first.Seed, source, audioNote is null);
            variants.Add(new VariantReport
            {
                Name = v.Name,
                ConfigSummary = $"{v.Summary}; seeds {string.Join(", ", runs.Select(r => r.Seed))}; train {F(runs.Average(r => r.TrainSeconds), "0.0")} s, eval {F(runs.Average(r => r.EvalSeconds), "0.0")} s per run",
                Metrics = BenchmarkRunner.Aggregate(runs.Select(r => (IReadOnlyDictionary<string, double>)r.Values)),
                Curves = MusicBenchmark.TrainingCurves(dir, c => c is "train_loss" or "val_loss" || c.StartsWith("val_", StringComparison.Ordinal) && c.EndsWith("accuracy", StringComparison.Ordinal)),
                Images = images,
                Audio = audio,
                Figures = figures,
                Family = v.Model["model"]?.GetValue<string>() ?? "",
                Objective = "categorical",
            });
        }
        var notes = new List<string>
        {
            $"Data: {matrix.Data} (2-bar segments on the 16th grid, as PianoTree tree tensors); {matrix.Training.Epochs} epoch(s) of batch {matrix.Training.BatchSize} at lr {F(matrix.Training.Lr, "0.#####")}{(matrix.Training.LimitTrain is { } lt ? $" over the first {lt} training segments" : "")}; each run evaluated on the first {options.Segments} segments of its test split{(matrix.Training.LimitTest is { } lv ? $" (at most {lv}: the run's test limit)" : "")}; mean ± sample std over the seeds.",
            "Note F1 as PianoTree VAE's reconstruction table (Wang et al. 2020, §5): the greedy reconstruction from z = μ against the segment; a note is found when onset and pitch match (onset_*), or onset, pitch and duration (duration_*); counts pooled over the segments (the authors' evaluator). A note sounding past the segment end is clipped there, in the truth and in PianoTree's reconstruction alike, since the roll and event baselines cannot hold it.",
            $"Interpolation ({options.InterpolationPairs} random pairs of evaluated test segments per run, {options.InterpolationSteps} points each): z on the great circle (slerp) between μ(A) and μ(B), decoded greedily; per α the onset F1 of the interpolants against A and against B (pooled over the pairs). interp_mid_f1 is the half-way point's mean of the two.",
            $"Prior samples: z ~ N(0, I), decoded greedily.",
            audioNote is null ? "Audio: each segment rendered from MIDI by FluidSynth with the General MIDI sound font at 120 quarter notes per minute (a segment is 4 s); the files are beside the runs in runs/<variant>-s<seed>/music/." : $"No audio in this report: {audioNote}.",
        };
        return new BenchmarkReport
        {
            Title = $"LatentSynth polyphonic benchmark: PianoTree VAE and its baselines on {matrix.Data}",
            Dataset = matrix.Data,
            Variants = variants,
            MetricInfo = Info,
            Notes = notes,
            Legend =
            [
                ("Training curves", "Each loss term per epoch, as logged during training; the comparison plots put the variants side by side."),
                ("reconstructions", "Piano rolls of test segments (time across, 2 bars; pitch up), each followed by its greedy reconstruction from z = μ with its onset F1."),
                ("interpolation", "One pair of test segments, A on top and B at the bottom, between them the greedy decodes of z on the slerp between their codes, α from 0 to 1."),
                ("prior samples", "Segments decoded greedily from z ~ N(0, I)."),
                ("F1 curves", "Onset F1 of the interpolants against each end along α, over the pairs: a smooth walk trades one for the other gradually."),
            ],
        };
    }

    /// <summary>Piano rolls (reconstructions, interpolation, prior samples), their sounds and the interpolation curve of one run.</summary>
    private (Dictionary<string, byte[]> Images, Dictionary<string, byte[]> Audio, List<ReportFigure> Figures) Assets(string dir, PolyBenchmarkOptions options,
        long seed, IDatasetSource source, bool withAudio)
    {
        using var model = PolyDecode.LoadModel(dir);
        using var data = Trainer.LoadData(source, RunFolder.Open(dir).Config.Training, log);
        using var scope = Torch.NewScope();
        var images = new Dictionary<string, byte[]>();
        var audio = new Dictionary<string, byte[]>();
        var segments = PolyDecode.FirstSegments(data.Test.Examples, options.Segments);
        var shown = PolyDecode.FirstSegments(segments, options.ReportExamples);
        var truth = NoteF1.TreeNotes(shown);
        var recon = PolyDecode.ReconstructNotes(model, shown);
        var rows = new List<PianoRollRow>();
        for (int i = 0; i < truth.Length; i++)
        {
            rows.Add(PianoRollRow.Poly(truth[i], $"test segment {i}: original ({truth[i].Count} notes)"));
            rows.Add(PianoRollRow.Poly(recon[i], $"greedy reconstruction from z = μ (onset F1 {F(NoteF1.Segment(truth[i], recon[i]).Onset.F1)})"));
        }
        images["reconstructions"] = PolyDecode.RollPng(rows, "Test segments and their reconstructions");

        var study = Interpolate(model, segments, options.InterpolationPairs, options.InterpolationSteps, (int)seed);
        var (a, b) = study.Pairs[0];
        var ends = NoteF1.TreeNotes(Torch.Cat([segments.Narrow(0, a, 1), segments.Narrow(0, b, 1)], 0));
        var walk = new List<PianoRollRow> { PianoRollRow.Poly(ends[0], $"A: test segment {a}") };
        walk.AddRange(study.Example.Select((notes, k) => PianoRollRow.Poly(notes,
            $"α = {F(study.Alphas[k], "0.##")} (onset F1 to A {F(NoteF1.Segment(ends[0], notes).Onset.F1)}, to B {F(NoteF1.Segment(ends[1], notes).Onset.F1)})")));
        walk.Add(PianoRollRow.Poly(ends[1], $"B: test segment {b}"));
        images["interpolation"] = PolyDecode.RollPng(walk, $"Interpolation between test segments {a} (A, top) and {b} (B, bottom): greedy decodes along the slerp");
        var figures = new List<ReportFigure>
        {
            new("Onset F1 of the interpolants against A and against B along α (pooled over the pairs)", Charts.Line(
            [
                new LineSeries("F1 to A", study.Alphas.Zip(study.F1ToA).ToList()),
                new LineSeries("F1 to B", study.Alphas.Zip(study.F1ToB).ToList()),
            ], new ChartOptions { XLabel = "α", YLabel = "onset F1" })),
        };

        List<PolyNote>[] prior;
        using (var generator = new Generator((ulong)seed + 77))
            prior = PolyDecode.Sample(model, options.PriorSamples, 1, generator);
        images["prior samples"] = PolyDecode.RollPng(prior.Select((p, i) => PianoRollRow.Poly(p, $"sample {i}, z ~ N(0, I), greedy ({p.Count} notes)")).ToList(), "Samples from the prior");

        // The segments as MIDI (and WAV) beside the run; the page plays each segment whole.
        var files = Path.Combine(dir, "music");
        Directory.CreateDirectory(files);
        var sounds = new List<(string Label, string Name, float[] Trees)>
        {
            ("test segment 0", "original-0", PolyDecode.TreeValues([truth[0]])),
            ("test segment 0, greedy reconstruction", "reconstruction-0", PolyDecode.TreeValues([recon[0]])),
            ("prior sample 0", "prior-sample-0", PolyDecode.TreeValues([prior[0]])),
            ("interpolation (one pair, all points in turn)", "interpolation", PolyDecode.TreeValues(study.Example)),
        };
        foreach (var (label, name, trees) in sounds)
        {
            var wav = ReportAudio.Write(files, name, trees, (path, t) => PolyData.WriteMidi(path, t), withAudio, (0, trees.Length));
            if (wav is not null) audio[label] = wav;
        }
        foreach (var (name, png) in images) File.WriteAllBytes(Path.Combine(files, name.Replace(' ', '-') + ".png"), png);
        return (images, audio, figures);
    }

    private static string F(double v, string format = "0.###") => v.ToString(format, CultureInfo.InvariantCulture);
}
