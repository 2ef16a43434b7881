namespace LatentSynth.Data.Tests;

/// <summary>BatchSampler: sizes, determinism, and resuming from a saved state.</summary>
public class BatchSamplerTests
{
    private static List<long[]> Epoch(BatchSampler s) => s.Epoch().Select(b => b.ToArray<long>()).ToList();

    [Fact]
    public void BatchesCoverEveryIndexOncePerEpoch()
    {
        using var s = new BatchSampler(10, 4, shuffle: true, seed: 3);
        Assert.Equal(3, s.BatchesPerEpoch);
        var batches = Epoch(s);
        Assert.Equal([4, 4, 2], batches.Select(b => b.Length));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), batches.SelectMany(b => b).Order());

        using var drop = new BatchSampler(10, 4, shuffle: true, seed: 3, dropLast: true);
        Assert.Equal(2, drop.BatchesPerEpoch);
        Assert.Equal([4, 4], Epoch(drop).Select(b => b.Length));

        using var plain = new BatchSampler(5, 2, shuffle: false, seed: 0);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, Epoch(plain).SelectMany(b => b));
    }

    [Fact]
    public void SameSeedSameBatchesAndEpochsDiffer()
    {
        using var a = new BatchSampler(100, 16, shuffle: true, seed: 42);
        using var b = new BatchSampler(100, 16, shuffle: true, seed: 42);
        var a1 = Epoch(a);
        Assert.Equal(a1, Epoch(b));
        var a2 = Epoch(a);
        Assert.NotEqual(a1.SelectMany(x => x), a2.SelectMany(x => x));
        using var c = new BatchSampler(100, 16, shuffle: true, seed: 43);
        Assert.NotEqual(a1.SelectMany(x => x), Epoch(c).SelectMany(x => x));
    }

    [Fact]
    public void RestoredStateGivesTheSameBatchesAsAnUninterruptedRun()
    {
        using var run = new BatchSampler(50, 8, shuffle: true, seed: 7);
        Epoch(run);
        var state = run.GetState();
        var second = Epoch(run);
        var third = Epoch(run);

        // A "resumed" sampler built with another seed, then restored, continues identically.
        using var resumed = new BatchSampler(50, 8, shuffle: true, seed: 999);
        resumed.SetState(state);
        Assert.Equal(second, Epoch(resumed));
        Assert.Equal(third, Epoch(resumed));
    }

    [Fact]
    public void InvalidArgumentsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchSampler(0, 4, true, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchSampler(10, 0, true, 0));
    }

    [Theory]
    [InlineData(10, 2, 2)]
    [InlineData(11, 2, 2)]
    [InlineData(64, 8, 3)]
    [InlineData(100, 7, 4)]
    public void RanksTogetherSeeTheBatchesOfOneProcessWithTheGlobalBatch(long count, int batch, int world)
    {
        using var single = new BatchSampler(count, batch * world, shuffle: true, seed: 5);
        var expected = Epoch(single);
        var ranks = Enumerable.Range(0, world).Select(r => new BatchSampler(count, batch, shuffle: true, seed: 5, rank: r, worldSize: world)).ToList();
        try
        {
            var shares = ranks.Select(Epoch).ToList();
            // A last global batch smaller than the world is dropped; otherwise every batch is split.
            long rest = count % (batch * world);
            int dropped = rest > 0 && rest < world ? 1 : 0;
            Assert.All(ranks, r => Assert.Equal(expected.Count - dropped, r.BatchesPerEpoch));
            for (int b = 0; b < expected.Count - dropped; b++)
            {
                var union = shares.SelectMany(s => s[b]).Order().ToArray();
                Assert.Equal(expected[b].Order().ToArray(), union);
                Assert.All(shares, s => Assert.InRange(s[b].Length, expected[b].Length / world, (expected[b].Length + world - 1) / world));
                // The shares' weights average to 1 and are proportional to the examples each rank holds.
                Assert.Equal(world, ranks.Sum(r => r.Share(b)), 9);
                for (int r = 0; r < world; r++)
                    Assert.Equal((double)shares[r][b].Length * world / expected[b].Length, ranks[r].Share(b), 12);
            }
        }
        finally
        {
            foreach (var r in ranks) r.Dispose();
        }
    }

    [Fact]
    public void RankOutsideTheWorldIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchSampler(10, 2, true, 0, rank: 2, worldSize: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchSampler(10, 2, true, 0, rank: -1, worldSize: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchSampler(10, 2, true, 0, rank: 0, worldSize: 0));
        using var tiny = new BatchSampler(1, 4, true, 0, rank: 1, worldSize: 2);
        Assert.Equal(0, tiny.BatchesPerEpoch);
    }
}
