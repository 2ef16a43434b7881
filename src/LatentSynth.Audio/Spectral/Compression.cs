using LatentSynth.Torch;

namespace LatentSynth.Audio.Spectral;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Amplitude compression applied to transform frames before normalization.</summary>
public enum CompressionKind
{
    /// <summary>y = x.</summary>
    None,
    /// <summary>y = ln(x + Eps).</summary>
    Log,
    /// <summary>y = ln(1 + C · x).</summary>
    Log1p,
    /// <summary>y = x^P.</summary>
    Power,
}

/// <summary>
/// Amplitude compression and its inverse. Log uses ln(x + Eps) with Eps = 1e-5 by default (−115 dB
/// below a unit magnitude: far under the quietest content of a normalized recording, so silence
/// does not dominate the value range); Log1p ln(1 + C·x) (C = 1 by default) is exact at 0; Power
/// x^P (P = 0.5 by default). Inverses clamp to non-negative magnitudes.
/// </summary>
/// <param name="Kind">Which compression.</param>
/// <param name="Eps">Offset of <see cref="CompressionKind.Log"/>.</param>
/// <param name="C">Scale of <see cref="CompressionKind.Log1p"/>.</param>
/// <param name="P">Exponent of <see cref="CompressionKind.Power"/>.</param>
public sealed record Compression(CompressionKind Kind = CompressionKind.Log, double Eps = 1e-5, double C = 1.0, double P = 0.5)
{
    /// <summary>Throws an <see cref="ArgumentException"/> naming the setting when one is out of range.</summary>
    public Compression Validate()
    {
        if (Kind == CompressionKind.Log && !(Eps > 0)) throw new ArgumentException($"Compression: Eps must be positive for log, got {Eps}", nameof(Eps));
        if (Kind == CompressionKind.Log1p && !(C > 0)) throw new ArgumentException($"Compression: C must be positive for log1p, got {C}", nameof(C));
        if (Kind == CompressionKind.Power && !(P > 0)) throw new ArgumentException($"Compression: P must be positive for power, got {P}", nameof(P));
        return this;
    }

    /// <summary>Compresses non-negative values (negative inputs are clamped to 0 first).</summary>
    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        Validate();
        using var c = x.ClampMin(0.0);
        return Kind switch
        {
            CompressionKind.None => c.Clone(),
            CompressionKind.Log => Log(c.Add(Eps)),
            CompressionKind.Log1p => Log1p(c.Mul(C)),
            _ => c.Pow(P),
        };
    }

    /// <summary>Inverse of <see cref="Forward"/>, clamped to non-negative values.</summary>
    public Tensor Inverse(Tensor y)
    {
        ArgumentNullException.ThrowIfNull(y);
        Validate();
        using var scope = Torch.NewScope();
        var r = Kind switch
        {
            CompressionKind.None => y.ClampMin(0.0),
            CompressionKind.Log => y.Exp().Sub(Eps).ClampMin(0.0),
            CompressionKind.Log1p => y.Expm1().Div(C).ClampMin(0.0),
            _ => y.ClampMin(0.0).Pow(1.0 / P),
        };
        return r.MoveToOuterScope();
    }

    private static Tensor Log(Tensor t) { using (t) return t.Log(); }

    private static Tensor Log1p(Tensor t) { using (t) return t.Log1p(); }
}
