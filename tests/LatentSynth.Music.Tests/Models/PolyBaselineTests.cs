using System.Text.Json.Nodes;

using LatentSynth.Data;
using LatentSynth.Models;
using LatentSynth.Music.Evaluation;
using LatentSynth.Music.Models;
using LatentSynth.Torch;
using LatentSynth.Training;

namespace LatentSynth.Music.Tests.Models;

using Torch = LatentSynth.Torch.Torch;
using PolyNote = LatentSynth.Music.Data.PolyTree.PolyNote;

/// <summary>What both PianoTree baselines' tests share: hand-made segments, learnable synthetic trees, a data source, tiny configs.</summary>
internal static class PolyBaselineFixtures
{
    /// <summary>The registered defaults build a model whose code is [B, 256], whose loss terms are finite and whose generation is valid trees.</summary>
    public static void DefaultConfigBuildsAndRuns<T>(string name, Func<T, Tensor> generateTwo) where T : AutoencoderModel
    {
        using var scope = Torch.NewScope();
        ModelTheory.DefaultConfigBuildsAndRuns<T>(name, TriadTrees(2, 1), 256, m => AssertValidTrees(generateTwo(m), 2));
    }

    public static PolyNote N(int onset, int pitch, int duration) => new(onset, pitch, duration);

    /// <summary>A chord, a 32-step note, adjacent repeated notes of one pitch, a lone short note at the end.</summary>
    public static readonly PolyNote[] Chords =
    [
        N(0, 48, 32), N(0, 60, 4), N(0, 64, 4), N(0, 67, 4),
        N(4, 72, 2), N(6, 72, 2), N(8, 60, 8), N(8, 65, 8), N(31, 84, 1),
    ];

    public static List<PolyNote> Sorted(IEnumerable<PolyNote> notes) =>
        notes.OrderBy(x => x.Onset).ThenBy(x => x.Pitch).ThenBy(x => x.Duration).ToList();

    /// <summary>Learnable trees: a major triad on a random root (48..59) struck every 8 steps, each lasting 8.</summary>
    public static Tensor TriadTrees(long n, ulong seed)
    {
        var rng = new Random((int)seed);
        var segments = new List<IReadOnlyList<PolyNote>>();
        for (long i = 0; i < n; i++)
        {
            var notes = new List<PolyNote>();
            for (int t = 0; t < 32; t += 8)
            {
                int root = 48 + rng.Next(12);
                notes.AddRange([N(t, root, 8), N(t, root + 4, 8), N(t, root + 7, 8)]);
            }
            segments.Add(notes);
        }
        return BaselineTreeCodec.Tree(segments);
    }

    /// <summary>Trees named "trees" (48 train, 16 test), as a data source would give them.</summary>
    public sealed class TreeSource : IDatasetSource
    {
        /// <inheritdoc />
        public DatasetSplits Load(string name, Action<string>? warn)
        {
            if (name != "trees") throw new ArgumentException($"unknown dataset '{name}'; known: trees");
            return new DatasetSplits(Make("trees/train", 48, 31), Make("trees/test", 16, 32));
        }

        private static TensorDataset Make(string name, long n, ulong seed)
        {
            using var scope = Torch.NewScope();
            return new TensorDataset(name, TriadTrees(n, seed).Contiguous().DetachFromScope());
        }
    }

    public static PianoRollVaeConfig TinyRoll() => (PianoRollVaeConfig)ModelRegistry.DefaultConfig("pianoroll-vae") with { LatentDim = 8, Hidden = [32] };

    public static MidiEventVaeConfig TinyEvents() => (MidiEventVaeConfig)ModelRegistry.DefaultConfig("midi-event-vae") with
    {
        LatentDim = 8, EncoderSize = 16, DecoderSize = 16, EmbeddingDim = 8, MaxEvents = 40,
    };

