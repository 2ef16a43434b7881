using LatentSynth.Data;
using LatentSynth.Models;

namespace LatentSynth.Training;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>Per-example means of a model's loss and terms over a dataset.</summary>
/// <param name="Examples">Examples evaluated.</param>
/// <param name="Means">"loss" (the total) and each term, averaged per example.</param>
public sealed record EvaluationResult(long Examples, IReadOnlyDictionary<string, double> Means);

/// <summary>The validation pass of the trainer and the <c>eval</c> verb.</summary>
public static class Evaluator
{
    /// <summary>
    /// Runs <see cref="AutoencoderModel.EvaluationLoss"/> over <paramref name="data"/> in batches of
    /// <paramref name="batchSize"/>, in evaluation mode and without gradients, and averages every
    /// term per example (each batch weighted by its size, so the result does not depend on the batch
    /// size beyond float rounding). The model's training mode is restored afterwards.
    /// </summary>
    public static EvaluationResult Evaluate(AutoencoderModel model, TensorDataset data, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        var order = new List<string>();
        using (model.Inference())
        {
            for (long start = 0; start < data.Count; start += batchSize)
            {
                long n = Math.Min(batchSize, data.Count - start);
                using var scope = Torch.NewScope();
                var (x, _) = data.Range(start, n);
                var values = model.EvaluationLoss(x).Values();
                foreach (var (k, v) in values)
                {
                    if (!sums.ContainsKey(k)) { sums[k] = 0; order.Add(k); }
                    sums[k] += v * n;
                }
            }
        }
        var means = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var k in order) means[k] = data.Count == 0 ? double.NaN : sums[k] / data.Count;
        return new EvaluationResult(data.Count, means);
    }
}
