using System.Globalization;
using LatentSynth.Audio.Notes;
using LatentSynth.Data;
using LatentSynth.Evaluation.Benchmark;
using LatentSynth.Evaluation.Imaging;
using LatentSynth.Evaluation.Plots;
using LatentSynth.Evaluation.Report;
using LatentSynth.Music.Data;
using LatentSynth.Music.Models;
using LatentSynth.Torch;
using LatentSynth.Training;

namespace LatentSynth.Music.Evaluation;

using Torch = LatentSynth.Torch.Torch;

public sealed partial class MusicBenchmark
{
    /// <summary>Bars of each melody played in the report (the whole melodies are WAV files in the run's <c>music/</c> folder).</summary>
    public const int ReportBars = 4;

    /// <summary>Temperature of the prior samples shown in the report (Magenta's demos sample at 0.5; 1.0 is noisier).</summary>
    public const double SampleTemperature = 0.5;

    private BenchmarkReport BuildReport(BenchmarkMatrix matrix, MusicBenchmarkOptions options, string outDir, List<RunMetrics> results,
        MelodyNgram judge, IDatasetSource source)
    {
        var variants = new List<VariantReport>();
        string? audioNote = NoteRenderer.MissingRenderer();
        foreach (var v in matrix.Variants)
        {
            var runs = results.Where(r => r.Variant == v.Name).OrderBy(r => r.Seed).ToList();
            var first = runs[0];
            var dir = MatrixRunner.RunDir(outDir, v.Name, first.Seed);
            var curves = TrainingCurves(dir, c => c is "train_loss" or "val_loss" or "val_accuracy" or "val_kl");
            log($"report: piano rolls, sounds and interpolation of {v.Name} (seed {first.Seed})");
            var assets = Assets(dir, options, first.Seed, judge, source, audioNote is null);
            variants.Add(new VariantReport
            {
                Name = v.Name,
                ConfigSummary = $"{v.Summary}; seeds {string.Join(", ", runs.Select(r => r.Seed))}; train {F(runs.Average(r => r.TrainSeconds), "0.0")} s, eval {F(runs.Average(r => r.EvalSeconds), "0.0")} s per run",
                // Every value, ranked or not: kl has no better direction (it is not in Info, so it is shown unranked).
                Metrics = BenchmarkRunner.Aggregate(runs.Select(r => (IReadOnlyDictionary<string, double>)r.Values)),
                Curves = curves,
                Images = assets.Images,
                Audio = assets.Audio,
                Figures = assets.Figures,
                Family = v.Model["model"]?.GetValue<string>() ?? "",
                Objective = "categorical",
            });
        }
        var notes = new List<string>
        {
            $"Data: {matrix.Data}; each variant evaluated on the run's own test windows (split by tune, seed 9010: no tune of the test set is seen in training){(options.MaxTestWindows is { } m ? $", at most {m}" : "")}; {matrix.Training.Epochs} epoch(s) of batch {matrix.Training.BatchSize}; mean ± sample std over the seeds.",
            "Accuracies follow MusicVAE's Table 1 (Roberts et al. 2018): the share of 16th-note steps whose token (note-on of a pitch, note-off, or no event) the decoder reproduces from the window's code z = μ — teacher-forced (fed the true previous tokens) and sampled (fed its own samples at temperature 1). The paper's finding to check: on 16-bar melodies the flat decoder's sampled accuracy collapses while the hierarchical decoder's holds up. The *_event_acc columns count only steps whose target is a note-on or note-off: two thirds of the steps are 'no event', so a decoder that learned only to hold scores ≈ 0.67 on tf_acc but near 0 there.",
            $"Interpolation study ({options.InterpolationPairs} random pairs of test windows per run, {options.InterpolationSteps} points each): latent = greedy decodes of z on the great circle (slerp) between μ(A) and μ(B); data space = each step's token taken from B with probability α, else from A. Hamming = share of the steps that differ. Plausible = the melody's mean per-step log-probability under a {judge.Order}-gram token model (add-{F(judge.K)} smoothing) fit on the training windows is at least the 5th percentile of the real test windows', and its number of note-ons lies between the 2.5th and 97.5th percentiles of theirs (the n-gram alone rates a silent window highly); about 90% of real test melodies pass. The judge is not the VAE, which would favour its own decodes.",
            "kl (nats, unranked): KL(q(z|x) ‖ N(0, I)) per window, the information the code carries; it has no better direction. Below the free bits (free_bits·ln 2 nats) it costs nothing, so a decoder that uses z little sits there.",
            audioNote is null ? $"Audio: the first {ReportBars} bars of each melody, rendered from MIDI by FluidSynth with the General MIDI sound font at 120 quarter notes per minute; the whole melodies (and the latent interpolation, all points in turn) are MIDI and WAV files in runs/<variant>-s<seed>/music/." : $"No audio in this report: {audioNote}.",
        };
        return new BenchmarkReport
        {
            Title = $"LatentSynth music benchmark: MusicVAE on {matrix.Data}",
            Dataset = matrix.Data,
            Variants = variants,
            MetricInfo = Info,
            Notes = notes,
            Legend =
            [
                ("Training curves", "Each loss term per epoch, as logged during training; the comparison plots put the variants side by side."),
                ("reconstructions", "Piano rolls of test windows (time across, pitch up, bars numbered), each followed by its greedy and its sampled (temperature 1) reconstruction from z = μ, with the share of steps reproduced."),
                ("prior samples", $"Melodies decoded from z ~ N(0, I) at temperature {F(SampleTemperature)}."),
                ("interpolation", "One pair of test windows: the latent interpolants (slerp between the codes, greedy decodes) above the data-space ones (token-wise mix), α from 0 to 1."),
                ("Hamming curves", "Mean share of steps that differ from each end along the interpolation, over the study's pairs: the data-space mix moves linearly by construction; a latent walk that stays near one end and jumps is not smooth."),
            ],
        };
    }

