using LatentSynth.Data;
using LatentSynth.Models;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Metrics;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Active latent units and the statistic behind them.</summary>
/// <param name="Active">Number of dimensions u with Aᵤ &gt; <see cref="Threshold"/>.</param>
/// <param name="Variances">Aᵤ = Cov_x(E_q[zᵤ|x]) for each dimension u (sample variance over the examples, 1/(N − 1)).</param>
/// <param name="Threshold">The threshold used.</param>
/// <param name="Count">Examples evaluated.</param>
public sealed record ActiveUnitsResult(int Active, double[] Variances, double Threshold, long Count);

/// <summary>
/// The activity statistic of Burda, Grosse &amp; Salakhutdinov (2016, §5.2): Aᵤ = Cov_x(E_{q(z|x)}[zᵤ]),
/// the variance over the data of the u-th coordinate of the deterministic code (<see cref="AutoencoderModel.Encode"/>:
/// the posterior mean of a VAE, the code of an AE/WAE); a unit is active when Aᵤ &gt; 0.01 (their threshold).
/// </summary>
public static class ActiveUnits
{
    /// <summary>Burda et al.'s threshold, 10⁻².</summary>
    public const double DefaultThreshold = 0.01;

    /// <summary>The statistic on every example of <paramref name="data"/>.</summary>
    public static ActiveUnitsResult Compute(AutoencoderModel model, TensorDataset data, double threshold = DefaultThreshold, int batchSize = MetricSupport.DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Compute(model, data.Examples, threshold, batchSize);
    }

    /// <summary>The statistic on the examples <paramref name="x"/> [N ≥ 2, …InputShape], encoded in batches (evaluation mode, no gradients), in float64.</summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> does not fit the model or has fewer than 2 examples.</exception>
    public static ActiveUnitsResult Compute(AutoencoderModel model, Tensor x, double threshold = DefaultThreshold, int batchSize = MetricSupport.DefaultBatchSize)
    {
        model.CheckExamples(x, nameof(x), nonEmpty: true);
        MetricSupport.CheckBatchSize(batchSize);
        if (x.Size(0) < 2) throw new ArgumentException("active units need at least 2 examples (a variance over the data)", nameof(x));
        if (!(threshold >= 0) || double.IsInfinity(threshold))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "the threshold must be finite and ≥ 0");
        using var mode = model.Inference();
        using var scope = Torch.NewScope();
        var codes = model.EncodeInBatches(x, batchSize).To(DType.Float64);
        // Aᵤ = Cov_x(E_q[zᵤ|x]) (Burda et al. 2016, §5.2).
        var variances = codes.Var(0, unbiased: true).Contiguous().ToArray<double>();
        return new ActiveUnitsResult(variances.Count(v => v > threshold), variances, threshold, x.Size(0));
    }
}