    /// <summary>One epoch of <paramref name="model"/> with <paramref name="extra"/> settings through the trainer on the trees: 3 steps, finite validation.</summary>
    public static ModelConfig TrainsOneEpoch(string model, params (string Key, JsonNode Value)[] extra)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"ls-{model}-run-" + Guid.NewGuid().ToString("N"));
        try
        {
            var builder = new RunConfigBuilder()
                .Set("model", model, "test")
                .Set("latent_dim", 8, "test")
                .Set("data", "trees", "test")
                .Set("epochs", 1, "test")
                .Set("batch_size", 16, "test")
                .Set("lr", 1e-3, "test")
                .Set("seed", 1, "test")
                .Set("out", dir, "test");
            foreach (var (key, value) in extra) builder.Set(key, value, "test");
            var result = new Trainer(new TreeSource()).Train(builder.Build());
            Assert.Equal(TrainingOutcome.Completed, result.Outcome);
            Assert.Equal(3, result.Step);
            Assert.All(result.LastValidation!.Means.Values, v => Assert.True(double.IsFinite(v)));
            var saved = RunConfig.Load(Path.Combine(dir, RunFolder.ConfigFile)).Model;
            Assert.Equal([32L, 16, 6], saved.InputShape);
            return saved;
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Every segment of <paramref name="trees"/> is a valid tree tensor; returns the notes.</summary>
    public static List<PolyNote>[] AssertValidTrees(Tensor trees, long n)
    {
        Assert.Equal([n, 32L, 16, 6], trees.Shape);
        Assert.Equal(DType.Float32, trees.DType);
        return BaselineTreeCodec.Notes(trees, "test");
    }

    public static void AssertLossTermsAddUp(LossTerms loss, string accuracyKey)
    {
        var values = loss.Values();
        Assert.Equal(new[] { accuracyKey, "kl", "kl_cost", "recon" }.Order(), loss.Terms.Keys.Order());
        foreach (var (k, v) in values) Assert.True(double.IsFinite(v), $"{k} = {v}");
        double sum = loss.Terms.Sum(t => loss.Weights[t.Key] * t.Value.Item());
        Assert.Equal(sum, values["loss"], 1e-3 * Math.Max(1, Math.Abs(sum)));
        Assert.Equal(1.0, loss.Weights["kl_cost"]);
        Assert.Equal(0.0, loss.Weights[accuracyKey]);
    }
}

/// <summary>The baselines' conversions: tree ↔ notes, notes ↔ roll, notes ↔ events, on hand-made segments.</summary>
public class PolyBaselineCodecTests
{
    private static PolyNote N(int onset, int pitch, int duration) => new(onset, pitch, duration);

    [Fact]
    public void TreeTensorLayoutFollowsTheContract()
    {
        using var scope = Torch.NewScope();
        var tree = BaselineTreeCodec.Tree([PolyBaselineFixtures.Chords, []]);
        Assert.Equal([2L, 32, 16, 6], tree.Shape);
        var v = tree.ToArray<float>();
        float[] Slot(int b, int t, int k) => v.AsSpan(((b * 32 + t) * 16 + k) * 6, 6).ToArray();
        // Step 0: pitches ascending, then EOS, then pad; 32 steps = bits of 31, 4 steps = bits of 3.
        Assert.Equal([48f, 1, 1, 1, 1, 1], Slot(0, 0, 0));
        Assert.Equal([60f, 0, 0, 0, 1, 1], Slot(0, 0, 1));
        Assert.Equal([128f, 0, 0, 0, 0, 0], Slot(0, 0, 4));
        Assert.Equal([129f, 0, 0, 0, 0, 0], Slot(0, 0, 5));
        Assert.Equal([128f, 0, 0, 0, 0, 0], Slot(0, 1, 0));     // a step without notes
        Assert.Equal([84f, 0, 0, 0, 0, 0], Slot(0, 31, 0));
        Assert.Equal([128f, 0, 0, 0, 0, 0], Slot(1, 17, 0));    // the empty segment
        Assert.Equal([129f, 0, 0, 0, 0, 0], Slot(1, 17, 15));
        var notes = BaselineTreeCodec.Notes(tree, "test");
        Assert.Equal(PolyBaselineFixtures.Sorted(PolyBaselineFixtures.Chords), notes[0]);
        Assert.Empty(notes[1]);
    }

