using LatentSynth.Models;
using LatentSynth.Music.Evaluation;
using LatentSynth.Music.Models;
using LatentSynth.Torch;

namespace LatentSynth.Music.Tests.Evaluation;

using Torch = LatentSynth.Torch.Torch;

public class MelodyInterpolationTests
{
    static MelodyInterpolationTests() => MusicModels.Register();

    private const int T = 32;

    /// <summary>A tiny untrained flat MusicVAE of 2 bars (z of 8, 1×16 LSTMs), seeded.</summary>
    private static MelodyVaeModel TinyModel()
    {
        Torch.ManualSeed(3);
        var config = (MusicVaeConfig)ModelRegistry.DefaultConfig("musicvae") with
        { InputShape = [T], LatentDim = 8, EncoderSize = 16, EncoderLayers = 1, DecoderSize = 16, DecoderLayers = 1 };
        var model = (MelodyVaeModel)ModelRegistry.Create(config);
        model.Eval();
        return model;
    }

    private static int[][] Windows(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, T).Select(_ => random.Next(MelodyTokens.Count)).ToArray()).ToArray();
    }

    private static int[] Greedy(MelodyVaeModel model, int[] melody)
    {
        using var scope = Torch.NewScope();
        var mu = model.Encode(Tensor.From(melody.Select(t => (long)t).ToArray(), 1, melody.Length));
        return model.DecodeTokens(mu).ToArray<long>().Select(v => (int)v).ToArray();
    }

    [Fact]
    public void DataSpaceRunsFromAToBTakingEachTokenFromOneOfThem()
    {
        var w = Windows(2, 1);
        int[] a = w[0], b = w[1];
        var points = MelodyInterpolation.DataSpace(a, b, 9, seed: 5);
        Assert.Equal(9, points.Length);
        Assert.Equal(a, points[0]);
        Assert.Equal(b, points[^1]);
        foreach (var p in points)
        {
            Assert.Equal(T, p.Length);
            for (int i = 0; i < T; i++) Assert.True(p[i] == a[i] || p[i] == b[i], $"step {i}: {p[i]} is neither {a[i]} nor {b[i]}");
        }
        // The middle points mix both (random tokens differ at almost every step).
        Assert.NotEqual(a, points[4]);
        Assert.NotEqual(b, points[4]);
        Assert.Equal(points, MelodyInterpolation.DataSpace(a, b, 9, seed: 5));
        Assert.NotEqual(points, MelodyInterpolation.DataSpace(a, b, 9, seed: 6));
        Assert.Throws<ArgumentOutOfRangeException>(() => MelodyInterpolation.DataSpace(a, b, 1, 0));
        Assert.Throws<ArgumentException>(() => MelodyInterpolation.DataSpace(a, b[..5], 3, 0));
    }

    [Fact]
    public void LatentEndsAreTheGreedyReconstructions()
    {
        using var model = TinyModel();
        var w = Windows(2, 2);
        var points = MelodyInterpolation.Latent(model, w[0], w[1], 5);
        Assert.Equal(5, points.Length);
        Assert.All(points, p =>
        {
            Assert.Equal(T, p.Length);
            Assert.All(p, t => Assert.InRange(t, 0, MelodyTokens.Count - 1));
        });
        Assert.Equal(Greedy(model, w[0]), points[0]);
        Assert.Equal(Greedy(model, w[1]), points[^1]);
        var linear = MelodyInterpolation.Latent(model, w[0], w[1], 5, spherical: false);
        Assert.Equal(points[0], linear[0]);
        Assert.Equal(points[^1], linear[^1]);
        Assert.Throws<ArgumentException>(() => MelodyInterpolation.Latent(model, w[0][..16], w[1][..16], 5));
    }

    [Fact]
    public void HammingIsTheShareOfDifferingSteps()
    {
        Assert.Equal(0.25, MelodyInterpolation.Hamming([1, 2, 3, 4], [1, 2, 3, 5]));
        Assert.Equal(0, MelodyInterpolation.Hamming([], []));
        Assert.Throws<ArgumentException>(() => MelodyInterpolation.Hamming([1], [1, 2]));
        Assert.Equal([0.0, 0.5, 1.0], MelodyInterpolation.Alphas(3));
    }

    [Fact]
    public void SilenceIsNotPlausibleThoughTheNgramLikesIt()
    {
        // Real-looking windows: a note-on every 4th step, "no event" between.
        var random = new Random(5);
        int[][] real = Enumerable.Range(0, 30).Select(_ => Enumerable.Range(0, T)
            .Select(s => s % 4 == 0 ? MelodyTokens.FirstPitch + 40 + random.Next(8) : MelodyTokens.NoEvent).ToArray()).ToArray();
        var judge = MelodyNgram.Fit(real);
        var silent = new int[T];
        double threshold = real.Min(w => judge.LogProbPerStep(w));
        Assert.True(judge.LogProbPerStep(silent) > threshold, "the n-gram alone rates a silent window above every real one");
        int min = real.Min(MelodyInterpolation.NoteOns), max = real.Max(MelodyInterpolation.NoteOns);
        Assert.False(MelodyInterpolation.IsPlausible(silent, judge, threshold, min, max));
        Assert.True(MelodyInterpolation.IsPlausible(real[0], judge, threshold, min, max));
        Assert.Equal(T / 4, MelodyInterpolation.NoteOns(real[0]));
    }

    [Fact]
    public void StudyAggregatesBothInterpolations()
    {
        using var model = TinyModel();
        var test = Windows(12, 3);
        var judge = MelodyNgram.Fit(Windows(40, 4));
        const int pairs = 20, steps = 6;
        var study = MelodyInterpolation.Run(model, test, judge, pairs, steps, seed: 11);
        Assert.Equal(MelodyInterpolation.Alphas(steps), study.Alphas);
        double[][] perAlpha = [study.LatentHammingToA, study.LatentHammingToAStd, study.LatentHammingToB, study.LatentHammingToBStd,
            study.DataHammingToA, study.DataHammingToAStd, study.DataHammingToB, study.DataHammingToBStd,
            study.LatentPlausible, study.DataPlausible, study.LatentScore, study.DataScore];
        Assert.All(perAlpha, a => Assert.Equal(steps, a.Length));
        Assert.All(study.LatentPlausible.Concat(study.DataPlausible), f => Assert.InRange(f, 0, 1));
        Assert.All(study.LatentHammingToA.Concat(study.DataHammingToB), h => Assert.InRange(h, 0, 1));
        Assert.Equal(pairs, study.Pairs);

        // Data space: 0 to A at α = 0, 0 to B at α = 1, and the mean distance to A grows with α (≈ α·d(A, B)).
        Assert.Equal(0, study.DataHammingToA[0]);
        Assert.Equal(0, study.DataHammingToAStd[0]);
        Assert.Equal(0, study.DataHammingToB[^1]);
        for (int k = 1; k < steps; k++) Assert.True(study.DataHammingToA[k] >= study.DataHammingToA[k - 1] - 0.05, $"α index {k}");
        Assert.True(study.DataHammingToA[^1] > 0.9); // random windows differ at ~89/90 of the steps
        // At the ends the data-space interpolants are real test windows, so they score like them.
        var threshold = test.Select(w => judge.LogProbPerStep(w)).Order().First(); // q = 0.05 of 12 → the lowest
        Assert.Equal(threshold, study.Threshold);
        Assert.Equal(1.0, study.DataPlausible[0]);
        Assert.Equal(1.0, study.DataPlausible[^1]);
        // The note-count bounds are the extreme counts of 12 windows at q = 0.05 (indices 0 and 11).
        Assert.Equal(test.Min(MelodyInterpolation.NoteOns), study.MinNotes);
        Assert.Equal(test.Max(MelodyInterpolation.NoteOns), study.MaxNotes);

        // The example pair: its interpolants, both ends in the test set.
        Assert.NotEqual(study.ExampleIndexA, study.ExampleIndexB);
        Assert.Equal(test[study.ExampleIndexA], study.ExampleA);
        Assert.Equal(test[study.ExampleIndexB], study.ExampleB);
        Assert.Equal(study.ExampleA, study.ExampleData[0]);
        Assert.Equal(study.ExampleB, study.ExampleData[^1]);
        Assert.Equal(MelodyInterpolation.Latent(model, study.ExampleA, study.ExampleB, steps), study.ExampleLatent);

        // Deterministic given the seed.
        var again = MelodyInterpolation.Run(model, test, judge, pairs, steps, seed: 11);
        Assert.Equal(study.DataHammingToA, again.DataHammingToA);
        Assert.Equal(study.LatentHammingToB, again.LatentHammingToB);
        Assert.Equal(study.ExampleData, again.ExampleData);
        Assert.Equal(study.ToMarkdown(), again.ToMarkdown());

        var md = study.ToMarkdown();
        Assert.Contains("| α |", md);
        Assert.Equal(steps + 2, md.Split('\n').Count(l => l.StartsWith('|')));
    }

    [Fact]
    public void StudyRefusesBadArguments()
    {
        using var model = TinyModel();
        var test = Windows(4, 3);
        var judge = MelodyNgram.Fit(test);
        Assert.Throws<ArgumentException>(() => MelodyInterpolation.Run(model, test[..1], judge, 1, 3, 0));
        Assert.Contains("between 1 and 6", Assert.Throws<ArgumentException>(() => MelodyInterpolation.Run(model, test, judge, 7, 3, 0)).Message);
        Assert.Throws<ArgumentException>(() => MelodyInterpolation.Run(model, test, judge, 0, 3, 0));
        Assert.Throws<ArgumentException>(() => MelodyInterpolation.Run(model, test, judge, 2, 1, 0));
        Assert.Throws<ArgumentException>(() => MelodyInterpolation.Run(model, test, judge, 2, 3, 0, plausibleQuantile: 1));
        Assert.Throws<ArgumentException>(() => MelodyInterpolation.Run(model, [test[0], test[1][..16]], judge, 1, 3, 0));
        // All 6 pairs of 4 windows are distinct.
        var all = MelodyInterpolation.Run(model, test, judge, 6, 2, 0);
        Assert.Equal(6, all.Pairs);
    }
}
