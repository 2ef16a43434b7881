namespace LatentSynth.Torch.NN;

/// <summary>
/// torch.nn.functional: stateless layers and losses (convolution, pooling, upsampling, padding,
/// normalisation, dropout, losses). Names follow PyTorch in .NET casing (<c>F.Conv2d</c> for
/// <c>F.conv2d</c>); arguments keep PyTorch's order and defaults. Every result is a new tensor
/// owned by the caller (or the current <see cref="DisposeScope"/>), and every op is
/// differentiable where PyTorch's is.
/// </summary>
public static partial class F
{
    /// <summary>Shape as PyTorch prints it: <c>[2, 3]</c>.</summary>
    internal static string ShapeText(long[] shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>Throws when <paramref name="reduction"/> is not a defined <see cref="Reduction"/>.</summary>
    internal static int ReductionCode(Reduction reduction, string paramName = "reduction")
    {
        if (!Enum.IsDefined(reduction))
            throw new ArgumentException($"unknown reduction {(int)reduction}; use Reduction.None, Reduction.Mean or Reduction.Sum", paramName);
        return (int)reduction;
    }

    /// <summary>Whether two shapes broadcast against each other (PyTorch's rules).</summary>
    internal static bool Broadcastable(long[] a, long[] b)
    {
        for (int i = 1; i <= Math.Min(a.Length, b.Length); i++)
        {
            long x = a[^i], y = b[^i];
            if (x != y && x != 1 && y != 1) return false;
        }
        return true;
    }
}
