using LatentSynth.Models;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Metrics;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Shared plumbing of the metrics: argument checks, inference mode and batching.</summary>
internal static class MetricSupport
{
    /// <summary>Default examples per batch.</summary>
    public const int DefaultBatchSize = 500;

    /// <summary>Throws unless <paramref name="x"/> is float32 [N ≥ 1, …InputShape].</summary>
    public static void CheckExamples(AutoencoderModel model, Tensor x, string name)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x, name);
        var s = x.Shape;
        if (s.Length != model.InputShape.Length + 1 || !s[1..].SequenceEqual(model.InputShape))
            throw new ArgumentException($"{name} must be [N, {string.Join(", ", model.InputShape)}] for this model, got [{string.Join(", ", s)}]", name);
        if (x.DType != DType.Float32)
            throw new ArgumentException($"{name} must be float32, got {x.DType.TorchName()}", name);
        if (s[0] < 1) throw new ArgumentException($"{name} holds no examples", name);
    }

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

    /// <summary>The deterministic codes of <paramref name="x"/> in batches: float32 [N, LatentDim], no graph (call in inference mode).</summary>
    public static Tensor EncodeAll(AutoencoderModel model, Tensor x, int batchSize)
    {
        using var scope = Torch.NewScope();
        var parts = new List<Tensor>();
        foreach (var (s, c) in Batches(x.Size(0), batchSize))
            parts.Add(model.Encode(x.Narrow(0, s, c)).Detach().To(DType.Float32));
        return Torch.Cat(parts, 0).Contiguous().MoveToOuterScope();
    }
}
