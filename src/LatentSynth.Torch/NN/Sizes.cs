using System.Collections;
using System.Runtime.CompilerServices;

namespace LatentSynth.Torch.NN;

/// <summary>
/// An integer argument given either once for every spatial dimension or once per dimension,
/// like PyTorch's <c>int or tuple</c> arguments (<c>stride=2</c> or <c>stride=(2, 1)</c>).
/// Converts implicitly from <see cref="long"/> (and <see cref="int"/>), from <c>long[]</c> and
/// from a collection expression (<c>stride: [2, 1]</c>). For convolution padding only, it can also
/// hold the mode strings <c>"same"</c> or <c>"valid"</c>. <c>default</c> means "not given": the
/// function's PyTorch default applies.
/// </summary>
[CollectionBuilder(typeof(Sizes), nameof(Create))]
public readonly struct Sizes : IEnumerable<long>
{
    private readonly long[]? values;

    /// <summary>Sizes with one value per dimension (or a single value for all of them).</summary>
    public Sizes(params long[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        this.values = (long[])values.Clone();
        Mode = null;
    }

    private Sizes(string mode)
    {
        values = null;
        Mode = mode;
    }

    /// <summary>The padding mode (<c>"same"</c> or <c>"valid"</c>) when this holds one instead of numbers.</summary>
    public string? Mode { get; }

    /// <summary>True when nothing was given (neither numbers nor a mode).</summary>
    public bool IsDefault => values is null && Mode is null;

    /// <summary>Number of values given (0 when default or a mode).</summary>
    public int Count => values?.Length ?? 0;

    /// <summary>Builds sizes from a span (used by collection expressions).</summary>
    public static Sizes Create(ReadOnlySpan<long> values) => new(values.ToArray());

    /// <summary>The same value for every spatial dimension.</summary>
    public static implicit operator Sizes(long value) => new([value]);

    /// <summary>One value per spatial dimension (a single entry is used for all of them); null means not given.</summary>
    public static implicit operator Sizes(long[]? values) => values is null ? default : new(values);

    /// <summary>A convolution padding mode, <c>"same"</c> or <c>"valid"</c> (null means not given).</summary>
    public static implicit operator Sizes(string? mode) => mode is null ? default : new Sizes(mode);

    /// <inheritdoc />
    public IEnumerator<long> GetEnumerator() => ((IEnumerable<long>)(values ?? [])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>PyTorch-style text: <c>2</c>, <c>[2, 1]</c>, <c>'same'</c> or <c>default</c>.</summary>
    public override string ToString() =>
        Mode is not null ? $"'{Mode}'" :
        values is null ? "default" :
        values.Length == 1 ? values[0].ToString(System.Globalization.CultureInfo.InvariantCulture) :
        "[" + string.Join(", ", values) + "]";

    /// <summary>
    /// The values to pass to libtorch: <paramref name="fallback"/> when not given (may be empty,
    /// meaning libtorch's own default), otherwise the given values after checking that there is
    /// one, or one per spatial dimension. A mode string is rejected here.
    /// </summary>
    internal long[] Resolve(int spatialDims, long[] fallback, string function, string paramName)
    {
        if (Mode is not null)
            throw new ArgumentException($"{function}: {paramName} must be numbers here; the mode '{Mode}' is only accepted as convolution padding", paramName);
        if (values is null) return fallback;
        if (values.Length != 1 && values.Length != spatialDims)
            throw new ArgumentException(
                $"{function}: {paramName} needs 1 or {spatialDims} values, got {values.Length} ({this})", paramName);
        return values;
    }
}