    [Fact]
    public void AFullStepHasNoEos()
    {
        using var scope = Torch.NewScope();
        var notes = Enumerable.Range(40, 16).Select(p => N(3, p, 1)).ToList();
        var tree = BaselineTreeCodec.Tree([notes.Append(N(3, 90, 1)).ToList()]);   // the 17th note of a step is left out
        Assert.Equal(notes, BaselineTreeCodec.Notes(tree, "test")[0]);
    }

    [Fact]
    public void RollRoundTripIsExact()
    {
        var roll = BaselineTreeCodec.Roll(PolyBaselineFixtures.Chords);
        Assert.Equal(BaselineTreeCodec.Onset, roll[0 * 128 + 48]);
        Assert.Equal(BaselineTreeCodec.Sustain, roll[31 * 128 + 48]);
        Assert.Equal(BaselineTreeCodec.Onset, roll[6 * 128 + 72]);         // the repeated note's onset
        Assert.Equal(BaselineTreeCodec.Sustain, roll[5 * 128 + 72]);
        Assert.Equal(BaselineTreeCodec.Silence, roll[8 * 128 + 72]);
        Assert.Equal(PolyBaselineFixtures.Sorted(PolyBaselineFixtures.Chords), BaselineTreeCodec.RollNotes(roll));
        Assert.Empty(BaselineTreeCodec.RollNotes(BaselineTreeCodec.Roll([])));
    }

    [Fact]
    public void RollRulesForOverlapsClippingAndStraySustain()
    {
        // A later onset of the same pitch cuts the sounding note; a note past the segment end is clipped.
        Assert.Equal([N(0, 60, 4), N(4, 60, 2), N(24, 50, 8)],
            BaselineTreeCodec.RollNotes(BaselineTreeCodec.Roll([N(0, 60, 8), N(4, 60, 2), N(24, 50, 16)])));
        // Sustain cells without an onset before them are no note; the run after an onset stops at the first non-sustain cell.
        var roll = new byte[32 * 128];
        roll[2 * 128 + 70] = BaselineTreeCodec.Sustain;
        roll[5 * 128 + 70] = BaselineTreeCodec.Onset;
        roll[6 * 128 + 70] = BaselineTreeCodec.Sustain;
        roll[8 * 128 + 70] = BaselineTreeCodec.Sustain;
        Assert.Equal([N(5, 70, 2)], BaselineTreeCodec.RollNotes(roll));
    }

    [Fact]
    public void EventTokensByHand()
    {
        // Two notes struck together, the higher one ending first: on 60, on 64, shift 1, off 64, shift 1, off 60, end.
        Assert.Equal([60, 64, 256, 128 + 64, 256, 128 + 60, 288], BaselineTreeCodec.Events([N(0, 64, 1), N(0, 60, 2)]));
        // Repeated notes of one pitch: the note-off comes before the note-on at the same time.
        Assert.Equal([256 + 3, 72, 257, 128 + 72, 72, 257, 128 + 72, 288], BaselineTreeCodec.Events([N(4, 72, 2), N(6, 72, 2)]));
        Assert.Equal([288], BaselineTreeCodec.Events([]));
        // The 32-step note: one shift of 32.
        Assert.Equal([48, 256 + 31, 128 + 48, 288], BaselineTreeCodec.Events([N(0, 48, 32)]));
    }

