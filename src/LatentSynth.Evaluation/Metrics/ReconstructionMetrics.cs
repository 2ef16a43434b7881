using LatentSynth.Data;
using LatentSynth.Models;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Metrics;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Reconstruction errors per example, means over the examples.</summary>
/// <param name="Bce">Binary cross-entropy −Σ[x log p + (1 − x) log(1 − p)] summed over the elements of one example (nats).</param>
/// <param name="Mse">Sum of squared errors Σ(x − x̂)² over the elements of one example.</param>
/// <param name="MsePerElement"><see cref="Mse"/> divided by the number of elements per example.</param>
/// <param name="Count">Examples evaluated.</param>
public sealed record ReconstructionResult(double Bce, double Mse, double MsePerElement, long Count);

/// <summary>
/// Reconstruction quality of any autoencoder, whatever its training objective: the reconstruction
/// x̂ = Decode(Encode(x)) (the mean of p(x|z) at the deterministic code) compared with x. The BCE is
/// the Bernoulli negative log-likelihood of x under x̂ (Kingma &amp; Welling 2013, App. C.1), the MSE
/// the squared error of the Gaussian decoder (ibid., App. C.2); both are summed over an example's
/// elements, as the zoo's likelihoods are, so the numbers compare across models trained with
/// different reconstruction objectives.
/// </summary>
public static class ReconstructionMetrics
{
    /// <summary>Decoded probabilities are clamped to [ε, 1 − ε] with this ε before the logarithms of the BCE (float32-safe).</summary>
    public const double ProbabilityClamp = 1e-6;

    /// <summary>The metrics on every example of <paramref name="data"/>.</summary>
    public static ReconstructionResult Compute(AutoencoderModel model, TensorDataset data, int batchSize = MetricSupport.DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Compute(model, data.Examples, batchSize);
    }

    /// <summary>
    /// The metrics on the examples <paramref name="x"/> (float32 [N, …InputShape], values in [0, 1]),
    /// computed in batches of <paramref name="batchSize"/> in evaluation mode without gradients.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="x"/> does not fit the model, or is empty.</exception>
    public static ReconstructionResult Compute(AutoencoderModel model, Tensor x, int batchSize = MetricSupport.DefaultBatchSize)
    {
        model.CheckExamples(x, nameof(x), nonEmpty: true);
        MetricSupport.CheckBatchSize(batchSize);
        using var mode = model.Inference();
        long n = x.Size(0);
        long elements = model.InputShape.Aggregate(1L, (a, b) => a * b);
        double bce = 0, mse = 0;
        foreach (var (s, c) in MetricSupport.Batches(n, batchSize))
        {
            using var scope = Torch.NewScope();
            var xb = x.Narrow(0, s, c).To(DType.Float64);
            var p = model.Decode(model.Encode(x.Narrow(0, s, c))).To(DType.Float64);
            int[] dims = Enumerable.Range(1, xb.Dim - 1).ToArray();
            var pc = p.Clamp(ProbabilityClamp, 1 - ProbabilityClamp);
            // Bernoulli NLL −Σ[x log p + (1 − x) log(1 − p)] (Kingma & Welling 2013, App. C.1), p clamped.
            var b = (xb * pc.Log() + xb.Neg().Add(1.0) * pc.Neg().Log1p()).Neg();
            bce += MetricSupport.Sum(dims.Length == 0 ? b : b.Sum(dims));
            // Squared error Σ(x − x̂)² (Kingma & Welling 2013, App. C.2 with fixed variance).
            var e = (xb - p).Square();
            mse += MetricSupport.Sum(dims.Length == 0 ? e : e.Sum(dims));
        }
        return new ReconstructionResult(bce / n, mse / n, mse / n / elements, n);
    }
}
