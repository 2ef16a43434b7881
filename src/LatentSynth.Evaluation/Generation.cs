using System.Globalization;
using LatentSynth.Data;
using LatentSynth.Models;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>How <see cref="Generation.Interpolations"/> walks from one code to the other.</summary>
public enum InterpolationKind
{
    /// <summary>Straight line: <c>z(t) = (1 − t)·a + t·b</c>.</summary>
    Linear,
    /// <summary>
    /// Along the great circle (Shoemake 1985, "Animating rotation with quaternion curves", sec. 3.3;
    /// suggested for Gaussian latents by White 2016, "Sampling generative networks"):
    /// <c>z(t) = sin((1 − t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b</c> with Ω the angle between a and b; linear
    /// when the codes are (anti)parallel or zero, where Ω is undefined.
    /// </summary>
    Spherical,
}

/// <summary>
/// Pictures and codes out of a trained <see cref="AutoencoderModel"/>: random samples,
/// reconstructions, interpolations and traversals in latent space as <see cref="PictureGrid"/>s,
/// and the latent codes of a dataset. Every function runs the model in evaluation mode without
/// gradients and puts the model's mode back afterwards. Examples are float32
/// [B, …<see cref="AutoencoderModel.InputShape"/>].
/// </summary>
/// <remarks>
/// Pictures: an input shape [C, H, W] with C 1 or 3 is drawn as it is, [H, W] as grey, and a vector
/// [D] as a grey square when D is a perfect square (784 → 28×28); other shapes can't be drawn (their
/// codes can still be written with <see cref="Encode"/>).
/// </remarks>
public static class Generation
{
    /// <summary>Traversals show at most this many latent dimensions by default.</summary>
    public const int DefaultMaxTraversalDims = 20;

    /// <summary>Examples encoded at once by <see cref="Encode"/> and friends (the models' own default).</summary>
    public const int DefaultBatchSize = AutoencoderModel.DefaultEncodeBatchSize;

    /// <summary>The picture shape (C, H, W) of examples of <paramref name="inputShape"/>.</summary>
    /// <exception cref="ArgumentException">The shape can't be drawn as a picture.</exception>
    public static (int C, int H, int W) PictureShape(IReadOnlyList<long> inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        string shown = "[" + string.Join(", ", inputShape) + "]";
        switch (inputShape.Count)
        {
            case 3 when inputShape[0] is 1 or 3:
                return ((int)inputShape[0], checked((int)inputShape[1]), checked((int)inputShape[2]));
            case 2:
                return (1, checked((int)inputShape[0]), checked((int)inputShape[1]));
            case 1:
                long side = (long)Math.Round(Math.Sqrt(inputShape[0]));
                if (side * side == inputShape[0]) return (1, (int)side, (int)side);
                break;
        }
        throw new ArgumentException($"examples of shape {shown} can't be drawn as pictures (need [1 or 3, H, W], [H, W] or a square number of values); write their codes with `encode` instead", nameof(inputShape));
    }

    /// <summary>Examples [B, …inputShape] viewed as pictures [B, C, H, W] (float32, contiguous, detached).</summary>
    public static Tensor ToPictures(Tensor x, IReadOnlyList<long> inputShape)
    {
        var (c, h, w) = PictureShape(inputShape);
        return x.Detach().To(DType.Float32).Contiguous().Reshape(x.Size(0), c, h, w);
    }

    // ---- samples -----------------------------------------------------------------------------