    [Fact]
    public void EventRoundTripIsExact()
    {
        var events = BaselineTreeCodec.Events(PolyBaselineFixtures.Chords);
        Assert.Equal(PolyBaselineFixtures.Sorted(PolyBaselineFixtures.Chords), BaselineTreeCodec.EventNotes(events));
        Assert.Empty(BaselineTreeCodec.EventNotes(BaselineTreeCodec.Events([])));
        Assert.Equal(events.Count, MidiEventVaeModel.EventCount(PolyBaselineFixtures.Chords));
    }

    [Fact]
    public void EventDecodingRules()
    {
        // A note-off of a pitch not sounding is ignored; a note never switched off ends at the segment end.
        Assert.Equal([N(0, 60, 32)], BaselineTreeCodec.EventNotes([60, 256 + 3, 128 + 61, 288]));
        // A note-on of a sounding pitch ends it there; a zero-length note is dropped; reading stops at the end token.
        Assert.Equal([N(0, 60, 2), N(2, 60, 1)], BaselineTreeCodec.EventNotes([60, 257, 60, 256, 128 + 60, 62, 128 + 62, 288, 70]));
        // Shifts saturate at the segment end; a note-on there is dropped.
        Assert.Equal([N(30, 50, 2)], BaselineTreeCodec.EventNotes([256 + 29, 50, 256 + 31, 51, 128 + 50]));
        // Overlapping notes of one pitch come back cut, as in the roll; notes past the end come back clipped.
        Assert.Equal([N(0, 60, 4), N(4, 60, 2), N(24, 50, 8)],
            BaselineTreeCodec.EventNotes(BaselineTreeCodec.Events([N(0, 60, 8), N(4, 60, 2), N(24, 50, 16)])));
    }

    [Fact]
    public void InvalidTreesAreRefusedByName()
    {
        using var scope = Torch.NewScope();
        var shape = Assert.Throws<ArgumentException>(() => BaselineTreeCodec.Notes(Torch.Zeros(2, 32, 16, 5), "pianoroll-vae"));
        Assert.Contains("[batch, 32, 16, 6]", shape.Message, StringComparison.Ordinal);
        var tree = BaselineTreeCodec.Tree([[N(0, 60, 1)]]);
        var v = tree.ToArray<float>();
        v[0] = 129;                                                           // pad before EOS
        Assert.Contains("pad before the end of the note list", Assert.Throws<ArgumentException>(() => BaselineTreeCodec.Notes(Tensor.From(v, 1, 32, 16, 6), "m")).Message, StringComparison.Ordinal);
        v[0] = 60; v[1] = 0.5f;
        Assert.Contains("duration bit", Assert.Throws<ArgumentException>(() => BaselineTreeCodec.Notes(Tensor.From(v, 1, 32, 16, 6), "m")).Message, StringComparison.Ordinal);
        v[1] = 0; v[6] = 64;                                                  // slot 1 (EOS) becomes a note: slot 2 is then pad before EOS
        Assert.Throws<ArgumentException>(() => BaselineTreeCodec.Notes(Tensor.From(v, 1, 32, 16, 6), "m"));
    }
}

/// <summary>The model theory for "pianoroll-vae".</summary>
public class PianoRollVaeTests
{
    static PianoRollVaeTests() => MusicModels.Register();