    private sealed record VariantAssets(Dictionary<string, byte[]> Images, Dictionary<string, byte[]> Audio, List<ReportFigure> Figures);

    /// <summary>Piano rolls (reconstructions, prior samples, interpolations), their sounds and the interpolation curves of one run.</summary>
    private VariantAssets Assets(string dir, MusicBenchmarkOptions options, long seed, MelodyNgram judge, IDatasetSource source, bool withAudio)
    {
        var run = RunFolder.Open(dir);
        using var model = (MelodyVaeModel)run.LoadModel();
        using var data = Trainer.LoadData(source, run.Config.Training, log);
        using var scope = Torch.NewScope();
        var images = new Dictionary<string, byte[]>();
        var audio = new Dictionary<string, byte[]>();
        var figures = new List<ReportFigure>();
        model.Eval();
        using var generator = new Generator((ulong)seed + 77);
        var test = data.Test.Examples;
        long n = Math.Min(options.ReportExamples, test.Size(0));
        var windows = TokenRows.Of(test.Narrow(0, 0, n));
        var tokens = model.Tokens(test.Narrow(0, 0, n));
        int[][] greedy, sampled, prior;
        using (Torch.NoGrad())
        {
            var mu = model.Encode(tokens);
            greedy = TokenRows.Of(model.DecodeTokens(mu));
            sampled = TokenRows.Of(model.DecodeTokens(mu, 1.0, generator));
            prior = TokenRows.Of(model.Generate(n, SampleTemperature, generator));
        }
        var reconRows = new List<PianoRollRow>();
        for (int i = 0; i < n; i++)
        {
            reconRows.Add(new PianoRollRow(windows[i], $"test window {i}: original"));
            reconRows.Add(new PianoRollRow(greedy[i], $"greedy reconstruction (accuracy {F(1 - MelodyInterpolation.Hamming(greedy[i], windows[i]))})"));
            reconRows.Add(new PianoRollRow(sampled[i], $"sampled reconstruction, T = 1 (accuracy {F(1 - MelodyInterpolation.Hamming(sampled[i], windows[i]))})"));
        }
        images["reconstructions"] = PianoRoll.Render(reconRows, new PianoRollOptions { Title = "Test windows and their reconstructions from z = μ" }).ToPng();
        images["prior samples"] = PianoRoll.Render(prior.Select((p, i) => new PianoRollRow(p, $"sample {i}, z ~ N(0, I), T = {F(SampleTemperature)}")).ToList(),
            new PianoRollOptions { Title = "Samples from the prior" }).ToPng();

        var study = MelodyInterpolation.Run(model, TokenRows.Of(test), judge, options.InterpolationPairs, options.InterpolationSteps, (int)seed);
        images["interpolation"] = PianoRoll.Render(
            study.ExampleLatent.Select((p, k) => new PianoRollRow(p, $"latent α = {F(study.Alphas[k], "0.##")}"))
                .Concat(study.ExampleData.Select((p, k) => new PianoRollRow(p, $"data space α = {F(study.Alphas[k], "0.##")}"))).ToList(),
            new PianoRollOptions { Title = "One pair: latent (top) and data-space (bottom) interpolation" }).ToPng();
        figures.Add(new ReportFigure("Hamming distance to A and to B along the interpolation (mean over pairs), latent vs data space", Charts.Line(
        [
            new LineSeries("latent: to A", study.Alphas.Zip(study.LatentHammingToA).ToList()),
            new LineSeries("latent: to B", study.Alphas.Zip(study.LatentHammingToB).ToList()),
            new LineSeries("data: to A", study.Alphas.Zip(study.DataHammingToA).ToList()),
            new LineSeries("data: to B", study.Alphas.Zip(study.DataHammingToB).ToList()),
        ], new ChartOptions { XLabel = "α", YLabel = "Hamming (share of steps)" })));
        figures.Add(new ReportFigure("Share of interpolants judged plausible by the n-gram judge, per α", Charts.Line(
        [
            new LineSeries("latent", study.Alphas.Zip(study.LatentPlausible).ToList()),
            new LineSeries("data space", study.Alphas.Zip(study.DataPlausible).ToList()),
        ], new ChartOptions { XLabel = "α", YLabel = "plausible share" })));

        // The same melodies as files beside the run: MIDI always, WAV when the renderer is there, the piano rolls as PNG.
        var files = Path.Combine(dir, "music");
        Directory.CreateDirectory(files);
        var melodies = new List<(string Label, string Name, int[] Tokens)>
        {
            ("test window 0", "original-0", windows[0]),
            ("test window 0, sampled reconstruction", "sampled-reconstruction-0", sampled[0]),
            ("prior sample 0", "prior-sample-0", prior[0]),
            ("latent interpolation (one pair, all points in turn)", "latent-interpolation", study.ExampleLatent.SelectMany(x => x).ToArray()),
        };
        foreach (var (label, name, melody) in melodies)
        {
            // The page plays the first bars only: 16 bars are 32 s of audio each, and a report with every melody whole
            // weighed 54 MB. The whole melodies are the WAV files beside the run.
            var excerpt = ReportAudio.Write(files, name, melody, (path, t) => MelodyGrid.WriteMidi(path, t), withAudio,
                name == "latent-interpolation" ? null : (0, Math.Min(melody.Length, ReportBars * MelodyTokens.StepsPerBar)));
            if (excerpt is not null) audio[$"{label} (first {ReportBars} bars)"] = excerpt;
        }
        foreach (var (name, png) in images) File.WriteAllBytes(Path.Combine(files, name.Replace(' ', '-') + ".png"), png);
        return new VariantAssets(images, audio, figures);
    }

    /// <summary>The columns <paramref name="keep"/> of a run's metrics log, each as (epoch, value) points: a report's training curves.</summary>
    internal static Dictionary<string, IReadOnlyList<(double, double)>> TrainingCurves(string dir, Func<string, bool> keep)
    {
        var curves = new Dictionary<string, IReadOnlyList<(double, double)>>();
        var rows = new MetricsLog(dir).ReadCsv();
        foreach (var col in rows.SelectMany(r => r.Keys).Distinct().Where(keep))
            curves[col] = rows.Where(r => r.ContainsKey(col)).Select(r => (r["epoch"], r[col])).ToList();
        return curves;
    }

    private static string F(double v, string format = "0.###") => v.ToString(format, CultureInfo.InvariantCulture);
}
