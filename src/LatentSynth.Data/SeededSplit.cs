namespace LatentSynth.Data;

/// <summary>
/// Portable seeded permutations and train/test splits. The generator is SplitMix64 (Steele, Lea
/// and Flood 2014) driving a Fisher–Yates shuffle, written out here so that a split depends only on
/// its seed and size: not on the .NET runtime's <see cref="Random"/> or on libtorch's generators.
/// </summary>
public static class SeededSplit
{
    /// <summary>
    /// A permutation of <c>0..n-1</c> drawn from <paramref name="seed"/>: for i = n-1 down to 1,
    /// swap position i with position j = (next SplitMix64 output) mod (i + 1), starting from the
    /// identity. (The modulo bias is below 2^-40 for any n that fits in memory.)
    /// </summary>
    public static int[] Permutation(int n, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        ulong state = seed;
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)(SplitMix64(ref state) % (ulong)(i + 1));
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }

    /// <summary>
    /// Splits <c>0..n-1</c>: the first <paramref name="testCount"/> indices of
    /// <see cref="Permutation"/>(n, seed) are the test set, the rest the training set; both keep
    /// the permuted order (so the first examples of either are a mixed sample, not one class).
    /// </summary>
    public static (int[] Train, int[] Test) Random(int n, int testCount, ulong seed)
    {
        if (testCount < 0 || testCount > n) throw new ArgumentOutOfRangeException(nameof(testCount), testCount, $"must be within 0..{n}");
        var p = Permutation(n, seed);
        return (p[testCount..], p[..testCount]);
    }

    /// <summary>
    /// A stratified split: walking <see cref="Permutation"/>(labels.Length, seed), an index goes to
    /// the test set while its class has fewer than round(classCount × <paramref name="testFraction"/>)
    /// test examples (midpoints away from zero), otherwise to the training set. Every class keeps
    /// the same proportion in both sets; both sets keep the permuted order.
    /// </summary>
    public static (int[] Train, int[] Test) Stratified(ReadOnlySpan<long> labels, double testFraction, ulong seed)
    {
        if (!(testFraction >= 0 && testFraction <= 1)) throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "must be within [0, 1]");
        var perClass = new Dictionary<long, int>();
        foreach (var l in labels) perClass[l] = perClass.GetValueOrDefault(l) + 1;
        var quota = perClass.ToDictionary(kv => kv.Key, kv => (int)Math.Round(kv.Value * testFraction, MidpointRounding.AwayFromZero));
        var p = Permutation(labels.Length, seed);
        var train = new List<int>(labels.Length);
        var test = new List<int>();
        foreach (var i in p)
        {
            var l = labels[i];
            if (quota[l] > 0) { quota[l]--; test.Add(i); }
            else train.Add(i);
        }
        return (train.ToArray(), test.ToArray());
    }

    /// <summary>One step of SplitMix64: advances <paramref name="state"/> and returns the mixed output.</summary>
    public static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
