namespace LatentSynth.Music.Evaluation;

/// <summary>
/// A count-based token n-gram language model of melodies (<see cref="MelodyTokens"/>, 0..89), used as a judge of
/// how plausible a melody is that does not depend on the VAE being judged.
/// </summary>
/// <remarks>
/// <para><b>Model.</b> p(x_t | x_{t−n+1} … x_{t−1}) = (c(context, x_t) + k) / (c(context) + k·90): plain add-k
/// smoothing over the 90-token vocabulary, no back-off and no interpolation with lower orders. Counts come from
/// the melodies given to <see cref="Fit"/> (meant to be the training windows). The first n − 1 steps of a melody
/// are conditioned on contexts padded on the left with a start symbol that is not a token (so the opening of a
/// melody is modelled as an opening, not as the continuation of another melody).</para>
/// <para><b>Why a separate judge.</b> The interpolation study compares latent interpolants (greedy decodes of the
/// VAE) with data-space interpolants (token-wise mixes of two real melodies). The VAE's own likelihood would favour
/// its own decodes, since an argmax decode is by construction a high-likelihood sequence for the decoder; a
/// judge that produced neither kind of interpolant scores both on the same footing. A small n-gram fit on the
/// training data is such a judge: it knows which local token patterns real melodies use (a note-off after a
/// note, held notes, steps between nearby pitches) and nothing about the VAE.</para>
/// </remarks>
public sealed class MelodyNgram
{
    /// <summary>The context symbol before the first step (not a melody token).</summary>
    private const int Start = MelodyTokens.Count;

    /// <summary>Largest order accepted: a context of order − 1 symbols (91 values each) is packed into one 64-bit key.</summary>
    public const int MaxOrder = 9;

    // Per context key: the count of each following token (0..89), and the context's total at index 90.
    private readonly Dictionary<long, int[]> counts;

    private MelodyNgram(int order, double k, Dictionary<long, int[]> counts)
    {
        Order = order;
        K = k;
        this.counts = counts;
    }

    /// <summary>The order n: each token is conditioned on the n − 1 before it.</summary>
    public int Order { get; }

    /// <summary>The add-k pseudo-count given to every (context, token) pair.</summary>
    public double K { get; }

    /// <summary>How many distinct contexts were seen in training.</summary>
    public int Contexts => counts.Count;

    /// <summary>
    /// Counts the n-grams of <paramref name="melodies"/> (each a sequence of tokens 0..89; lengths may differ).
    /// </summary>
    /// <param name="melodies">The training melodies (the training windows).</param>
    /// <param name="order">The order n, 1..<see cref="MaxOrder"/> (1: a unigram model, no context).</param>
    /// <param name="k">The add-k pseudo-count, a positive finite number.</param>
    /// <exception cref="ArgumentException">No melodies, an empty or null melody, a token outside 0..89, an order outside
    /// 1..<see cref="MaxOrder"/> or a k that is not positive and finite.</exception>
    public static MelodyNgram Fit(IEnumerable<int[]> melodies, int order = 3, double k = 0.1)
    {
        ArgumentNullException.ThrowIfNull(melodies);
        if (order is < 1 or > MaxOrder)
            throw new ArgumentException($"the n-gram order must be between 1 and {MaxOrder}, got {order}", nameof(order));
        if (!(k > 0 && double.IsFinite(k)))
            throw new ArgumentException($"the add-k pseudo-count must be a positive finite number, got {k}", nameof(k));
        var counts = new Dictionary<long, int[]>();
        int n = 0;
        foreach (var melody in melodies)
        {
            if (melody is null || melody.Length == 0)
                throw new ArgumentException($"training melody {n} is {(melody is null ? "null" : "empty")}", nameof(melodies));
            CheckTokens(melody, $"training melody {n}", nameof(melodies));
            for (int t = 0; t < melody.Length; t++)
            {
                long key = ContextKey(melody, t, order);
                if (!counts.TryGetValue(key, out var row)) counts[key] = row = new int[MelodyTokens.Count + 1];
                row[melody[t]]++;
                row[MelodyTokens.Count]++;
            }
            n++;
        }
        if (n == 0) throw new ArgumentException("no training melodies to fit the n-gram model on", nameof(melodies));
        return new MelodyNgram(order, k, counts);
    }

    /// <summary>
    /// p(<paramref name="token"/> | <paramref name="context"/>): the context is the tokens before the step, of any length;
    /// only its last <see cref="Order"/> − 1 are used, and a shorter one is padded on the left with the start symbol
    /// (an empty context is the first step of a melody). Over the 90 tokens these probabilities sum to 1.
    /// </summary>
    /// <exception cref="ArgumentException">A token of the context or <paramref name="token"/> is outside 0..89.</exception>
    public double Probability(ReadOnlySpan<int> context, int token)
    {
        CheckTokens(context, "the context", nameof(context));
        if (token is < 0 or >= MelodyTokens.Count)
            throw new ArgumentException($"token {token} is outside the melody tokens 0..{MelodyTokens.Count - 1}", nameof(token));
        int[] padded = new int[context.Length + 1];
        context.CopyTo(padded);
        padded[^1] = token;
        return Probability(ContextKey(padded, context.Length, Order), token);
    }

    /// <summary>
    /// The mean natural-log probability per step of <paramref name="melody"/>, (1/T) Σ_t log p(x_t | context_t), the
    /// first steps conditioned on contexts padded with the start symbol. Higher is more plausible; it does not grow
    /// or shrink with the length, so melodies of different lengths compare.
    /// </summary>
    /// <exception cref="ArgumentException">The melody is empty or holds a token outside 0..89.</exception>
    public double LogProbPerStep(ReadOnlySpan<int> melody)
    {
        if (melody.IsEmpty) throw new ArgumentException("the melody is empty", nameof(melody));
        CheckTokens(melody, "the melody", nameof(melody));
        double sum = 0;
        for (int t = 0; t < melody.Length; t++) sum += Math.Log(Probability(ContextKey(melody, t, Order), melody[t]));
        return sum / melody.Length;
    }

    private double Probability(long key, int token)
    {
        counts.TryGetValue(key, out var row);
        double c = row is null ? 0 : row[token], total = row is null ? 0 : row[MelodyTokens.Count];
        return (c + K) / (total + K * MelodyTokens.Count);
    }

    /// <summary>The key of the order − 1 symbols before step <paramref name="t"/> (start symbols before the melody), base 91.</summary>
    private static long ContextKey(ReadOnlySpan<int> melody, int t, int order)
    {
        long key = 0;
        for (int i = t - (order - 1); i < t; i++) key = key * (MelodyTokens.Count + 1) + (i < 0 ? Start : melody[i]);
        return key;
    }

    private static void CheckTokens(ReadOnlySpan<int> tokens, string what, string paramName)
    {
        for (int i = 0; i < tokens.Length; i++)
            if (tokens[i] is < 0 or >= MelodyTokens.Count)
                throw new ArgumentException($"{what} holds token {tokens[i]} at step {i}; melody tokens are 0..{MelodyTokens.Count - 1}", paramName);
    }
}
