using LatentSynth.Music.Models;
using LatentSynth.Torch;

namespace LatentSynth.Music.Evaluation;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// Interpolation between two melodies, in the VAE's latent space and in data space, and the study that compares
/// the two (issue 12 §4, after the interpolation experiment of Roberts et al. 2018, §5).
/// </summary>
/// <remarks>
/// <para><b>Definitions.</b> With <c>steps</c> points, point k sits at α_k = k / (steps − 1), from A (α = 0) to B (α = 1).</para>
/// <list type="bullet">
/// <item><b>Latent</b> (<see cref="Latent"/>): z_k on the great circle (slerp) between μ(A) and μ(B), the posterior means,
/// decoded greedily (argmax) by the model. Its end points are the model's reconstructions of A and B, not A and B.</item>
/// <item><b>Data space</b> (<see cref="DataSpace"/>): each step's token is B's with probability α_k, else A's,
/// independently per step. This is a naive token-wise mix: it can put a note-off where no note sounds, or cut a
/// held note into another melody's "no event" steps, which is exactly why it is expected to be implausible.</item>
/// <item><b>Distance</b> (<see cref="Hamming"/>): the share of the T steps whose tokens differ.</item>
/// <item><b>Plausible</b> (<see cref="Run"/>): the interpolant's mean per-step log-probability under a
/// <see cref="MelodyNgram"/> fit on the training windows is at least the <c>plausibleQuantile</c> quantile of the same
/// score over the real test windows, and its count of note-ons lies between the q/2 and 1 − q/2 quantiles of the test
/// windows' counts (the n-gram alone rates a silent melody highly: "no event" is two thirds of all steps). About
/// 1 − 2q of the real test melodies pass both. The judge is independent of the VAE: see <see cref="MelodyNgram"/> for why.</item>
/// </list>
/// </remarks>
public static class MelodyInterpolation
{
    /// <summary>
    /// The point at <paramref name="t"/> ∈ [0, 1] between <paramref name="a"/> and <paramref name="b"/>: on the
    /// straight line, or with <paramref name="spherical"/> on the great circle (slerp, Shoemake 1985, as Magenta's
    /// <c>music_vae_generate._slerp</c>; the straight line when the two are (anti)parallel).
    /// </summary>
    /// <exception cref="ArgumentException">The two codes differ in length.</exception>
    public static float[] Lerp(float[] a, float[] b, double t, bool spherical)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Length != b.Length) throw new ArgumentException($"codes of {a.Length} and {b.Length} dimensions");
        double wa = 1 - t, wb = t;
        if (spherical)
        {
            double na = Math.Sqrt(a.Sum(v => (double)v * v)), nb = Math.Sqrt(b.Sum(v => (double)v * v));
            double cos = na > 0 && nb > 0 ? a.Zip(b).Sum(p => (double)p.First * p.Second) / (na * nb) : 1;
            double omega = Math.Acos(Math.Clamp(cos, -1, 1)), sin = Math.Sin(omega);
            if (sin > 1e-6) { wa = Math.Sin((1 - t) * omega) / sin; wb = Math.Sin(t * omega) / sin; }
        }
        return a.Zip(b).Select(p => (float)(wa * p.First + wb * p.Second)).ToArray();
    }

    /// <summary>The share of positions where <paramref name="a"/> and <paramref name="b"/> differ (Hamming distance / length; 0 for two empty sequences).</summary>
    /// <exception cref="ArgumentException">The two sequences differ in length.</exception>
    public static double Hamming(int[] a, int[] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Length != b.Length) throw new ArgumentException($"sequences of {a.Length} and {b.Length} tokens");
        return a.Length == 0 ? 0 : (double)a.Zip(b).Count(p => p.First != p.Second) / a.Length;
    }

    /// <summary>α_k = k / (steps − 1) for k = 0 … steps − 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 2 steps.</exception>
    public static double[] Alphas(int steps)
    {
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, "an interpolation needs at least 2 steps (the two ends)");
        return Enumerable.Range(0, steps).Select(k => (double)k / (steps - 1)).ToArray();
    }

    /// <summary>
    /// The naive data-space interpolation: <paramref name="steps"/> melodies, the k-th taking each step's token from
    /// <paramref name="b"/> with probability α_k = k / (steps − 1), else from <paramref name="a"/>, independently per step
    /// (a <see cref="Random"/> seeded with <paramref name="seed"/>). Point 0 is A and the last point is B exactly.
    /// </summary>
    /// <exception cref="ArgumentException">A and B differ in length or are empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 2 steps.</exception>
    public static int[][] DataSpace(int[] a, int[] b, int steps, int seed)
    {
        CheckPair(a, b);
        var alphas = Alphas(steps);
        var random = new Random(seed);
        var points = new int[steps][];
        for (int k = 0; k < steps; k++)
        {
            var p = new int[a.Length];
            // NextDouble is in [0, 1): never below α = 0, always below α = 1.
            for (int i = 0; i < p.Length; i++) p[i] = random.NextDouble() < alphas[k] ? b[i] : a[i];
            points[k] = p;
        }
        return points;
    }

    /// <summary>
    /// The latent interpolation: <paramref name="steps"/> codes between μ(<paramref name="a"/>) and μ(<paramref name="b"/>)
    /// (<see cref="Lerp"/>; the great circle when <paramref name="spherical"/>), decoded greedily
    /// (<see cref="MelodyVaeModel.DecodeTokens"/> without a temperature). Returns steps melodies of T tokens.
    /// </summary>
    /// <exception cref="ArgumentException">A and B differ in length, are not T tokens, or hold ids outside 0..89.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 2 steps.</exception>
    public static int[][] Latent(MelodyVaeModel model, int[] a, int[] b, int steps, bool spherical = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckPair(a, b);
        Alphas(steps);
        return LatentBatch(model, [(a, b)], steps, spherical)[0];
    }

    /// <summary>The latent interpolants of several pairs in one encoder and one decoder call: [pair][step][T].</summary>
    private static int[][][] LatentBatch(MelodyVaeModel model, IReadOnlyList<(int[] A, int[] B)> pairs, int steps, bool spherical)
    {
        var alphas = Alphas(steps);
        int length = pairs[0].A.Length, n = pairs.Count;
        using var scope = Torch.NewScope();
        var x = Tensor.From(pairs.SelectMany(p => p.A.Concat(p.B)).Select(t => (long)t).ToArray(), 2L * n, length);
        var mu = model.Encode(x).To(DType.Float32).ToArray<float>();
        int d = mu.Length / (2 * n);
        var z = new float[(long)n * steps * d];
        for (int p = 0; p < n; p++)
        {
            float[] za = mu[(2 * p * d)..((2 * p + 1) * d)], zb = mu[((2 * p + 1) * d)..((2 * p + 2) * d)];
            for (int k = 0; k < steps; k++) Lerp(za, zb, alphas[k], spherical).CopyTo(z, ((long)p * steps + k) * d);
        }
        var tokens = model.DecodeTokens(Tensor.From(z, (long)n * steps, d)).To(DType.Int64).ToArray<long>();
        long t = tokens.Length / ((long)n * steps);
        var result = new int[n][][];
        for (int p = 0; p < n; p++)
        {
            result[p] = new int[steps][];
            for (int k = 0; k < steps; k++)
                result[p][k] = tokens.AsSpan((int)(((long)p * steps + k) * t), (int)t).ToArray().Select(v => (int)v).ToArray();
        }
        return result;
    }

    /// <summary>
    /// The interpolation study: <paramref name="pairs"/> distinct unordered pairs of test windows drawn with
    /// <paramref name="seed"/>, each interpolated both ways in <paramref name="steps"/> points (the latent one along the
    /// great circle); per α the mean and standard deviation over pairs of the Hamming distance to each end, the share of
    /// interpolants judged plausible by <paramref name="judge"/>, and their mean judge score. The threshold is the
    /// <paramref name="plausibleQuantile"/> quantile of the judge's scores of all the test windows.
    /// </summary>
    /// <param name="model">The trained model (its input length must be the windows' length).</param>
    /// <param name="testWindows">The real test melodies, at least 2, all of the model's length T.</param>
    /// <param name="judge">The plausibility judge, fit on the training windows (not on these).</param>
    /// <param name="pairs">How many pairs, 1 … n(n − 1)/2 for n test windows.</param>
    /// <param name="steps">Points per interpolation, at least 2 (both ends included).</param>
    /// <param name="seed">Seeds the choice of pairs and the data-space mixes (pair i uses seed + i + 1).</param>
    /// <param name="plausibleQuantile">The quantile q ∈ [0, 1) of real test scores that an interpolant must reach: the
    /// lower order statistic at index ⌊q·(n − 1)⌋ of the sorted scores, so at least 1 − q of the test windows pass.</param>
    /// <exception cref="ArgumentException">Too few windows, windows of different lengths or not of the model's length,
    /// a pair count or step count out of range, or a quantile outside [0, 1).</exception>
    public static InterpolationStudy Run(MelodyVaeModel model, IReadOnlyList<int[]> testWindows, MelodyNgram judge,
        int pairs, int steps, int seed, double plausibleQuantile = 0.05)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(testWindows);
        ArgumentNullException.ThrowIfNull(judge);
        int n = testWindows.Count;
        if (n < 2) throw new ArgumentException($"the study needs at least 2 test windows, got {n}", nameof(testWindows));
        for (int i = 0; i < n; i++)
            if (testWindows[i] is null || testWindows[i].Length != model.Length)
                throw new ArgumentException($"test window {i} has {testWindows[i]?.Length.ToString() ?? "no"} tokens; the model takes {model.Length}", nameof(testWindows));
        long possible = (long)n * (n - 1) / 2;
        if (pairs < 1 || pairs > possible)
            throw new ArgumentException($"pairs must be between 1 and {possible} (the distinct pairs of {n} test windows), got {pairs}", nameof(pairs));
        if (steps < 2) throw new ArgumentException($"steps must be at least 2 (the two ends), got {steps}", nameof(steps));
        if (!(plausibleQuantile >= 0 && plausibleQuantile < 1))
            throw new ArgumentException($"the plausible quantile must be in [0, 1), got {plausibleQuantile}", nameof(plausibleQuantile));

        var scores = testWindows.Select(w => judge.LogProbPerStep(w)).OrderBy(s => s).ToArray();
        double threshold = scores[(int)Math.Floor(plausibleQuantile * (n - 1))];
        // The n-gram alone rates a silent or nearly silent window highly ("no event" is two thirds of all steps and
        // follows itself), so an interpolant must also hold as many note-ons as the real windows do: between the
        // q/2 and 1 − q/2 quantiles of their counts.
        var noteCounts = testWindows.Select(NoteOns).OrderBy(c => c).ToArray();
        int minNotes = noteCounts[(int)Math.Floor(plausibleQuantile / 2 * (n - 1))];
        int maxNotes = noteCounts[(int)Math.Ceiling((1 - plausibleQuantile / 2) * (n - 1))];

        var chosen = ChoosePairs(n, pairs, new Random(seed));
        var ends = chosen.Select(p => (testWindows[p.I], testWindows[p.J])).ToList();
        var latent = LatentBatch(model, ends, steps, spherical: true);
        var data = ends.Select((e, i) => DataSpace(e.Item1, e.Item2, steps, unchecked(seed + i + 1))).ToArray();

        var alphas = Alphas(steps);
        double[] Stat(int[][][] points, Func<int[], int[], int[], double> f, bool std) => Enumerable.Range(0, steps).Select(k =>
        {
            var v = Enumerable.Range(0, pairs).Select(p => f(points[p][k], ends[p].Item1, ends[p].Item2)).ToArray();
            double mean = v.Average();
            return std ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length) : mean;
        }).ToArray();
        double ToA(int[] x, int[] a, int[] b) => Hamming(x, a);
        double ToB(int[] x, int[] a, int[] b) => Hamming(x, b);
        double Plausible(int[] x, int[] a, int[] b) => IsPlausible(x, judge, threshold, minNotes, maxNotes) ? 1 : 0;
        double Score(int[] x, int[] a, int[] b) => judge.LogProbPerStep(x);

        return new InterpolationStudy(
            Alphas: alphas,
            LatentHammingToA: Stat(latent, ToA, false), LatentHammingToAStd: Stat(latent, ToA, true),
            LatentHammingToB: Stat(latent, ToB, false), LatentHammingToBStd: Stat(latent, ToB, true),
            DataHammingToA: Stat(data, ToA, false), DataHammingToAStd: Stat(data, ToA, true),
            DataHammingToB: Stat(data, ToB, false), DataHammingToBStd: Stat(data, ToB, true),
            LatentPlausible: Stat(latent, Plausible, false), DataPlausible: Stat(data, Plausible, false),
            LatentScore: Stat(latent, Score, false), DataScore: Stat(data, Score, false),
            Threshold: threshold, MinNotes: minNotes, MaxNotes: maxNotes, PlausibleQuantile: plausibleQuantile, Pairs: pairs,
            ExampleIndexA: chosen[0].I, ExampleIndexB: chosen[0].J,
            ExampleA: testWindows[chosen[0].I], ExampleB: testWindows[chosen[0].J],
            ExampleLatent: latent[0], ExampleData: data[0]);
    }

    /// <summary>Note-ons in <paramref name="melody"/> (tokens from <see cref="MelodyTokens.FirstPitch"/> up).</summary>
    public static int NoteOns(int[] melody)
    {
        ArgumentNullException.ThrowIfNull(melody);
        return melody.Count(t => t >= MelodyTokens.FirstPitch);
    }

    /// <summary>
    /// The study's plausibility test: the judge's mean log-probability per step reaches <paramref name="threshold"/> and
    /// the melody holds between <paramref name="minNotes"/> and <paramref name="maxNotes"/> note-ons.
    /// </summary>
    public static bool IsPlausible(int[] melody, MelodyNgram judge, double threshold, int minNotes, int maxNotes)
    {
        ArgumentNullException.ThrowIfNull(judge);
        int notes = NoteOns(melody);
        return notes >= minNotes && notes <= maxNotes && judge.LogProbPerStep(melody) >= threshold;
    }

    /// <summary><paramref name="count"/> distinct unordered pairs (i &lt; j) of 0..n − 1, in the order drawn.</summary>
    internal static List<(int I, int J)> ChoosePairs(int n, int count, Random random)
    {
        long possible = (long)n * (n - 1) / 2;
        if (2L * count > possible)
        {
            // Many of the possible pairs: shuffle them all and take the first ones (partial Fisher–Yates).
            var all = new List<(int, int)>((int)possible);
            for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) all.Add((i, j));
            for (int k = 0; k < count; k++)
            {
                int r = random.Next(k, all.Count);
                (all[k], all[r]) = (all[r], all[k]);
            }
            return all.GetRange(0, count);
        }
        var seen = new HashSet<(int, int)>();
        var result = new List<(int I, int J)>(count);
        while (result.Count < count)
        {
            int i = random.Next(n), j = random.Next(n - 1);
            if (j >= i) j++;
            var pair = (Math.Min(i, j), Math.Max(i, j));
            if (seen.Add(pair)) result.Add(pair);
        }
        return result;
    }

    private static void CheckPair(int[] a, int[] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Length == 0) throw new ArgumentException("melody A is empty", nameof(a));
        if (a.Length != b.Length) throw new ArgumentException($"melodies of {a.Length} and {b.Length} tokens; interpolation needs two of the same length", nameof(b));
    }
}
