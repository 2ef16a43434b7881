using LatentSynth.Models;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Metrics;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Shared plumbing of the metrics: batch sizes and batching (examples are checked by AutoencoderModel.CheckExamples).</summary>
internal static class MetricSupport
{
    /// <summary>Default examples per batch (the models' own default for batched encoding).</summary>
    public const int DefaultBatchSize = AutoencoderModel.DefaultEncodeBatchSize;

    /// <summary>Throws unless <paramref name="batchSize"/> ≥ 1.</summary>
    public static void CheckBatchSize(int batchSize, string name = "batchSize")
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(name, batchSize, "must be at least 1");
    }

    /// <summary>The (start, count) of each batch of <paramref name="n"/> examples.</summary>
    public static IEnumerable<(long Start, long Count)> Batches(long n, int batchSize)
    {
        for (long s = 0; s < n; s += batchSize) yield return (s, Math.Min(batchSize, n - s));
    }

    /// <summary>The sum of a 1-D per-example tensor, accumulated in float64.</summary>
    public static double Sum(Tensor perExample)
    {
        using var scope = Torch.NewScope();
        return perExample.To(DType.Float64).Sum().Item();
    }
}