    /// <summary>
    /// <paramref name="n"/> random samples: prior draws (from <paramref name="generator"/>, or the
    /// default generator) decoded to their mean. Laid out <paramref name="columns"/> per row (default
    /// <c>ceil(sqrt(n))</c>).
    /// </summary>
    public static PictureGrid Samples(AutoencoderModel model, int n, Generator? generator = null, int? columns = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "the number of samples must be at least 1");
        if (columns is < 1) throw new ArgumentOutOfRangeException(nameof(columns), columns, "columns must be at least 1");
        PictureShape(model.InputShape);
        using var mode = model.Inference();
        using var scope = Torch.NewScope();
        var pictures = ToPictures(model.Sample(n, generator), model.InputShape);
        return new PictureGrid(pictures.DetachFromScope(), columns ?? (int)Math.Ceiling(Math.Sqrt(n)));
    }

    // ---- reconstructions ---------------------------------------------------------------------

    /// <summary>
    /// The examples <paramref name="x"/> [B, …] in the top row and their reconstructions (decode of
    /// encode) in the row below; rows labelled "input" and "recon", columns optionally labelled
    /// (for instance with the examples' classes).
    /// </summary>
    public static PictureGrid Reconstructions(AutoencoderModel model, Tensor x, IReadOnlyList<string>? columnLabels = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.CheckExamples(x, nameof(x));
        PictureShape(model.InputShape);
        using var mode = model.Inference();
        using var scope = Torch.NewScope();
        var recon = model.Decode(model.Encode(x));
        var both = Torch.Cat([ToPictures(x, model.InputShape), ToPictures(recon, model.InputShape)], 0);
        return new PictureGrid(both.DetachFromScope(), (int)x.Size(0), ["input", "recon"], columnLabels);
    }

    // ---- interpolations ----------------------------------------------------------------------

    /// <summary>
    /// Codes on the way from <paramref name="za"/> to <paramref name="zb"/> (both [P, K]): a tensor
    /// [P, steps, K] whose step j sits at <c>t = j / (steps − 1)</c> (so the first is a, the last b).
    /// </summary>
    public static Tensor InterpolateCodes(Tensor za, Tensor zb, int steps, InterpolationKind kind = InterpolationKind.Linear)
    {
        ArgumentNullException.ThrowIfNull(za);
        ArgumentNullException.ThrowIfNull(zb);
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, "interpolation needs at least 2 steps (both ends)");
        var sa = za.Shape;
        if (sa.Length != 2 || !sa.SequenceEqual(zb.Shape))
            throw new ArgumentException($"codes must both be [P, K], got [{string.Join(", ", sa)}] and [{string.Join(", ", zb.Shape)}]", nameof(zb));
        int p = checked((int)sa[0]), k = checked((int)sa[1]);
        double[] a, b;
        using (Torch.NewScope())
        {
            a = za.Detach().To(DType.Float64).Contiguous().ToArray<double>();
            b = zb.Detach().To(DType.Float64).Contiguous().ToArray<double>();
        }
        var result = new float[(long)p * steps * k];
        for (int i = 0; i < p; i++)
        {
            var ai = a.AsSpan(i * k, k);
            var bi = b.AsSpan(i * k, k);
            double omega = 0, sinOmega = 0;
            if (kind == InterpolationKind.Spherical)
            {
                double dot = 0, na = 0, nb = 0;
                for (int d = 0; d < k; d++) { dot += ai[d] * bi[d]; na += ai[d] * ai[d]; nb += bi[d] * bi[d]; }
                if (na > 0 && nb > 0)
                {
                    omega = Math.Acos(Math.Clamp(dot / Math.Sqrt(na * nb), -1.0, 1.0));
                    sinOmega = Math.Sin(omega);
                }
            }
            bool spherical = kind == InterpolationKind.Spherical && sinOmega > 1e-6;
            for (int j = 0; j < steps; j++)
            {
                double t = (double)j / (steps - 1);
                double wa = spherical ? Math.Sin((1 - t) * omega) / sinOmega : 1 - t;
                double wb = spherical ? Math.Sin(t * omega) / sinOmega : t;
                long o = ((long)i * steps + j) * k;
                for (int d = 0; d < k; d++) result[o + d] = (float)(wa * ai[d] + wb * bi[d]);
            }
        }
        return Tensor.From(result, p, steps, k);
    }

    /// <summary>
    /// One row per pair (<paramref name="xa"/>[i], <paramref name="xb"/>[i]), both [P, …]: the input
    /// a, then <paramref name="steps"/> decodes of codes from a's to b's (see
    /// <see cref="InterpolateCodes"/>), then the input b. Columns are labelled "A", the t values, "B";
    /// rows optionally (for instance "3→8" with the classes).
    /// </summary>
    public static PictureGrid Interpolations(AutoencoderModel model, Tensor xa, Tensor xb, int steps,
        InterpolationKind kind = InterpolationKind.Linear, IReadOnlyList<string>? rowLabels = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.CheckExamples(xa, nameof(xa));
        model.CheckExamples(xb, nameof(xb));
        if (xa.Size(0) != xb.Size(0))
            throw new ArgumentException($"xa and xb must hold the same number of examples, got {xa.Size(0)} and {xb.Size(0)}", nameof(xb));
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, "interpolation needs at least 2 steps (both ends)");
        PictureShape(model.InputShape);
        long p = xa.Size(0);
        using var mode = model.Inference();
        using var scope = Torch.NewScope();
        var codes = InterpolateCodes(model.Encode(xa), model.Encode(xb), steps, kind);   // [P, steps, K]
        var decoded = ToPictures(model.Decode(codes.Reshape(p * steps, model.LatentDim)), model.InputShape);
        var (c, h, w) = PictureShape(model.InputShape);
        var rows = Torch.Cat([
            ToPictures(xa, model.InputShape).Unsqueeze(1),
            decoded.Reshape(p, steps, c, h, w),
            ToPictures(xb, model.InputShape).Unsqueeze(1)], 1);                             // [P, steps + 2, C, H, W]
        var labels = new List<string> { "A" };
        for (int j = 0; j < steps; j++) labels.Add(((double)j / (steps - 1)).ToString("0.##", CultureInfo.InvariantCulture));
        labels.Add("B");
        return new PictureGrid(rows.Reshape(p * (steps + 2), c, h, w).DetachFromScope(), steps + 2, rowLabels, labels);
    }

    // ---- traversals --------------------------------------------------------------------------

    /// <summary>
    /// The latent dimensions a traversal shows: all of them, in order, when there are at most
    /// <paramref name="maxDims"/>; otherwise the <paramref name="maxDims"/> whose codes vary most
    /// over <paramref name="reference"/> (examples [M, …], for instance the test set: population
    /// variance of each dimension of their codes), most variable first. Dimensions a model leaves
    /// unused (codes nearly constant, as a VAE does with collapsed units) are the ones left out.
    /// </summary>
    /// <exception cref="ArgumentException">More than <paramref name="maxDims"/> dimensions and no reference examples.</exception>
    public static int[] TraversalDimensions(AutoencoderModel model, Tensor? reference, int maxDims = DefaultMaxTraversalDims)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (maxDims < 1) throw new ArgumentOutOfRangeException(nameof(maxDims), maxDims, "at least one dimension must be shown");
        int k = model.LatentDim;
        if (k <= maxDims) return Enumerable.Range(0, k).ToArray();
        if (reference is null)
            throw new ArgumentException($"the model has {k} latent dimensions, more than the {maxDims} a traversal shows: pass reference examples (e.g. the test set) to pick the most variable ones", nameof(reference));
        model.CheckExamples(reference, nameof(reference));
        if (reference.Size(0) < 2) throw new ArgumentException("at least 2 reference examples are needed to measure variance", nameof(reference));
        using var scope = Torch.NewScope();
        using var codes = model.EncodeInBatches(reference);
        var variance = codes.Var(0, unbiased: false).ToArray<float>();
        return Enumerable.Range(0, k).OrderByDescending(d => variance[d]).ThenBy(d => d).Take(maxDims).ToArray();
    }

    /// <summary>
    /// One row per latent dimension (see <see cref="TraversalDimensions"/>; rows labelled "z3" and so
    /// on): the code of the single example <paramref name="x"/> ([1, …] or […]) with that one
    /// dimension moved through <paramref name="steps"/> evenly spaced offsets from −range to +range,
    /// the others fixed, decoded. Offsets are added to x's own value ("around the code of x"); with
    /// <paramref name="absolute"/> they replace it (the convention of Higgins et al. 2017, β-VAE,
    /// fig. 7, natural for a standard normal prior). Columns are labelled with the offsets.
    /// </summary>
    public static PictureGrid Traversals(AutoencoderModel model, Tensor x, double range, int steps,
        Tensor? reference = null, int maxDims = DefaultMaxTraversalDims, bool absolute = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        if (!(range > 0) || double.IsInfinity(range)) throw new ArgumentOutOfRangeException(nameof(range), range, "range must be a positive number");
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, "a traversal needs at least 2 steps");
        PictureShape(model.InputShape);
        using var mode = model.Inference();
        using var scope = Torch.NewScope();
        var one = x.Dim == model.InputShape.Length ? x.Unsqueeze(0) : x;
        model.CheckExamples(one, nameof(x));
        if (one.Size(0) != 1) throw new ArgumentException($"traversals start from one example, got {one.Size(0)}", nameof(x));

        var dims = TraversalDimensions(model, reference, maxDims);
        int k = model.LatentDim;
        var z = model.Encode(one).Detach().To(DType.Float32).Contiguous().ToArray<float>();
        var offsets = Enumerable.Range(0, steps).Select(j => -range + 2 * range * j / (steps - 1)).ToArray();
        var codes = new float[(long)dims.Length * steps * k];
        for (int r = 0; r < dims.Length; r++)
            for (int j = 0; j < steps; j++)
            {
                var row = codes.AsSpan((r * steps + j) * k, k);
                z.CopyTo(row);
                row[dims[r]] = (float)((absolute ? 0 : z[dims[r]]) + offsets[j]);
            }
        var decoded = ToPictures(model.Decode(Tensor.From(codes, (long)dims.Length * steps, k)), model.InputShape);
        return new PictureGrid(decoded.DetachFromScope(), steps,
            dims.Select(d => "z" + d.ToString(CultureInfo.InvariantCulture)).ToList(),
            offsets.Select(v => FormatOffset(v, absolute)).ToList());
    }

    private static string FormatOffset(double v, bool absolute)
    {
        if (Math.Abs(v) < 1e-12) v = 0;
        var s = v.ToString("0.##", CultureInfo.InvariantCulture);
        return !absolute && v > 0 ? "+" + s : s;
    }

    // ---- codes -------------------------------------------------------------------------------

    /// <summary>The codes of every example of <paramref name="data"/>, with its labels.</summary>
    public static LatentCodes Encode(AutoencoderModel model, TensorDataset data, int batchSize = DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        using var scope = Torch.NewScope();
        var codes = model.EncodeInBatches(data.Examples, batchSize);
        var means = codes.ToArray<float>();
        var labels = data.Labels?.ToArray<long>();
        return new LatentCodes(means, checked((int)data.Count), model.LatentDim, labels);
    }

    // ---- picking examples --------------------------------------------------------------------

    /// <summary><paramref name="n"/> distinct example indices of <paramref name="data"/> drawn at random with <paramref name="generator"/>.</summary>
    public static long[] PickExamples(TensorDataset data, int n, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(generator);
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "at least one example must be picked");
        if (n > data.Count) throw new ArgumentOutOfRangeException(nameof(n), n, $"dataset '{data.Name}' has only {data.Count} examples");
        using var perm = Torch.Randperm(data.Count, generator: generator).DetachFromScope();
        return perm.ToArray<long>()[..n];
    }

    /// <summary>
    /// <paramref name="pairs"/> pairs of distinct examples (no example used twice) drawn at random
    /// with <paramref name="generator"/>, the two of each pair from different classes where the
    /// data are labelled and such a partner is left; otherwise any other example.
    /// </summary>
    public static (long[] A, long[] B) PickPairs(TensorDataset data, int pairs, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(generator);
        if (pairs < 1) throw new ArgumentOutOfRangeException(nameof(pairs), pairs, "at least one pair must be picked");
        if (2L * pairs > data.Count) throw new ArgumentOutOfRangeException(nameof(pairs), pairs, $"dataset '{data.Name}' has only {data.Count} examples, not enough for {pairs} pairs");
        long[] order;
        using (var perm = Torch.Randperm(data.Count, generator: generator).DetachFromScope()) order = perm.ToArray<long>();
        var labels = data.Labels?.ToArray<long>();
        var used = new bool[order.Length];
        var a = new long[pairs];
        var b = new long[pairs];
        int next = 0;
        for (int i = 0; i < pairs; i++)
        {
            while (used[next]) next++;
            used[next] = true;
            a[i] = order[next];
            int partner = -1;
            for (int j = next + 1; j < order.Length && labels is not null; j++)
                if (!used[j] && labels[order[j]] != labels[a[i]]) { partner = j; break; }
            if (partner < 0)
                for (int j = next + 1; j < order.Length; j++)
                    if (!used[j]) { partner = j; break; }
            used[partner] = true;
            b[i] = order[partner];
        }
        return (a, b);
    }
}
