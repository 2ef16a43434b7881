using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LatentSynth.Data;
using LatentSynth.Evaluation.Benchmark;
using LatentSynth.Music.Data;
using LatentSynth.Music.Evaluation;
using LatentSynth.Music.Inpainting;
using LatentSynth.Training;
using static LatentSynth.Music.Tests.Data.MidiFixtures;

namespace LatentSynth.Music.Tests.Evaluation;

/// <summary>
/// The inpainting benchmark on generated tunes (midi-bars24:DIR and midi-inpaint:DIR, so it runs without the shared Nottingham
/// copy): tiny bar VAEs trained once, tiny gap models on two seeds, every row's figures recomputed or bounded, the report
/// checked in headless Chromium, the rerun skipping every run, and the refusals.
/// </summary>
[Collection("MusicProcessWide")]
public sealed class InpaintBenchmarkTests : IDisposable
{
    private readonly string root = TempFolder();

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static readonly JsonSerializerOptions Json = new() { IncludeFields = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Tiny models, 1 epoch: stage 1 with seed 0 only, stage 2 with seeds 0 and 1 (both on the seed-0 bar VAEs).</summary>
    private static InpaintBenchmarkPlan Plan(string midi)
    {
        static JsonObject Vae(string model) => new()
        {
            ["model"] = model, ["encoder_size"] = 16, ["encoder_layers"] = 1, ["decoder_size"] = 16, ["decoder_layers"] = 1, ["latent_dim"] = 8,
        };
        var sketchVae = Vae("sketchvae");
        sketchVae["pitch_latent_dim"] = 4;
        return new InpaintBenchmarkPlan(
            new BenchmarkMatrix("midi-bars24:" + midi, [0], new BenchmarkTraining { Epochs = 1, BatchSize = 64, Lr = 1e-3 },
                [new("measurevae", Vae("measurevae")), new("sketchvae", sketchVae)]),
            new BenchmarkMatrix("midi-inpaint:" + midi, [0, 1], new BenchmarkTraining { Epochs = 1, BatchSize = 32, Lr = 1e-3 },
            [
                new("inpaintnet", new JsonObject { ["model"] = "inpaintnet", ["measure_vae_run"] = "@measurevae", ["latent_dim"] = 8, ["rnn_size"] = 12, ["rnn_layers"] = 1 }),
                new("sketchnet", new JsonObject { ["model"] = "sketchnet", ["sketch_vae_run"] = "@sketchvae", ["latent_dim"] = 8, ["rnn_size"] = 12, ["rnn_layers"] = 1,
                    ["connector_size"] = 16, ["connector_layers"] = 1, ["connector_heads"] = 2 }),
            ]));
    }

    private static RunMetrics Metrics(string outDir, string variant, long seed) =>
        JsonSerializer.Deserialize<RunMetrics>(File.ReadAllText(Path.Combine(MatrixRunner.RunDir(outDir, variant, seed), MatrixRunner.MetricsFile)), Json)!;

    [ChromiumFact]
    public void BothStagesTrainAndTheReportComparesTheFillersInChromium()
    {
        var midi = ScaleTunes(root);
        var outDir = Path.Combine(root, "bench");
        var options = new InpaintBenchmarkOptions { MaxTestWindows = 6, ReportExamples = 2 };
        var lines = new List<string>();
        var outcome = new InpaintBenchmark(lines.Add).Run(Plan(midi), options, outDir);
        Assert.True(outcome.Completed, string.Join("\n", lines));
        Assert.Equal((6, 0, 0), (outcome.TrainedRuns, outcome.ResumedRuns, outcome.SkippedRuns));

        // Stage 2 of seed 1 stands on the seed-0 bar VAE (stage 1 has only seed 0).
        var config = (LatentSynth.Music.Models.LatentRnnConfig)RunFolder.Open(MatrixRunner.RunDir(outDir, "inpaintnet", 1)).Config.Model;
        Assert.Equal(Path.GetFullPath(MatrixRunner.RunDir(outDir, "measurevae", 0)), config.MeasureVaeRun);
        Assert.False(Directory.Exists(MatrixRunner.RunDir(outDir, "measurevae", 1)));
        // Stage 1's figures are its last validation row.
        var vae = Metrics(outDir, "measurevae", 0);
        Assert.Equal(InpaintBenchmark.LastValidation(MatrixRunner.RunDir(outDir, "measurevae", 0)), vae.Values);
        Assert.InRange(vae.Values["val_accuracy"], 0.0, 1.0);
        Assert.True(vae.TrainSeconds > 0);

        // Each gap model's figures, recomputed independently with the run's filler on the same windows.
        var windows = TokenRows.Of(MusicData.Load("midi-inpaint:" + midi).Loaded.Splits.Test.Examples).Take(6).ToList();
        foreach (var seed in new long[] { 0, 1 })
        {
            var inpaint = Metrics(outDir, "inpaintnet", seed).Values;
            var (filler, _) = GapFillers.Open(MatrixRunner.RunDir(outDir, "inpaintnet", seed));
            var scores = InpaintEvaluation.Evaluate(filler, windows);
            ((IDisposable)filler).Dispose();
            Assert.Equal(scores.PitchAccuracy, inpaint["pitch_acc"], 12);
            Assert.Equal(scores.RhythmAccuracy, inpaint["rhythm_acc"], 12);
            Assert.Equal(scores.NegativeLogLikelihood!.Value, inpaint["nll"], 9);
            Assert.DoesNotContain(inpaint.Keys, k => k.StartsWith(InpaintBenchmark.GivenRhythmPrefix, StringComparison.Ordinal));

            var sketch = Metrics(outDir, "sketchnet", seed).Values;
            var (sf, _) = GapFillers.Open(MatrixRunner.RunDir(outDir, "sketchnet", seed));
            var s = (SketchNetGapFiller)sf;
            s.RepairSketches = false;
            var given = InpaintEvaluation.Evaluate(s, windows, controls: w => InpaintControls.TrueRhythm(w, InpaintGap.Window));
            Assert.Equal(given.RhythmAccuracy, sketch[InpaintBenchmark.GivenRhythmPrefix + "rhythm_acc"], 12);
            Assert.Equal(given.PitchAccuracy, sketch[InpaintBenchmark.GivenRhythmPrefix + "pitch_acc"], 12);
            Assert.Equal(given.NegativeLogLikelihood!.Value, sketch[InpaintBenchmark.GivenRhythmPrefix + "nll"], 9);
            Assert.Equal((double)s.RepairedBars / s.SketchedBars, sketch[InpaintBenchmark.GivenRhythmPrefix + "missed_rhythm"], 12);
            Assert.Equal(4 * windows.Count, s.SketchedBars);
            s.Dispose();
        }

        // The table: five rows, the baseline's figures those of the repeat-context filler on the same windows.
        var md = File.ReadAllText(Path.Combine(outDir, "summary.md"));
        var baseline = InpaintEvaluation.Evaluate(new RepeatContextFiller(), windows);
        var baselineRow = md.Split('\n').Single(l => l.StartsWith("| baseline |", StringComparison.Ordinal));
        Assert.Contains(LatentSynth.Evaluation.Report.ReportTable.Format(baseline.PitchAccuracy), baselineRow);
        foreach (var row in new[] { "baseline + true rhythm", "inpaintnet", "sketchnet", "sketchnet + true rhythm" })
            Assert.Contains($"| {row} |", md);
        foreach (var metric in InpaintBenchmark.Info.Keys) Assert.Contains(metric, md);

        var html = Path.Combine(outDir, "report.html");
        var page = File.ReadAllText(html);
        Assert.DoesNotContain(Path.GetFullPath(outDir), page);
        Assert.Contains("filled windows", page);
        int images = Regex.Matches(page, "<img ").Count, audio = Regex.Matches(page, "<audio ").Count;
        Assert.Equal(5, images);      // one roll of filled windows per row
        Assert.Equal(5 + 1, audio);   // each row's fill, and the original in the baseline's row
        Assert.True(File.Exists(Path.Combine(outDir, "examples", "sketchnet---true-rhythm.png")));
        Assert.True(File.Exists(Path.Combine(outDir, "examples", "original-0.mid")));
        var (dom, console) = HeadlessChromium.Load(html, Path.Combine(root, "profile"));
        Assert.True(console.Count == 0, "console messages: " + string.Join("\n", console));
        Assert.Contains($"data-images-loaded=\"{images}/{images}\"", dom);
        Assert.Contains($"data-audio-loaded=\"{audio}/{audio}\"", dom);

        // Rerun: every run complete and skipped; the report is written again.
        File.Delete(html);
        var again = new InpaintBenchmark().Run(Plan(midi), options, outDir);
        Assert.Equal((0, 0, 6), (again.TrainedRuns, again.ResumedRuns, again.SkippedRuns));
        Assert.True(File.Exists(html));
    }

    [Fact]
    [BadInput("music", "`music inpaint-benchmark` with a stage's data of the wrong kind, or a gap variant without its frozen run", "one line naming the data (or the variant) and what the stage takes; exit 1")]
    public void WrongDataAndMissingFrozenRunsAreRefusedByName()
    {
        var (code, output) = CliRunner.Run(300, "music", "inpaint-benchmark", "--bar-data", "nottingham-16", "--out", Path.Combine(root, "b1"), "--quick");
        Assert.Equal(1, code);
        Assert.Contains("stage 1 data 'nottingham-16' is not a bar dataset of inpainting tokens", output);
        (code, output) = CliRunner.Run(300, "music", "inpaint-benchmark", "--gap-data", "nottingham-bars24", "--out", Path.Combine(root, "b2"), "--quick");
        Assert.Equal(1, code);
        Assert.Contains("stage 2 data 'nottingham-bars24' is not a 16-bar inpainting dataset", output);
        (code, output) = CliRunner.Run(300, "music", "inpaint-benchmark", "--out", Path.Combine(root, "b3"), "--windows", "0");
        Assert.Equal(1, code);
        Assert.Contains("--windows: 0 must be between 1 and 100000", output);

        var plan = Plan(ScaleTunes(root, 2));
        var noFrozen = plan with { Gaps = plan.Gaps with { Variants = [new("inpaintnet", new JsonObject { ["model"] = "inpaintnet" })] } };
        Assert.Contains("stage 2 variant 'inpaintnet' names no frozen stage-1 run",
            Assert.Throws<ArgumentException>(() => new InpaintBenchmark().Run(noFrozen, new InpaintBenchmarkOptions(), Path.Combine(root, "b4"))).Message);
        var wrongName = plan with { Gaps = plan.Gaps with { Variants = [new("inpaintnet", new JsonObject { ["model"] = "inpaintnet", ["measure_vae_run"] = "@bars" })] } };
        Assert.Contains("measure_vae_run '@bars' names no stage-1 variant (they are @measurevae, @sketchvae)",
            Assert.Throws<ArgumentException>(() => new InpaintBenchmark().Run(wrongName, new InpaintBenchmarkOptions(), Path.Combine(root, "b5"))).Message);
        var swapped = plan with { Bars = plan.Bars with { Variants = [new("inpaintnet", new JsonObject { ["model"] = "inpaintnet" })] } };
        Assert.Contains("stage 1 variant 'inpaintnet': model 'inpaintnet' is not a bar VAE",
            Assert.Throws<ArgumentException>(() => new InpaintBenchmark().Run(swapped, new InpaintBenchmarkOptions(), Path.Combine(root, "b6"))).Message);
        Assert.False(Directory.Exists(Path.Combine(root, "b4")));
    }
}
