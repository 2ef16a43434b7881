using LatentSynth.Data;
using LatentSynth.Models;
using LatentSynth.Music.Data;
using LatentSynth.Music.Models;
using LatentSynth.Torch;
using LatentSynth.Training;

namespace LatentSynth.Music.Tests.Models;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// The test theory (build, forward shapes, finite loss terms that add up, save/load, a few training steps, generation,
/// registry, refusals, a run through the trainer) for "sketchvae", plus its pitch/rhythm factorization.
/// </summary>
public class SketchVaeTests
{
    static SketchVaeTests() => MusicModels.Register();

    private const int V = SketchVaeModel.VocabularySize;

    /// <summary>A tiny config: 1×16 GRUs, z of 4 + 4, no dropout.</summary>
    internal static SketchVaeConfig Tiny() => (SketchVaeConfig)ModelRegistry.DefaultConfig("sketchvae") with
    {
        LatentDim = 8, PitchLatentDim = 4, EncoderSize = 16, EncoderLayers = 1, DecoderSize = 16, DecoderLayers = 1, EmbeddingDim = 6, Dropout = 0,
    };

    internal static Tensor RandomBars(long n, ulong seed)
    {
        using var g = new Generator(seed);
        using var scope = Torch.NewScope();
        return (Torch.Rand([n, 24], generator: g) * (V - 0.001)).Floor().To(DType.Int64).MoveToOuterScope();
    }

    /// <summary>
    /// Four rhythms of onsets (O), holds (H) and rests (R), six ticks a beat, each of 4 onsets: the pitch sequence's length
    /// (which z_pitch sees) tells them apart not at all, so only z_rhythm can.
    /// </summary>
    internal static readonly string[] Patterns =
    [
        "OHHHHHOHHHHHOHHHHHOHHHHH",
        "OHHRRROHHRRROHHRRROHHRRR",
        "OHHHHHHHHOHHOHHHHHHHHOHH",
        "RRROHHRRROHHRRROHHRRROHH",
    ];

    /// <summary>A bar of <paramref name="pattern"/> whose onsets take <paramref name="pitches"/> in turn (cycling).</summary>
    internal static int[] Bar(string pattern, IReadOnlyList<int> pitches)
    {
        var bar = new int[24];
        int k = 0;
        for (int i = 0; i < 24; i++)
            bar[i] = pattern[i] switch { 'O' => pitches[k++ % pitches.Count], 'H' => InpaintTokens.Hold, _ => InpaintTokens.Rest };
        return bar;
    }

    /// <summary>Learnable bars: one of <see cref="Patterns"/> with random pitches 60..71.</summary>
    internal static Tensor PatternBars(long n, int seed)
    {
        var random = new Random(seed);
        var data = new long[n * 24];
        for (int i = 0; i < n; i++)
        {
            var bar = Bar(Patterns[random.Next(Patterns.Length)], Enumerable.Range(0, 8).Select(_ => 60 + random.Next(12)).ToArray());
            for (int j = 0; j < 24; j++) data[i * 24 + j] = bar[j];
        }
        return Tensor.From(data, n, 24);
    }

    private static Tensor Bars(params int[][] bars) => Tensor.From(bars.SelectMany(b => b.Select(t => (long)t)).ToArray(), bars.Length, 24);

    [Fact]
    public void IsRegisteredWithTheReferenceDefaults()
    {
        var entry = ModelRegistry.Get("sketchvae");
        Assert.Equal(typeof(SketchVaeModel), entry.ModelType);
        Assert.Contains("SketchVAE", entry.Description, StringComparison.Ordinal);
        var config = (SketchVaeConfig)ModelRegistry.DefaultConfig("sketchvae");
        Assert.Equal([24L], config.InputShape);
        Assert.Equal(4, config.Beats);
        Assert.Equal(130, config.Vocabulary);
        Assert.Equal(256, config.LatentDim);
        Assert.Equal(128, config.PitchLatentDim);
        Assert.Equal(128, config.RhythmLatentDim);
        Assert.Equal(0.1 * 24 / 128, config.MaxBeta, 12);
        Assert.Equal("inverse_sigmoid", config.SamplingSchedule);
        Assert.Equal(4000, config.SamplingRate);
        Assert.Empty(config.Validate());
        var json = ModelRegistry.ToJson(config with { PitchLatentDim = 100 });
        Assert.DoesNotContain("rhythm_latent_dim", json, StringComparison.Ordinal);   // derived, not a setting
        var back = (SketchVaeConfig)ModelRegistry.FromJson(json);
        Assert.Equal(100, back.PitchLatentDim);
        Assert.Equal(156, back.RhythmLatentDim);
        Assert.Equal(0.2, back.Dropout);
    }