    [Fact]
    public void IsRegisteredWithTheDefaults()
    {
        var entry = ModelRegistry.Get("pianoroll-vae");
        Assert.Equal(typeof(PianoRollVaeModel), entry.ModelType);
        var config = (PianoRollVaeConfig)ModelRegistry.DefaultConfig("pianoroll-vae");
        Assert.Equal([32L, 16, 6], config.InputShape);
        Assert.Equal(256, config.LatentDim);
        Assert.Equal([1024], config.Hidden);
        Assert.Equal(1.0, config.Beta);
        Assert.Empty(config.Validate());
        // Offered by `music train`, on the polyphonic datasets only.
        Assert.True(LatentSynth.Cli.MusicTrainCommand.IsMusicModel("pianoroll-vae"));
        Assert.True(LatentSynth.Cli.MusicTrainCommand.IsPolyModel("midi-event-vae"));
        Assert.False(LatentSynth.Cli.MusicTrainCommand.IsPolyModel("musicvae"));
        var back = (PianoRollVaeConfig)ModelRegistry.FromJson(ModelRegistry.ToJson(config with { Beta = 0.5, Hidden = [64, 32] }));
        Assert.Equal(0.5, back.Beta);
        Assert.Equal([64, 32], back.Hidden);
        Assert.Contains((config with { InputShape = [32, 16, 5] }).Validate(), p => p.StartsWith("input_shape must be [32, 16, 6]", StringComparison.Ordinal));
        Assert.Contains((config with { Recon = "mse" }).Validate(), p => p.StartsWith("recon and recon_variance", StringComparison.Ordinal));
        Assert.Contains((config with { Beta = -1 }).Validate(), p => p.StartsWith("beta must be", StringComparison.Ordinal));
    }

    [Fact]
    public void DefaultConfigBuildsAndRuns() => PolyBaselineFixtures.DefaultConfigBuildsAndRuns<PianoRollVaeModel>("pianoroll-vae", m => m.Generate(2));

