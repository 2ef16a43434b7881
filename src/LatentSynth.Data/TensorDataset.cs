using LatentSynth.Torch;

namespace LatentSynth.Data;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// A dataset held in memory as one float32 tensor of examples <c>[N, …item shape]</c> (images as
/// [N, 1, 28, 28] with values in [0, 1]) or one int64 tensor of token sequences <c>[N, T]</c> (the
/// melody datasets of LatentSynth.Music) and, optionally, int64 labels <c>[N]</c> with class names.
/// It owns its tensors (never part of a dispose scope) and disposes them with itself.
/// </summary>
public sealed class TensorDataset : IDisposable
{
    /// <summary>Creates a dataset, taking ownership of <paramref name="examples"/> and <paramref name="labels"/>.</summary>
    /// <exception cref="ArgumentException">Examples are not float32 or int64 with at least one dimension, or
    /// labels are not int64 [N].</exception>
    public TensorDataset(string name, Tensor examples, Tensor? labels = null, IReadOnlyList<string>? classNames = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(examples);
        var shape = examples.Shape;
        if (shape.Length < 1) throw new ArgumentException($"dataset '{name}': examples need a leading N dimension, got a 0-d tensor", nameof(examples));
        if (examples.DType is not (DType.Float32 or DType.Int64)) throw new ArgumentException($"dataset '{name}': examples must be float32 (values) or int64 (tokens), got {examples.DType.TorchName()}", nameof(examples));
        if (labels is not null)
        {
            var ls = labels.Shape;
            if (labels.DType != DType.Int64 || ls.Length != 1 || ls[0] != shape[0])
                throw new ArgumentException($"dataset '{name}': labels must be int64 [{shape[0]}], got {labels.DType.TorchName()} [{string.Join(", ", ls)}]", nameof(labels));
        }
        Name = name;
        Examples = examples.DetachFromScope();
        Labels = labels?.DetachFromScope();
        ClassNames = classNames;
        Count = shape[0];
        ItemShape = shape[1..];
    }

    /// <summary>Name shown to users (for example <c>fashion-mnist/train</c>).</summary>
    public string Name { get; }

    /// <summary>All examples, float32 [N, …] (or int64 [N, T] for token sequences).</summary>
    public Tensor Examples { get; }

    /// <summary>Labels int64 [N], or null for unlabelled data.</summary>
    public Tensor? Labels { get; }

    /// <summary>Names of the classes, indexed by label, when known.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>Number of examples.</summary>
    public long Count { get; }

    /// <summary>Shape of one example (for example [1, 28, 28]).</summary>
    public long[] ItemShape { get; }

    /// <summary>Number of values in one example.</summary>
    public long ItemSize => ItemShape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The examples (and labels) at <paramref name="indices"/> (int64 [B]); new tensors.</summary>
    public (Tensor X, Tensor? Y) Batch(Tensor indices) => (Examples.IndexSelect(0, indices), Labels?.IndexSelect(0, indices));

    /// <summary>The examples (and labels) in [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>); views.</summary>
    public (Tensor X, Tensor? Y) Range(long start, long count) => (Examples.Narrow(0, start, count), Labels?.Narrow(0, start, count));

    /// <summary>A new dataset holding a copy of the examples at <paramref name="indices"/>.</summary>
    public TensorDataset Subset(Tensor indices, string? name = null)
    {
        using var scope = Torch.NewScope();
        var (x, y) = Batch(indices);
        return new TensorDataset(name ?? Name, x.Contiguous().DetachFromScope(), y?.Contiguous().DetachFromScope(), ClassNames);
    }

    /// <summary>A new dataset holding a copy of the first <paramref name="count"/> examples (tiny runs, tests).</summary>
    public TensorDataset Take(long count, string? name = null)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be non-negative");
        using var scope = Torch.NewScope();
        var (x, y) = Range(0, Math.Min(count, Count));
        return new TensorDataset(name ?? Name, x.Contiguous().DetachFromScope(), y?.Contiguous().DetachFromScope(), ClassNames);
    }

    /// <summary>Disposes the tensors.</summary>
    public void Dispose()
    {
        Examples.Dispose();
        Labels?.Dispose();
    }
}

/// <summary>A train/test pair of datasets.</summary>
/// <param name="Train">Training examples.</param>
/// <param name="Test">Held-out examples (validation and test metrics).</param>
public sealed record DatasetSplits(TensorDataset Train, TensorDataset Test) : IDisposable
{
    /// <summary>Disposes both datasets.</summary>
    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}

