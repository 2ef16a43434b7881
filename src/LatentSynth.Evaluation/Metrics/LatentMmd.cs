using LatentSynth.Data;
using LatentSynth.Models;
using LatentSynth.Models.Regularizers;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Metrics;

using Torch = LatentSynth.Torch.Torch;

/// <summary>The latent MMD² and how it was computed.</summary>
/// <param name="Mmd2">The MMD² estimate (the unbiased one can be slightly negative when the distributions agree).</param>
/// <param name="Kernel">Kernel name (<see cref="KernelRegistry"/>).</param>
/// <param name="Bandwidth">Base bandwidth C of the multi-scale kernel.</param>
/// <param name="Count">Encodings used (and prior samples drawn).</param>
public sealed record LatentMmdResult(double Mmd2, string Kernel, double Bandwidth, long Count);

/// <summary>
/// How far the codes of the data are from the prior: the maximum mean discrepancy (Gretton et al.
/// 2012) between the deterministic codes Encode(x) of test examples and as many prior draws, with the
/// same multi-scale kernels and bandwidth rule as the WAE-MMD regularizer (Tolstikhin et al. 2018,
/// §4; <see cref="Mmd"/>, <see cref="KernelRegistry"/>). The quadratic cost is bounded by using at most
/// <c>maxPoints</c> examples (the first ones of the split).
/// </summary>
public static class LatentMmd
{
    /// <summary>Examples used by default (the kernel matrices are maxPoints² each).</summary>
    public const int DefaultMaxPoints = 2000;

    /// <summary>The MMD on (the first <paramref name="maxPoints"/>) examples of <paramref name="data"/>.</summary>
    public static LatentMmdResult Compute(AutoencoderModel model, TensorDataset data, Generator? generator = null, string kernel = "imq",
        int maxPoints = DefaultMaxPoints, bool unbiased = true, double? bandwidth = null, int batchSize = MetricSupport.DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Compute(model, data.Examples, generator, kernel, maxPoints, unbiased, bandwidth, batchSize);
    }

    /// <summary>
    /// MMD² between the codes of the first min(N, <paramref name="maxPoints"/>) examples of
    /// <paramref name="x"/> (encoded in batches, evaluation mode, no gradients) and as many prior draws
    /// from <paramref name="generator"/> (null: the default generator). <paramref name="bandwidth"/>
    /// (null: C = 2·d·σ² with σ² the prior's <see cref="Models.Priors.IPrior.MeanSquare"/> for zoo
    /// models, the mean square of the prior draws for other models).
    /// </summary>
    /// <exception cref="ArgumentException">Bad input, unknown kernel, or fewer than 2 points for the unbiased estimate.</exception>
    public static LatentMmdResult Compute(AutoencoderModel model, Tensor x, Generator? generator = null, string kernel = "imq",
        int maxPoints = DefaultMaxPoints, bool unbiased = true, double? bandwidth = null, int batchSize = MetricSupport.DefaultBatchSize)
    {
        model.CheckExamples(x, nameof(x), nonEmpty: true);
        MetricSupport.CheckBatchSize(batchSize);
        MetricSupport.CheckBatchSize(maxPoints, nameof(maxPoints));
        var info = KernelRegistry.Get(kernel);
        using var mode = model.Inference();
        using var scope = Torch.NewScope();
        long m = Math.Min(x.Size(0), maxPoints);
        var codes = model.EncodeInBatches(x.Narrow(0, 0, m), batchSize);
        var prior = model.SamplePrior(m, generator).Detach().To(DType.Float32);
        int d = model.LatentDim;
        double c = bandwidth ?? (model is EncoderDecoderModel ed
            ? Mmd.DefaultBandwidth(d, ed.Prior.MeanSquare(d))
            : Mmd.DefaultBandwidth(d, prior.To(DType.Float64).Square().Mean().Item()));
        return new LatentMmdResult(Between(codes, prior, info, c, unbiased), info.Name, c, m);
    }

    /// <summary>
    /// MMD² between two samples [n, d] and [m, d] with the multi-scale kernel Σₛ k(·, s·C) of
    /// <see cref="Mmd.Compute"/> (Gretton et al. 2012, Lemma 6 unbiased, Eq. 5 biased), in float64.
    /// </summary>
    public static double Between(Tensor a, Tensor b, KernelInfo kernel, double bandwidth, bool unbiased = true)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        return Mmd.Compute(a.To(DType.Float64), b.To(DType.Float64), kernel, bandwidth, unbiased: unbiased).Item();
    }
}
