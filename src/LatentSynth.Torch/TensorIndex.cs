namespace LatentSynth.Torch;

/// <summary>
/// One entry of a Python-style index, used by the tensor indexer
/// <c>t[0, 1..^1, TensorIndex.None, TensorIndex.Ellipsis]</c>. Integers select (and remove the
/// dimension), <see cref="System.Index"/> <c>^k</c> selects from the end, <see cref="System.Range"/>
/// slices, <see cref="Slice"/> slices with a step, <see cref="Ellipsis"/> stands for the remaining
/// dimensions, <see cref="None"/> inserts a new axis of size 1, and a tensor indexes with long
/// indices or a boolean mask (advanced indexing, as in PyTorch).
/// </summary>
public readonly struct TensorIndex
{
    internal enum IndexKind
    {
        Integer = 0,
        Slice = 1,
        Ellipsis = 2,
        None = 3,
        Tensor = 4,
        Boolean = 5,
    }

    internal IndexKind Kind { get; }
    internal long? Start { get; }
    internal long? Stop { get; }
    internal long Step { get; }
    internal long Value { get; }
    internal Tensor? IndexTensor { get; }

    private TensorIndex(IndexKind kind, long value = 0, long? start = null, long? stop = null, long step = 1, Tensor? tensor = null)
    {
        Kind = kind;
        Value = value;
        Start = start;
        Stop = stop;
        Step = step;
        IndexTensor = tensor;
    }

    /// <summary>Selects position <paramref name="index"/> (negative counts from the end).</summary>
    public static TensorIndex Single(long index) => new(IndexKind.Integer, index);

    /// <summary>
    /// The slice <c>start:stop:step</c>; a null bound leaves that end open, negative bounds count
    /// from the end. <paramref name="step"/> must be positive (as in PyTorch).
    /// </summary>
    public static TensorIndex Slice(long? start = null, long? stop = null, long step = 1)
    {
        if (step <= 0) throw new ArgumentOutOfRangeException(nameof(step), step, "slice step must be positive (PyTorch has no negative steps; use Flip)");
        return new(IndexKind.Slice, start: start, stop: stop, step: step);
    }

    /// <summary><c>...</c>: as many full slices as needed to index every dimension.</summary>
    public static TensorIndex Ellipsis => new(IndexKind.Ellipsis);

    /// <summary><c>None</c>: inserts a new dimension of size 1 at this position.</summary>
    public static TensorIndex None => new(IndexKind.None);

    /// <summary>Indexes with a tensor: int64 indices, or a bool mask selecting elements.</summary>
    public static TensorIndex FromTensor(Tensor index)
    {
        ArgumentNullException.ThrowIfNull(index);
        return new(IndexKind.Tensor, tensor: index);
    }

    /// <summary>Selects position <paramref name="index"/>.</summary>
    public static implicit operator TensorIndex(long index) => Single(index);

    /// <summary>Selects position <paramref name="index"/>.</summary>
    public static implicit operator TensorIndex(int index) => Single(index);

    /// <summary>Selects a position; <c>^k</c> counts from the end (<c>^1</c> is the last).</summary>
    public static implicit operator TensorIndex(Index index)
    {
        if (!index.IsFromEnd) return Single(index.Value);
        if (index.Value == 0)
            throw new ArgumentOutOfRangeException(nameof(index), "^0 points past the last element and cannot select one; use ^1 for the last");
        return Single(-(long)index.Value);
    }

    /// <summary>Slices with a <see cref="System.Range"/>: <c>1..^1</c> is Python's <c>1:-1</c>, <c>..</c> is <c>:</c>.</summary>
    public static implicit operator TensorIndex(Range range)
    {
        // Start ^0 is "at the end" (an empty slice): a start past the size is clamped by libtorch.
        long start = range.Start.IsFromEnd
            ? (range.Start.Value == 0 ? long.MaxValue : -(long)range.Start.Value)
            : range.Start.Value;
        long? stop = range.End.IsFromEnd
            ? (range.End.Value == 0 ? null : -(long)range.End.Value)
            : range.End.Value;
        return new(IndexKind.Slice, start: start, stop: stop, step: 1);
    }

    /// <summary>Indexes with a tensor (int64 indices or bool mask).</summary>
    public static implicit operator TensorIndex(Tensor index) => FromTensor(index);

    /// <summary>Python's <c>True</c>/<c>False</c> index: adds a dimension of size 1 (or 0 for false).</summary>
    public static implicit operator TensorIndex(bool value) => new(IndexKind.Boolean, value ? 1 : 0);

    internal NativeIndex ToNative(IntPtr tensorHandle) => new()
    {
        Kind = (int)Kind,
        Flags = (Start.HasValue ? 1 : 0) | (Stop.HasValue ? 2 : 0),
        A = Kind == IndexKind.Slice ? Start.GetValueOrDefault() : Value,
        B = Stop.GetValueOrDefault(),
        C = Step,
        Tensor = tensorHandle,
    };

    /// <summary>Python-like text of the index (for messages).</summary>
    public override string ToString() => Kind switch
    {
        IndexKind.Integer => Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        IndexKind.Slice => $"{Start}:{Stop}" + (Step != 1 ? $":{Step}" : ""),
        IndexKind.Ellipsis => "...",
        IndexKind.None => "None",
        IndexKind.Boolean => Value != 0 ? "True" : "False",
        _ => "tensor",
    };
}
