using LatentSynth.Music.Evaluation;

namespace LatentSynth.Music.Tests.Evaluation;

public class MelodyNgramTests
{
    private static int[] RandomMelody(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => random.Next(MelodyTokens.Count)).ToArray();

    /// <summary>A held C major arpeggio of 32 steps: note-on, hold, hold, note-off, ….</summary>
    private static readonly int[] Tune = Enumerable.Range(0, 8)
        .SelectMany(i => new[] { MelodyTokens.NoteOn(60 + (i % 4) * 4 % 12), MelodyTokens.NoEvent, MelodyTokens.NoEvent, MelodyTokens.NoteOff })
        .ToArray();

    private static MelodyNgram FitOnTune(int order = 3, double k = 0.1)
    {
        var random = new Random(1);
        var training = Enumerable.Repeat(Tune, 20).Concat(Enumerable.Range(0, 5).Select(_ => RandomMelody(random, 32)));
        return MelodyNgram.Fit(training, order, k);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void ProbabilitiesOfEachContextSumToOne(int order)
    {
        var model = FitOnTune(order);
        Assert.Equal(order, model.Order);
        Assert.Equal(0.1, model.K);
        // Seen contexts (inside the tune and at its start), an unseen one, and a context longer than the order.
        int[][] contexts = [[], Tune[..1], Tune[..2], Tune[..7], [89, 88, 87], Tune];
        foreach (var context in contexts)
        {
            double sum = Enumerable.Range(0, MelodyTokens.Count).Sum(t => model.Probability(context, t));
            Assert.Equal(1.0, sum, 10);
        }
    }

    [Fact]
    public void AddKGivesTheCountedProbability()
    {
        // One melody "2 2 2": with order 2, context "2" is followed by "2" twice.
        var model = MelodyNgram.Fit([[2, 2, 2]], order: 2, k: 0.5);
        Assert.Equal((2 + 0.5) / (2 + 0.5 * MelodyTokens.Count), model.Probability([2], 2), 12);
        Assert.Equal(0.5 / (2 + 0.5 * MelodyTokens.Count), model.Probability([2], 3), 12);
        // The first step is conditioned on the start symbol: seen once, followed by 2.
        Assert.Equal((1 + 0.5) / (1 + 0.5 * MelodyTokens.Count), model.Probability([], 2), 12);
        // An unseen context is uniform.
        Assert.Equal(1.0 / MelodyTokens.Count, model.Probability([7], 3), 12);
        double expected = (Math.Log(model.Probability([], 2)) + 2 * Math.Log(model.Probability([2], 2))) / 3;
        Assert.Equal(expected, model.LogProbPerStep([2, 2, 2]), 12);
    }

    [Fact]
    public void AMelodySeenOftenScoresAboveRandomTokens()
    {
        var model = FitOnTune();
        double tune = model.LogProbPerStep(Tune);
        var random = new Random(7);
        for (int i = 0; i < 10; i++)
            Assert.True(tune > model.LogProbPerStep(RandomMelody(random, Tune.Length)) + 1.0);
        Assert.True(tune <= 0);
    }

    [Fact]
    public void BadInputIsRefused()
    {
        Assert.Contains("order", Assert.Throws<ArgumentException>(() => MelodyNgram.Fit([Tune], order: 0)).Message);
        Assert.Contains("order", Assert.Throws<ArgumentException>(() => MelodyNgram.Fit([Tune], order: MelodyNgram.MaxOrder + 1)).Message);
        Assert.Contains("pseudo-count", Assert.Throws<ArgumentException>(() => MelodyNgram.Fit([Tune], k: 0)).Message);
        Assert.Contains("pseudo-count", Assert.Throws<ArgumentException>(() => MelodyNgram.Fit([Tune], k: double.NaN)).Message);
        Assert.Contains("no training melodies", Assert.Throws<ArgumentException>(() => MelodyNgram.Fit([])).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => MelodyNgram.Fit([Tune, []])).Message);
        Assert.Contains("token 90", Assert.Throws<ArgumentException>(() => MelodyNgram.Fit([[1, 90]])).Message);
        Assert.Contains("token -1", Assert.Throws<ArgumentException>(() => MelodyNgram.Fit([[-1]])).Message);
        var model = FitOnTune();
        Assert.Throws<ArgumentException>(() => model.LogProbPerStep([]));
        Assert.Contains("token 95", Assert.Throws<ArgumentException>(() => model.LogProbPerStep([2, 95])).Message);
        Assert.Throws<ArgumentException>(() => model.Probability([2], 90));
        Assert.Throws<ArgumentException>(() => model.Probability([-3], 2));
    }
}
