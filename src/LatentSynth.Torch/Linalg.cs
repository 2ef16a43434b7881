namespace LatentSynth.Torch;

/// <summary><c>torch.linalg</c>: matrix decompositions.</summary>
public static class Linalg
{
    /// <summary>
    /// <c>torch.linalg.eigh</c>: eigenvalues in ascending order and the matching orthonormal
    /// eigenvectors (as columns) of a real symmetric matrix [n, n] (or a batch [..., n, n]). Only
    /// the lower triangle is read unless <paramref name="upper"/>.
    /// </summary>
    /// <exception cref="TorchException">The input is not square, or not floating point.</exception>
    public static (Tensor Eigenvalues, Tensor Eigenvectors) Eigh(Tensor input, bool upper = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        NativeMethods.Check(NativeMethods.lst_linalg_eigh(input.Handle, upper ? 1 : 0, out var w, out var v), "linalg.eigh");
        return (new Tensor(new TensorHandle(w)), new Tensor(new TensorHandle(v)));
    }

    /// <summary>
    /// <c>torch.linalg.svd</c>: A = U diag(S) Vh. Reduced (U [m, k], Vh [k, n], k = min(m, n)) unless
    /// <paramref name="fullMatrices"/>.
    /// </summary>
    /// <exception cref="TorchException">The input has fewer than 2 dimensions or is not floating point.</exception>
    public static (Tensor U, Tensor S, Tensor Vh) Svd(Tensor input, bool fullMatrices = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        NativeMethods.Check(NativeMethods.lst_linalg_svd(input.Handle, fullMatrices ? 1 : 0, out var u, out var s, out var vh), "linalg.svd");
        return (new Tensor(new TensorHandle(u)), new Tensor(new TensorHandle(s)), new Tensor(new TensorHandle(vh)));
    }
}