/// <summary>
/// Yields mini-batches of indices over <c>[0, count)</c>, shuffled each epoch with its own
/// <see cref="Generator"/>, whose state can be saved and restored: a resumed run draws exactly the
/// batches an uninterrupted one would have.
/// </summary>
/// <remarks>
/// <b>Data-parallel training</b> (<see cref="WorldSize"/> &gt; 1, as PyTorch's <c>DistributedSampler</c>): every
/// rank draws the same epoch order from the same seed; global batch <c>b</c> is the slice
/// <c>[b·B·W, (b+1)·B·W)</c> of that order (B = <see cref="BatchSize"/> per rank, W ranks), and rank <c>r</c>
/// takes its elements <c>r, r+W, r+2W, …</c>. So the W ranks together see exactly the batches of one process
/// with batch B·W. A last global batch of m &lt; B·W examples is split the same way (rank shares differ by at
/// most one: weigh each rank's gradient by <see cref="Share"/>); one of fewer than W examples, which would leave
/// a rank with nothing, is dropped.
/// </remarks>
public sealed class BatchSampler : IDisposable
{
    private readonly Generator generator;

    /// <summary>Creates the sampler; <paramref name="rank"/> of <paramref name="worldSize"/> for data-parallel training.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count, batch size or world size below 1, or a rank outside [0, worldSize).</exception>
    public BatchSampler(long count, int batchSize, bool shuffle, ulong seed, bool dropLast = false, int rank = 0, int worldSize = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(worldSize);
        if (rank < 0 || rank >= worldSize) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be in [0, {worldSize})");
        Count = count;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        Rank = rank;
        WorldSize = worldSize;
        generator = new Generator(seed);
    }

    /// <summary>Number of examples sampled from.</summary>
    public long Count { get; }
    /// <summary>Examples per batch (per rank in data-parallel training).</summary>
    public int BatchSize { get; }
    /// <summary>Whether each epoch draws a new permutation.</summary>
    public bool Shuffle { get; }
    /// <summary>Whether a last incomplete batch is skipped.</summary>
    public bool DropLast { get; }
    /// <summary>This process's rank in data-parallel training (0 alone).</summary>
    public int Rank { get; }
    /// <summary>The number of ranks sharing each global batch (1 alone).</summary>
    public int WorldSize { get; }

    private long GlobalBatch => (long)BatchSize * WorldSize;

    /// <summary>Batches per epoch (global batches: every rank takes a share of each).</summary>
    public long BatchesPerEpoch
    {
        get
        {
            long full = Count / GlobalBatch, rest = Count % GlobalBatch;
            return full + (rest > 0 && !DropLast && rest >= WorldSize ? 1 : 0);
        }
    }

    /// <summary>The examples of global batch <paramref name="batch"/>, all ranks together.</summary>
    public long GlobalBatchSize(long batch) => Math.Min(GlobalBatch, Count - batch * GlobalBatch);

    /// <summary>
    /// The weight of this rank's gradient of batch <paramref name="batch"/> before the ranks' gradients are averaged:
    /// its share of the global batch times the world size (1 when the shares are equal). With a per-example mean loss,
    /// the weighted average is the gradient of the global batch's mean, as one process computes it.
    /// </summary>
    public double Share(long batch)
    {
        long m = GlobalBatchSize(batch);
        long mine = (m - Rank + WorldSize - 1) / WorldSize;
        return (double)mine * WorldSize / m;
    }

    /// <summary>
    /// The order of one epoch (int64 [Count]): a permutation drawn from the sampler's generator, or
    /// 0..Count-1 without shuffling. The caller owns the tensor.
    /// </summary>
    public Tensor EpochOrder() => Shuffle ? Torch.Randperm(Count, generator: generator) : Torch.Arange(0L, Count);

    /// <summary>The index batches of one epoch (this rank's shares), as views of one <see cref="EpochOrder"/> tensor (disposed after the loop).</summary>
    public IEnumerable<Tensor> Epoch()
    {
        using var order = EpochOrder().DetachFromScope();
        for (long b = 0; b < BatchesPerEpoch; b++)
            yield return BatchOf(order, b);
    }

    /// <summary>This rank's indices of batch <paramref name="batch"/> of an epoch's <paramref name="order"/> (a view).</summary>
    public Tensor BatchOf(Tensor order, long batch)
    {
        ArgumentNullException.ThrowIfNull(order);
        var global = order.Narrow(0, batch * GlobalBatch, GlobalBatchSize(batch));
        return WorldSize == 1 ? global : global.Slice(0, Rank, null, WorldSize);
    }

    /// <summary>The generator state (save it with a checkpoint).</summary>
    public byte[] GetState() => generator.GetState();

    /// <summary>Restores a state saved by <see cref="GetState"/>.</summary>
    public void SetState(ReadOnlySpan<byte> state) => generator.SetState(state);

    /// <summary>Releases the generator.</summary>
    public void Dispose() => generator.Dispose();
}
