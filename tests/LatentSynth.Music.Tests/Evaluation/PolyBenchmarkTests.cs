using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LatentSynth.Evaluation.Benchmark;
using LatentSynth.Models;
using LatentSynth.Music.Data;
using LatentSynth.Music.Evaluation;
using LatentSynth.Music.Models;
using LatentSynth.Torch;
using LatentSynth.Training;
using static LatentSynth.Music.Tests.Data.MidiFixtures;

namespace LatentSynth.Music.Tests.Evaluation;

using PolyNote = LatentSynth.Music.Data.PolyTree.PolyNote;
using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// The polyphonic benchmark on generated chord tunes (midi-poly:DIR, so it runs without the shared copies): tiny PianoTree,
/// piano-roll and MIDI-event models trained one epoch, every figure recomputed independently with the models' own
/// reconstruction and decoding methods, the report checked in headless Chromium, the rerun skipping every run, the refusals.
/// </summary>
[Collection("MusicProcessWide")]
public sealed class PolyBenchmarkTests : IDisposable
{
    private readonly string root = TempFolder();

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static readonly JsonSerializerOptions Json = new() { IncludeFields = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private static readonly PolyBenchmarkOptions Options = new() { Segments = 8, ReportExamples = 2, InterpolationPairs = 3, InterpolationSteps = 3, PriorSamples = 2 };

    /// <summary>The three variants at latent_dim 8 and tiny widths, 1 epoch of 32 segments, seed 0.</summary>
    private static BenchmarkMatrix Matrix(string midi) =>
        new("midi-poly:" + midi, [0], new BenchmarkTraining { Epochs = 1, BatchSize = 16, Lr = 1e-3, LimitTrain = 32, LimitTest = 16 },
        [
            new("pianotree", new JsonObject
            {
                ["model"] = "pianotree", ["latent_dim"] = 8, ["note_embedding"] = 8, ["encoder_note_size"] = 8, ["encoder_time_size"] = 16,
                ["decoder_time_size"] = 16, ["decoder_summary_size"] = 8, ["decoder_z_input"] = 8, ["decoder_note_size"] = 16, ["decoder_duration_size"] = 8,
            }),
            new("pianoroll-vae", new JsonObject { ["model"] = "pianoroll-vae", ["latent_dim"] = 8, ["hidden"] = new JsonArray(16) }),
            new("midi-event-vae", new JsonObject
            {
                ["model"] = "midi-event-vae", ["latent_dim"] = 8, ["encoder_size"] = 8, ["decoder_size"] = 16, ["embedding_dim"] = 8, ["max_events"] = 96,
            }),
        ]);

    private static RunMetrics Metrics(string outDir, string variant, long seed) =>
        JsonSerializer.Deserialize<RunMetrics>(File.ReadAllText(Path.Combine(MatrixRunner.RunDir(outDir, variant, seed), MatrixRunner.MetricsFile)), Json)!;

    /// <summary>Each model's own greedy route from z to notes (not the benchmark's shared one through Decode).</summary>
    private static List<PolyNote>[] OwnDecode(AutoencoderModel model, Tensor z) => model switch
    {
        PianoTreeVaeModel pt => NoteF1.TreeNotes(pt.DecodeTrees(z)),
        PianoRollVaeModel roll => roll.DecodeNotes(z),
        MidiEventVaeModel events => events.DecodeNotes(z),
        _ => throw new InvalidOperationException(model.GetType().Name),
    };

    private static List<PolyNote>[] OwnReconstruction(AutoencoderModel model, Tensor x) => model switch
    {
        PianoTreeVaeModel pt => NoteF1.TreeNotes(pt.Reconstruct(x)),
        PianoRollVaeModel roll => roll.ReconstructNotes(x),
        MidiEventVaeModel events => events.ReconstructNotes(x),
        _ => throw new InvalidOperationException(model.GetType().Name),
    };

    [ChromiumFact]
    public void ThreeModelsTrainAndTheReportShowsF1RollsAndAudioInChromium()
    {
        var midi = ChordTunes(root);
        var outDir = Path.Combine(root, "bench");
        var lines = new List<string>();
        var outcome = new PolyBenchmark(lines.Add).Run(Matrix(midi), Options, outDir);
        Assert.True(outcome.Completed, string.Join("\n", lines));
        Assert.Equal((3, 0, 0), (outcome.TrainedRuns, outcome.ResumedRuns, outcome.SkippedRuns));

        // Every figure recomputed from the run with the model's own methods on the first 8 test segments.
        using var splits = PolyData.Load("midi-poly:" + midi).Loaded.Splits;
        using (var scope = Torch.NewScope())
        {
            var test = splits.Test.Examples.Narrow(0, 0, 8);
            var truth = NoteF1.TreeNotes(test);
            foreach (var variant in new[] { "pianotree", "pianoroll-vae", "midi-event-vae" })
            {
                var values = Metrics(outDir, variant, 0).Values;
                Assert.Equal(default(NoteF1Result).ToDictionary().Keys.Order(), values.Keys.Where(k => k != "interp_mid_f1").Order());
                using var model = (AutoencoderModel)RunFolder.Open(MatrixRunner.RunDir(outDir, variant, 0)).LoadModel();
                model.Eval();
                using var noGrad = Torch.NoGrad();
                var score = NoteF1.Corpus(truth, OwnReconstruction(model, test));
                foreach (var (k, v) in score.ToDictionary()) Assert.Equal(v, values[k], 12);
                Assert.True(score.Onset.True > 0);

                // The half-way interpolants of the same pairs: slerp at α = ½ of μ(A), μ(B), each model's own greedy decoding.
                var pairs = MelodyInterpolation.ChoosePairs(8, 3, new Random(0));
                var mu = model.Encode(test).Contiguous().ToArray<float>();
                int d = mu.Length / 8;
                var z = pairs.SelectMany(p => MelodyInterpolation.Lerp(mu[(p.I * d)..((p.I + 1) * d)], mu[(p.J * d)..((p.J + 1) * d)], 0.5, spherical: true)).ToArray();
                var mid = OwnDecode(model, Tensor.From(z, pairs.Count, d));
                double toA = NoteF1.Corpus(pairs.Select(p => (IReadOnlyCollection<PolyNote>)truth[p.I]).ToList(), mid).Onset.F1;
                double toB = NoteF1.Corpus(pairs.Select(p => (IReadOnlyCollection<PolyNote>)truth[p.J]).ToList(), mid).Onset.F1;
                Assert.Equal((toA + toB) / 2, values["interp_mid_f1"], 12);
            }
        }

        // Matched latent size: every run's model has the same latent_dim.
        Assert.All(new[] { "pianotree", "pianoroll-vae", "midi-event-vae" },
            v => Assert.Equal(8, RunFolder.Open(MatrixRunner.RunDir(outDir, v, 0)).Config.Model.LatentDim));

        var md = File.ReadAllText(Path.Combine(outDir, "summary.md"));
        foreach (var variant in new[] { "pianotree", "pianoroll-vae", "midi-event-vae" }) Assert.Contains($"| {variant} |", md);
        foreach (var metric in PolyBenchmark.Info.Keys) Assert.Contains(metric, md);

        var html = Path.Combine(outDir, "report.html");
        var page = File.ReadAllText(html);
        Assert.DoesNotContain(Path.GetFullPath(outDir), page);
        int images = Regex.Matches(page, "<img ").Count, audio = Regex.Matches(page, "<audio ").Count;
        Assert.Equal(3 * 3, images);   // reconstructions, interpolation, prior samples per variant
        bool withAudio = LatentSynth.Audio.Notes.NoteRenderer.MissingRenderer() is null;
        Assert.Equal(withAudio ? 3 * 4 : 0, audio);
        foreach (var file in new[] { "original-0.mid", "reconstruction-0.mid", "prior-sample-0.mid", "interpolation.mid", "reconstructions.png", "interpolation.png", "prior-samples.png" })
            Assert.True(File.Exists(Path.Combine(MatrixRunner.RunDir(outDir, "pianotree", 0), "music", file)), file);
        var (dom, console) = HeadlessChromium.Load(html, Path.Combine(root, "profile"));
        Assert.True(console.Count == 0, "console messages: " + string.Join("\n", console));
        Assert.Contains($"data-images-loaded=\"{images}/{images}\"", dom);
        Assert.Contains($"data-audio-loaded=\"{audio}/{audio}\"", dom);

        // Rerun: every run complete and skipped; the report is written again.
        File.Delete(html);
        var again = new PolyBenchmark().Run(Matrix(midi), Options, outDir);
        Assert.Equal((0, 0, 3), (again.TrainedRuns, again.ResumedRuns, again.SkippedRuns));
        Assert.True(File.Exists(html));
    }

    [Fact]
    public void MusicTrainTrainsTheBaselinesOnPolyData()
    {
        var midi = ChordTunes(root, 12);
        var run = Path.Combine(root, "roll");
        var (code, output) = CliRunner.Run(300, "music", "train", "--model", "pianoroll-vae", "--data", "midi-poly:" + midi, "--out", run,
            "--epochs", "1", "--batch-size", "16", "--latent-dim", "8", "--set", "hidden=[16]");
        Assert.True(code == 0, output);
        var folder = RunFolder.Open(run);
        Assert.Equal("pianoroll-vae", folder.Config.Model.Model);
        Assert.Equal("midi-poly:" + midi, folder.Config.Training.Data);
        Assert.True(File.Exists(folder.WeightsPath), folder.WeightsPath);
    }

    [Fact]
    [BadInput("music", "`music poly-benchmark` with melody data (`--data nottingham`) or `--segments 1` or `--train-segments 0`; a melody model as a variant; `music train --model pianoroll-vae --data nottingham` (and `--model musicvae --data jsb-poly`)", "one line naming the data, option or variant and what it takes; exit 1; nothing trained")]
    public void MelodyDataAndMelodyModelsAreRefusedByName()
    {
        var (code, output) = CliRunner.Run(300, "music", "poly-benchmark", "--data", "nottingham", "--out", Path.Combine(root, "b1"), "--quick");
        Assert.Equal(1, code);
        Assert.Contains("data 'nottingham' is not a polyphonic dataset of tree tensors (it holds melody tokens); use nottingham-poly, jsb-poly or midi-poly:DIR", output);
        (code, output) = CliRunner.Run(300, "music", "poly-benchmark", "--out", Path.Combine(root, "b2"), "--segments", "1");
        Assert.Equal(1, code);
        Assert.Contains("--segments: 1 must be between 2 and 100000", output);
        (code, output) = CliRunner.Run(300, "music", "poly-benchmark", "--out", Path.Combine(root, "b6"), "--train-segments", "0");
        Assert.Equal(1, code);
        Assert.Contains("--train-segments: 0 must be between 1 and 10000000", output);
        Assert.False(Directory.Exists(Path.Combine(root, "b6", "runs")));
        (code, output) = CliRunner.Run(300, "music", "train", "--model", "pianoroll-vae", "--data", "nottingham", "--out", Path.Combine(root, "b3"), "--epochs", "1");
        Assert.Equal(1, code);
        Assert.Contains("--data nottingham is melody data; model 'pianoroll-vae' reads polyphonic tree tensors: nottingham-poly, jsb-poly or midi-poly:DIR", output);
        Assert.False(Directory.Exists(Path.Combine(root, "b3")));
        (code, output) = CliRunner.Run(300, "music", "train", "--model", "musicvae", "--data", "jsb-poly", "--out", Path.Combine(root, "b5"), "--epochs", "1");
        Assert.Equal(1, code);
        Assert.Contains("--data jsb-poly is polyphonic tree data (pianotree, pianoroll-vae, midi-event-vae); model 'musicvae' reads melody data", output);
        Assert.False(Directory.Exists(Path.Combine(root, "b5")));

        var matrix = Matrix(ChordTunes(root, 2));
        var melody = matrix with { Variants = [new("flat", new JsonObject { ["model"] = "musicvae" })] };
        Assert.Contains("variant 'flat': model 'musicvae' is not a polyphonic model; the poly benchmark takes pianotree, pianoroll-vae or midi-event-vae",
            Assert.Throws<ArgumentException>(() => new PolyBenchmark().Run(melody, Options, Path.Combine(root, "b4"))).Message);
        Assert.False(Directory.Exists(Path.Combine(root, "b4")));
    }
}