    [Fact]
    public void ShapesLossAndReconstruction()
    {
        using var scope = Torch.NewScope();
        using var model = (PianoRollVaeModel)ModelRegistry.Create(PolyBaselineFixtures.TinyRoll());
        var x = PolyBaselineFixtures.TriadTrees(5, 1);
        using (Torch.NoGrad())
        {
            Assert.Equal([5L, 32, 128], model.Rolls(x).Shape);
            var z = model.Encode(x);
            Assert.Equal([5L, 8], z.Shape);
            Assert.Equal([5L, 32, 128, 3], model.Logits(z).Shape);
            var decoded = PolyBaselineFixtures.AssertValidTrees(model.Decode(z), 5);
            // The tree holds 16 notes per step: an untrained roll strikes more, and Decode keeps the 16 lowest of each step.
            Assert.Equal(BaselineTreeCodec.Notes(BaselineTreeCodec.Tree(model.DecodeNotes(z)), "t"), decoded);
            Assert.True(model.DecodeNotes(z)[0].Count > decoded[0].Count);
            Assert.Equal(5, model.ReconstructNotes(x).Length);
            PolyBaselineFixtures.AssertValidTrees(model.Call(x), 5);
            PolyBaselineFixtures.AssertValidTrees(model.Sample(3), 3);
            var loss = model.EvaluationLoss(x);
            PolyBaselineFixtures.AssertLossTermsAddUp(loss, "cell_accuracy");
            // Untrained, each of the 4096 cells costs about ln 3 nats.
            Assert.InRange(loss.Values()["recon"], 0.8 * 4096 * Math.Log(3), 1.2 * 4096 * Math.Log(3));
            Assert.Contains("tree tensors", Assert.Throws<ArgumentException>(() => model.Encode(Torch.Zeros(2, 32, 16))).Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void SaveThenLoadGivesTheSameLossAndNotes()
    {
        using var scope = Torch.NewScope();
        using var model = (PianoRollVaeModel)ModelRegistry.Create(PolyBaselineFixtures.TinyRoll());
        using var other = (PianoRollVaeModel)ModelRegistry.Create(PolyBaselineFixtures.TinyRoll());
        using var noise = new Generator(7);
        var x = PolyBaselineFixtures.TriadTrees(4, 5);
        ModelTheory.SaveLoadRoundTrip(model, other, x, noise, (a, b) =>
        {
            Assert.True(b.Encode(x).Equal(a.Encode(x)));
            Assert.Equal(a.ReconstructNotes(x), b.ReconstructNotes(x));
        });
    }

    [Fact]
    public void GenerationIsValidAndSeeded()
    {
        using var scope = Torch.NewScope();
        using var model = (PianoRollVaeModel)ModelRegistry.Create(PolyBaselineFixtures.TinyRoll());
        using var g1 = new Generator(21);
        using var g2 = new Generator(21);
        var a = model.Generate(3, 1.0, g1);
        Assert.True(a.Equal(model.Generate(3, 1.0, g2)));
        PolyBaselineFixtures.AssertValidTrees(a, 3);
        var z = model.SamplePrior(2, g1);
        Assert.Equal(model.DecodeNotes(z), model.DecodeNotes(z));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.DecodeNotes(z, 0));
        // Sampling every cell of an untrained model at temperature 1 strikes many notes, each a valid one.
        Assert.All(model.GenerateNotes(2, 1.0, g1).SelectMany(n => n), n => Assert.True(n.Onset + n.Duration <= 32 && n.Duration >= 1));
    }

    [Fact]
    public void TrainsOneEpochThroughTheTrainer() =>
        Assert.IsType<PianoRollVaeConfig>(PolyBaselineFixtures.TrainsOneEpoch("pianoroll-vae", ("hidden", new JsonArray(32))));
}

/// <summary>The model theory for "midi-event-vae".</summary>
public class MidiEventVaeTests
{
    static MidiEventVaeTests() => MusicModels.Register();

    [Fact]
    public void IsRegisteredWithTheDefaults()
    {
        var entry = ModelRegistry.Get("midi-event-vae");
        Assert.Equal(typeof(MidiEventVaeModel), entry.ModelType);
        var config = (MidiEventVaeConfig)ModelRegistry.DefaultConfig("midi-event-vae");
        Assert.Equal([32L, 16, 6], config.InputShape);
        Assert.Equal(256, config.LatentDim);
        Assert.Equal(256, config.MaxEvents);
        Assert.Empty(config.Validate());
        var back = (MidiEventVaeConfig)ModelRegistry.FromJson(ModelRegistry.ToJson(config with { MaxEvents = 100 }));
        Assert.Equal(100, back.MaxEvents);
        Assert.Contains((config with { Hidden = [64] }).Validate(), p => p.StartsWith("hidden does not apply", StringComparison.Ordinal));
        Assert.Contains((config with { MaxEvents = 1 }).Validate(), p => p.StartsWith("max_events must be", StringComparison.Ordinal));
        Assert.Contains((config with { Arch = "conv" }).Validate(), p => p.StartsWith("arch does not apply", StringComparison.Ordinal));
    }

    [Fact]
    public void DefaultConfigBuildsAndRuns() => PolyBaselineFixtures.DefaultConfigBuildsAndRuns<MidiEventVaeModel>("midi-event-vae", m => m.Generate(2));

    [Fact]
    public void ShapesLossAndReconstruction()
    {
        using var scope = Torch.NewScope();
        using var model = (MidiEventVaeModel)ModelRegistry.Create(PolyBaselineFixtures.TinyEvents());
        var x = PolyBaselineFixtures.TriadTrees(5, 1);
        using (Torch.NoGrad())
        {
            var tokens = model.EventTokens(x);
            Assert.Equal([5L, 40], tokens.Shape);
            // The event tokens read back to the trees' notes (each segment's 12 notes need 36 tokens + end = 37 ≤ 40).
            Assert.Equal(BaselineTreeCodec.Notes(x, "t").Select(PolyBaselineFixtures.Sorted), MidiEventVaeModel.TokenNotes(tokens).Select(PolyBaselineFixtures.Sorted));
            var z = model.Encode(x);
            Assert.Equal([5L, 8], z.Shape);
            Assert.Equal([5L, 40, 289], model.TeacherForcedLogits(z, tokens).Shape);
            var greedy = model.DecodeTokens(z);
            Assert.Equal([5L, 40], greedy.Shape);
            PolyBaselineFixtures.AssertValidTrees(model.Decode(z), 5);
            Assert.Equal(5, model.ReconstructNotes(x).Length);
            PolyBaselineFixtures.AssertValidTrees(model.Sample(3), 3);
            PolyBaselineFixtures.AssertLossTermsAddUp(model.EvaluationLoss(x), "accuracy");
            // A sequence longer than max_events is cut.
            using var shortModel = (MidiEventVaeModel)ModelRegistry.Create(PolyBaselineFixtures.TinyEvents() with { MaxEvents = 10 });
            Assert.Equal(BaselineTreeCodec.Events(BaselineTreeCodec.Notes(x, "t")[0]).Take(10).Select(t => (long)t), shortModel.EventTokens(x).Select(0, 0).ToArray<long>());
        }
    }

    [Fact]
    public void FreeRunningAgreesWithTheTeacherForcedDecoder()
    {
        using var scope = Torch.NewScope();
        using var model = (MidiEventVaeModel)ModelRegistry.Create(PolyBaselineFixtures.TinyEvents());
        using var g = new Generator(3);
        using (Torch.NoGrad())
        {
            var z = model.SamplePrior(4, g) * 3.0;
            var greedy = model.DecodeTokens(z);
            var argmax = model.TeacherForcedLogits(z, greedy).Argmax(-1);
            // Up to each sequence's end token, feeding the greedy tokens back gives them again.
            var real = greedy.Ne((long)BaselineTreeCodec.EventPadToken);
            Assert.True(argmax.Eq(greedy).LogicalOr(real.LogicalNot()).All().Item() == 1);
        }
    }

    [Fact]
    public void SaveThenLoadGivesTheSameLossAndNotes()
    {
        using var scope = Torch.NewScope();
        using var model = (MidiEventVaeModel)ModelRegistry.Create(PolyBaselineFixtures.TinyEvents());
        using var other = (MidiEventVaeModel)ModelRegistry.Create(PolyBaselineFixtures.TinyEvents());
        using var noise = new Generator(7);
        var x = PolyBaselineFixtures.TriadTrees(4, 5);
        ModelTheory.SaveLoadRoundTrip(model, other, x, noise, (a, b) =>
        {
            var z = a.Encode(x);
            Assert.True(b.Encode(x).Equal(z));
            Assert.True(b.DecodeTokens(z).Equal(a.DecodeTokens(z)));
        });
    }

    [Fact]
    public void GenerationIsValidAndSeeded()
    {
        using var scope = Torch.NewScope();
        using var model = (MidiEventVaeModel)ModelRegistry.Create(PolyBaselineFixtures.TinyEvents());
        using var g1 = new Generator(21);
        using var g2 = new Generator(21);
        var a = model.Generate(3, 1.0, g1);
        Assert.True(a.Equal(model.Generate(3, 1.0, g2)));
        PolyBaselineFixtures.AssertValidTrees(a, 3);
        var z = model.SamplePrior(3, g1);
        Assert.True(model.DecodeTokens(z).Equal(model.DecodeTokens(z)));
        Assert.True(model.DecodeTokens(z, 100, g1).Ne(model.DecodeTokens(z)).Any().Item() == 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.DecodeTokens(z, 0));
    }

    [Fact]
    public void TrainsOneEpochThroughTheTrainer() =>
        Assert.IsType<MidiEventVaeConfig>(PolyBaselineFixtures.TrainsOneEpoch("midi-event-vae",
            ("encoder_size", 16), ("decoder_size", 16), ("embedding_dim", 8), ("max_events", 40)));
}

/// <summary>The baselines' scoped steps leave no live tensors, and a few seeded steps lower their loss (process-wide state: run alone).</summary>
[Collection(MusicProcessWideState.Name)]
public class PolyBaselineProcessWideTests
{
    static PolyBaselineProcessWideTests() => MusicModels.Register();

    [Fact]
    public void ScopedStepsLeaveNoLiveTensors()
    {
        using var x = PolyBaselineFixtures.TriadTrees(4, 3);
        using (var roll = (PianoRollVaeModel)ModelRegistry.Create(PolyBaselineFixtures.TinyRoll()))
            ModelTheory.ScopedStepsLeaveNoLiveTensors(roll, x, i => new TrainingProgress(0, i, 10, 1), 4,
                _ => { roll.Generate(2, 0.7); roll.ReconstructNotes(x); });
        using (var events = (MidiEventVaeModel)ModelRegistry.Create(PolyBaselineFixtures.TinyEvents()))
            ModelTheory.ScopedStepsLeaveNoLiveTensors(events, x, i => new TrainingProgress(0, i, 10, 1), 4,
                _ => { events.Generate(2, 0.7); events.ReconstructNotes(x); });
    }

    private static (double Before, double After) Train(AutoencoderModel model, Tensor x, int steps, double lr)
    {
        using var noise = new Generator(11);
        var result = ModelTheory.TrainSteps(model, x, noise, steps, lr);
        model.NoiseGenerator = null;
        return result;
    }

    [Fact]
    public void AFewSeededTrainingStepsLowerTheLoss()
    {
        using var scope = Torch.NewScope();
        var x = PolyBaselineFixtures.TriadTrees(16, 6);
        Torch.ManualSeed(1);
        using (var roll = (PianoRollVaeModel)ModelRegistry.Create(PolyBaselineFixtures.TinyRoll()))
        {
            var (before, after) = Train(roll, x, 20, 1e-2);
            Assert.True(after < 0.5 * before, $"pianoroll-vae: loss {before} -> {after}");
        }
        Torch.ManualSeed(1);
        using (var events = (MidiEventVaeModel)ModelRegistry.Create(PolyBaselineFixtures.TinyEvents()))
        {
            var (before, after) = Train(events, x, 20, 1e-2);
            Assert.True(after < before - 20.0, $"midi-event-vae: loss {before} -> {after}");
        }
    }

    [Fact]
    public void TrainedReconstructionsScoreOnNoteF1()
    {
        // The pipeline end to end: train on 16 segments, reconstruct their notes, score them against the (clipped) true notes.
        using var scope = Torch.NewScope();
        var x = PolyBaselineFixtures.TriadTrees(16, 6);
        NoteF1Result Score(Func<Tensor, List<PolyNote>[]> reconstruct) => NoteF1.Reconstructions(x, reconstruct, batchSize: 5);
        Torch.ManualSeed(2);
        using (var roll = (PianoRollVaeModel)ModelRegistry.Create(PolyBaselineFixtures.TinyRoll() with { Hidden = [64] }))
        {
            var untrained = Score(roll.ReconstructNotes);
            Train(roll, x, 80, 1e-2);
            var trained = Score(roll.ReconstructNotes);
            Assert.True(untrained.Onset.F1 < 0.1 && trained.Onset.F1 > 0.9 && trained.OnsetDuration.F1 > 0.9,
                $"pianoroll-vae: onset F1 {untrained.Onset.F1} -> {trained.Onset.F1}, with duration {trained.OnsetDuration.F1}");
        }
        Torch.ManualSeed(2);
        using (var events = (MidiEventVaeModel)ModelRegistry.Create(PolyBaselineFixtures.TinyEvents() with { EncoderSize = 32, DecoderSize = 64 }))
        {
            var untrained = Score(events.ReconstructNotes);
            Train(events, x, 60, 1e-2);
            var trained = Score(events.ReconstructNotes);
            // The event model learns more slowly (a long autoregressive sequence): after 60 steps it finds part of the notes.
            Assert.True(untrained.Onset.F1 < 0.1 && trained.Onset.F1 > untrained.Onset.F1 + 0.1,
                $"midi-event-vae: onset F1 {untrained.Onset.F1} -> {trained.Onset.F1}");
        }
    }
}
