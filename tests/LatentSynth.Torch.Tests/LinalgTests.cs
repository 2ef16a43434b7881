namespace LatentSynth.Torch.Tests;

public class LinalgTests
{
    [Fact]
    public void EighReconstructsASymmetricMatrix()
    {
        using var scope = Torch.NewScope();
        var a = Tensor.From(new double[] { 4, 1, 2, 1, 3, 0, 2, 0, 5 }, 3, 3);
        var (w, v) = Linalg.Eigh(a);
        var vals = w.ToArray<double>();
        Assert.True(vals[0] <= vals[1] && vals[1] <= vals[2], "eigenvalues ascending");
        Assert.Equal(12.0, vals.Sum(), 10); // trace
        var back = (v * w.Unsqueeze(0)).Matmul(v.T); // V diag(w) Vᵀ
        var diff = (back - a).Abs().Max().Item();
        Assert.True(diff < 1e-12, $"|V diag(w) Vt - A| = {diff}");
    }

    [Fact]
    public void SvdReconstructsARectangularMatrix()
    {
        using var scope = Torch.NewScope();
        var a = Tensor.From(new double[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var (u, s, vh) = Linalg.Svd(a);
        Assert.Equal([2L, 2L], u.Shape);
        Assert.Equal([2L, 3L], vh.Shape);
        var back = (u * s.Unsqueeze(0)).Matmul(vh);
        Assert.True((back - a).Abs().Max().Item() < 1e-12);
    }

    [Fact]
    public void EighOfANonSquareMatrixIsATorchException()
    {
        using var scope = Torch.NewScope();
        var e = Assert.Throws<TorchException>(() => Linalg.Eigh(Torch.Zeros(2, 3)));
        Assert.Equal("linalg.eigh", e.Operation);
    }
}