    [Fact]
    public void ConfigRefusesWhatDoesNotFit()
    {
        var config = (SketchVaeConfig)ModelRegistry.DefaultConfig("sketchvae");
        Assert.Contains((config with { InputShape = [32] }).Validate(), p => p.StartsWith("input_shape must be [24]", StringComparison.Ordinal));
        Assert.Contains((config with { PitchLatentDim = 256 }).Validate(), p => p.StartsWith("pitch_latent_dim must be", StringComparison.Ordinal));
        Assert.Contains((config with { PitchLatentDim = 0 }).Validate(), p => p.StartsWith("pitch_latent_dim must be", StringComparison.Ordinal));
        Assert.Contains((config with { TicksPerBeat = 5 }).Validate(), p => p.StartsWith("ticks_per_beat must divide", StringComparison.Ordinal));
        Assert.Contains((config with { Dropout = 1 }).Validate(), p => p.StartsWith("dropout must be in", StringComparison.Ordinal));
        Assert.Contains((config with { Recon = "mse" }).Validate(), p => p.Contains("130-way categorical", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => ModelRegistry.Create(Tiny() with { InputShape = [32] }));
        Assert.Throws<ArgumentException>(() => ModelRegistry.Create(Tiny() with { PitchLatentDim = 8 }));
    }

    [Fact]
    public void DefaultConfigBuildsAndRuns()
    {
        using var scope = Torch.NewScope();
        ModelTheory.DefaultConfigBuildsAndRuns<SketchVaeModel>("sketchvae", RandomBars(2, 1), 256, m => ModelTheory.AssertValidBars(m.Generate(2), 2));
    }

    [Fact]
    public void ForwardShapesAndInputs()
    {
        using var scope = Torch.NewScope();
        using var model = (SketchVaeModel)ModelRegistry.Create(Tiny());
        var x = RandomBars(6, 2);
        using (Torch.NoGrad())
        {
            var z = model.Encode(x);
            Assert.Equal([6L, 8], z.Shape);
            Assert.True(model.Encode(x.To(DType.Float32)).Equal(z));
            var (zp, zr) = model.EncodeParts(x);
            Assert.Equal([6L, 4], zp.Shape);
            Assert.Equal([6L, 4], zr.Shape);
            Assert.True(Torch.Cat([zp, zr], 1).Equal(z));
            var decoded = model.Decode(z);
            Assert.Equal(DType.Float32, decoded.DType);
            ModelTheory.AssertValidBars(decoded, 6);
            Assert.Equal(DType.Int64, model.DecodeTokens(z).DType);
            Assert.Equal([6L, 24], model.Call(x).Shape);
            Assert.Equal([6L, 4, 16], model.BeatOutputs(z).Shape);
            Assert.Equal([6L, 24, V], model.TeacherForcedLogits(z, x).Shape);
            ModelTheory.AssertValidBars(model.Sample(5), 5);
            var (mu, sigma) = model.Posterior(x);
            Assert.True(sigma.Gt(0.0).All().Item() == 1);
            Assert.Equal([6L, 8], sigma.Shape);
            Assert.True(mu.Equal(z));
        }
    }

    [Fact]
    public void SplitBarsIsInpaintGridSplitBatched()
    {
        using var scope = Torch.NewScope();
        using var model = (SketchVaeModel)ModelRegistry.Create(Tiny());
        var x = Torch.Cat([RandomBars(6, 3), PatternBars(4, 3), Torch.Full([1, 24], (double)InpaintTokens.Rest).To(DType.Int64)], 0);
        var (pitches, rhythm) = model.SplitBars(x);
        var tokens = x.ToArray<long>();
        var p = pitches.ToArray<long>();
        var r = rhythm.ToArray<long>();
        for (int i = 0; i < 11; i++)
        {
            var (ep, er) = InpaintGrid.Split(tokens.AsSpan(i * 24, 24).ToArray().Select(t => (int)t).ToArray());
            Assert.Equal(ep.Select(v => (long)v), p.Skip(i * 24).Take(24));
            Assert.Equal(er.Select(v => (long)v), r.Skip(i * 24).Take(24));
        }
    }

    [Fact]
    public void PitchEncoderSeesOnlyEachBarsOwnPitches()
    {
        // Rows of different lengths encoded together equal each row encoded alone (the per-length runs leave padding out),
        // and a bar's pitch code is that of its pitches run through the GRU without any padding.
        using var scope = Torch.NewScope();
        using var model = (SketchVaeModel)ModelRegistry.Create(Tiny());
        var x = Torch.Cat([RandomBars(3, 4), PatternBars(5, 4), Torch.Full([1, 24], (double)InpaintTokens.Hold).To(DType.Int64)], 0);
        var (pitches, _) = model.SplitBars(x);
        using (Torch.NoGrad())
        {
            var all = model.EncodePitches(pitches);
            for (int i = 0; i < 9; i++)
                Assert.True(model.EncodePitches(pitches.Narrow(0, i, 1)).AllClose(all.Narrow(0, i, 1), 1e-5, 1e-6), $"row {i}");
            var (_, lengths) = model.PitchSequences(pitches.Narrow(0, 3, 1));
            int n = (int)lengths[0];
            var (_, h) = model.PitchEncoder.Call(model.PitchEmbedding.Call(pitches.Narrow(0, 3, 1).Narrow(1, 0, n)));
            var direct = model.PitchMu.Call(h.Transpose(0, 1).Contiguous().Reshape(1, -1));
            Assert.True(direct.AllClose(all.Narrow(0, 3, 1), 1e-5, 1e-6));
        }
    }

    [Fact]
    public void RhythmCodeDependsOnlyOnTheRhythmAndPitchCodeOnlyOnThePitches()
    {
        using var scope = Torch.NewScope();
        using var model = (SketchVaeModel)ModelRegistry.Create(Tiny());
        int[] low = [60, 62, 64, 65, 67, 69, 71, 72], high = [72, 50, 81, 40, 66, 90, 30, 55];
        var x = Bars(Bar(Patterns[1], low), Bar(Patterns[1], high), Bar(Patterns[0], low), Bar(Patterns[3], low.Take(4).ToArray()));
        using (Torch.NoGrad())
        {
            var (zp, zr) = model.EncodeParts(x);
            Assert.True(zr.Select(0, 0).Equal(zr.Select(0, 1)));        // same rhythm, other pitches: the same z_rhythm exactly
            Assert.False(zp.Select(0, 0).Equal(zp.Select(0, 1)));
            Assert.True(zp.Select(0, 2).Equal(zp.Select(0, 3)));        // same 4 first pitches as 4 onsets: the same z_pitch
            Assert.False(zr.Select(0, 2).Equal(zr.Select(0, 3)));
            var (pitches, rhythm) = model.SplitBars(x);
            Assert.True(model.EncodeRhythm(rhythm).Equal(zr));           // a rhythm sketch alone gives the same half
            Assert.True(model.EncodePitches(pitches).Equal(zp));
            // Swapping z_rhythm changes what the decoder is given: its logits move.
            var swapped = Torch.Cat([zp.Narrow(0, 0, 1), zr.Narrow(0, 3, 1)], 1);
            var own = Torch.Cat([zp.Narrow(0, 0, 1), zr.Narrow(0, 0, 1)], 1);
            Assert.False(model.TeacherForcedLogits(swapped, x.Narrow(0, 0, 1)).AllClose(model.TeacherForcedLogits(own, x.Narrow(0, 0, 1)), 1e-6, 1e-7));
        }
    }

    [Fact]
    public void WrongShapesAndTokenIdsAreRefusedByName()
    {
        using var scope = Torch.NewScope();
        using var model = (SketchVaeModel)ModelRegistry.Create(Tiny());
        var shape = Assert.Throws<ArgumentException>(() => model.Encode(RandomBars(2, 3).Narrow(1, 0, 16)));
        Assert.Contains("expects bars [batch, 24]", shape.Message, StringComparison.Ordinal);
        var high = Assert.Throws<ArgumentException>(() => model.Encode(Torch.Full([2, 24], 130.0)));
        Assert.Contains("token ids from 130 to 130", high.Message, StringComparison.Ordinal);
        Assert.Contains("tokens 0..129", high.Message, StringComparison.Ordinal);
        Assert.Contains("from -1", Assert.Throws<ArgumentException>(() => model.Encode(Torch.Full([2, 24], -1.0))).Message, StringComparison.Ordinal);
        Assert.Contains("non-integral", Assert.Throws<ArgumentException>(() => model.Encode(Torch.Full([2, 24], 0.5))).Message, StringComparison.Ordinal);
        Assert.Contains("latent_dim", Assert.Throws<ArgumentException>(() => model.DecodeTokens(Torch.Zeros(2, 9))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => model.TeacherForcedLogits(Torch.Zeros(3, 8), RandomBars(2, 4)));
        var rhythm = Assert.Throws<ArgumentException>(() => model.EncodeRhythm(Torch.Full([1, 24], 3.0)));
        Assert.Equal("rhythm", rhythm.ParamName);
        Assert.Contains("tokens 0..2", rhythm.Message, StringComparison.Ordinal);
        Assert.Contains("expects rhythms [batch, 24]", Assert.Throws<ArgumentException>(() => model.EncodeRhythm(Torch.Zeros(1, 12))).Message, StringComparison.Ordinal);
        var pitchPad = new long[24];
        Array.Fill(pitchPad, InpaintGrid.PitchPad);
        pitchPad[0] = 60;
        pitchPad[5] = 62;   // a pitch after the padding began
        var gap = Assert.Throws<ArgumentException>(() => model.EncodePitches(Tensor.From(pitchPad, 1, 24)));
        Assert.Equal("pitches", gap.ParamName);
        Assert.Contains("after the padding", gap.Message, StringComparison.Ordinal);
        Assert.Contains("0..128", Assert.Throws<ArgumentException>(() => model.EncodePitches(Torch.Full([1, 24], 129.0))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LossTermsAreFiniteAndAddUp()
    {
        using var scope = Torch.NewScope();
        using var model = (SketchVaeModel)ModelRegistry.Create(Tiny());
        var x = RandomBars(8, 4).To(DType.Float32);
        var loss = model.EvaluationLoss(x);
        var values = loss.Values();
        Assert.Equal(["accuracy", "kl", "kl_cost", "kl_pitch", "kl_rhythm", "recon"], loss.Terms.Keys.Order().ToArray());
        foreach (var (k, v) in values) Assert.True(double.IsFinite(v), $"{k} = {v}");
        double sum = loss.Terms.Sum(t => loss.Weights[t.Key] * t.Value.Item());
        Assert.Equal(sum, values["loss"], 1e-3 * Math.Max(1, Math.Abs(sum)));
        Assert.InRange(values["recon"], 0.7 * 24 * Math.Log(V), 1.3 * 24 * Math.Log(V));
        Assert.Equal(0.01875, loss.Weights["kl_cost"], 12);
        Assert.Equal(values["kl"], values["kl_cost"], 4);                            // no free bits
        Assert.Equal(values["kl"], values["kl_pitch"] + values["kl_rhythm"], 4);     // KLD1 + KLD2
    }

    [Fact]
    public void TrainingTicksAreTeacherForcedByAScheduledCoin()
    {
        using var scope = Torch.NewScope();
        using var noise = new Generator(5);
        var x = RandomBars(4, 8);
        double Recon(SketchVaeModel m, bool training)
        {
            using var s = Torch.NewScope();
            noise.ManualSeed(1);
            m.Train(training);
            using (Torch.NoGrad()) return m.Loss(x, new TrainingProgress(0, 5, 10, 1)).Values()["recon"];
        }
        using var teacher = (SketchVaeModel)ModelRegistry.Create(Tiny() with { SamplingSchedule = "constant", SamplingRate = 0 });
        teacher.NoiseGenerator = noise;
        Assert.Equal(Recon(teacher, false), Recon(teacher, true), 4);
        using var free = (SketchVaeModel)ModelRegistry.Create(Tiny() with { SamplingSchedule = "constant", SamplingRate = 1 });
        free.NoiseGenerator = noise;
        Assert.NotEqual(Recon(free, false), Recon(free, true));
        using var reference = (SketchVaeModel)ModelRegistry.Create(Tiny());
        Assert.Equal(4000.0 / 4001.0, reference.TeacherForcingProbability(new TrainingProgress(0, 0, 10, 1)), 12);
        Assert.Equal(0.5, reference.TeacherForcingProbability(new TrainingProgress(0, (long)Math.Round(4000 * Math.Log(4000)), 10, 1)), 3);
    }

    [Fact]
    public void FreeRunningAgreesWithTheBatchedTeacherForcedDecoder()
    {
        using var scope = Torch.NewScope();
        using var model = (SketchVaeModel)ModelRegistry.Create(Tiny());
        model.Eval();
        using var g = new Generator(3);
        using (Torch.NoGrad())
        {
            var z = model.SamplePrior(5, g) * 3.0;
            var greedy = model.DecodeTokens(z);
            Assert.True(model.TeacherForcedLogits(z, greedy).Argmax(-1).Equal(greedy));
        }
    }

    [Fact]
    public void SaveThenLoadGivesTheSameLossAndBars()
    {
        using var scope = Torch.NewScope();
        using var model = (SketchVaeModel)ModelRegistry.Create(Tiny());
        using var other = (SketchVaeModel)ModelRegistry.Create(Tiny());
        using var noise = new Generator(7);
        var x = RandomBars(4, 5);
        ModelTheory.SaveLoadRoundTrip(model, other, x, noise, (a, b) =>
        {
            var z = a.Encode(x);
            Assert.True(b.Encode(x).Equal(z));
            Assert.True(b.DecodeTokens(z).Equal(a.DecodeTokens(z)));
        });
    }

    [Fact]
    public void GenerationGivesValidBarsGreedyOrSampled()
    {
        using var model = (SketchVaeModel)ModelRegistry.Create(Tiny());
        ModelTheory.GenerationGivesValidBarsGreedyOrSampled(model, model.Generate, model.DecodeTokens);
    }

    [Fact]
    public void TrainsOneEpochThroughTheTrainer()
    {
        var saved = Assert.IsType<SketchVaeConfig>(ModelTheory.TrainsOneEpochThroughTheTrainer("sketchvae",
            new ModelTheory.BarsSource((n, seed) => PatternBars(n, (int)seed)), ("pitch_latent_dim", 4)));
        Assert.Equal(4, saved.PitchLatentDim);
    }
}

/// <summary>SketchVAE's training steps, evaluation and generation in a dispose scope leave no live tensors behind.</summary>
[Collection(MusicProcessWideState.Name)]
public class SketchVaeLeakTests
{
    static SketchVaeLeakTests() => MusicModels.Register();

    [Fact]
    public void ScopedStepsLeaveNoLiveTensors()
    {
        var config = SketchVaeTests.Tiny() with { EncoderLayers = 2, DecoderLayers = 2, EncoderSize = 8, DecoderSize = 8 };
        using var model = (SketchVaeModel)ModelRegistry.Create(config);
        using var x = SketchVaeTests.PatternBars(6, 1);
        // Both coin sides occur per tick as the schedule decays over the steps; EncodeParts runs too.
        ModelTheory.ScopedStepsLeaveNoLiveTensors(model, x, i => new TrainingProgress(0, i * 20000, 10, 1), 4, t =>
        {
            model.EncodeParts(t);
            model.Generate(2, temperature: 0.7);
        });
    }
}

/// <summary>SketchVAE training from seeded initial weights (the process-wide generator: run alone).</summary>
[Collection(MusicProcessWideState.Name)]
public class SketchVaeSeededTests
{
    static SketchVaeSeededTests() => MusicModels.Register();

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    public void AFewTrainingStepsLowerTheLossAndZRhythmCarriesTheRhythm(ulong seed)
    {
        using var scope = Torch.NewScope();
        Torch.ManualSeed(seed);
        using var model = (SketchVaeModel)ModelRegistry.Create(SketchVaeTests.Tiny() with { DecoderSize = 32, EncoderSize = 32 });
        using var noise = new Generator(11);
        var x = SketchVaeTests.PatternBars(32, 6);
        var (before, after) = ModelTheory.TrainSteps(model, x, noise, 200, 1e-2);
        Assert.True(after < before - 20.0, $"seed {seed}: loss {before} -> {after}");
        // Swapping z_rhythm between bars of different rhythms: the decoded bar takes the rhythm of its z_rhythm.
        model.Eval();
        using (Torch.NoGrad())
        {
            int[] pitches = [60, 64, 67, 72, 71, 69, 65, 62];
            var bars = Tensor.From(SketchVaeTests.Patterns.SelectMany(p => SketchVaeTests.Bar(p, pitches)).Select(t => (long)t).ToArray(), 4, 24);
            var (zp, zr) = model.EncodeParts(bars);
            var (_, ownRhythm) = model.SplitBars(bars);
            int agree = 0, total = 0;
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 4; b++)
                {
                    if (a == b) continue;
                    var z = Torch.Cat([zp.Narrow(0, a, 1), zr.Narrow(0, b, 1)], 1);
                    var (_, rhythm) = model.SplitBars(model.DecodeTokens(z));
                    agree += rhythm.Eq(ownRhythm.Narrow(0, b, 1)).To(DType.Int64).Sum().Item() > 22 ? 1 : 0;
                    total++;
                }
            Assert.True(agree >= total * 3 / 4, $"seed {seed}: {agree} of {total} swapped bars took the rhythm of their z_rhythm");
        }
    }
}
