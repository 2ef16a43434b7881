namespace LatentSynth.Torch.Tests;

/// <summary>
/// Mistakes a user can make: each surfaces as a TorchException naming the operation and carrying
/// libtorch's message (or as an ArgumentException for managed checks), and the process goes on.
/// </summary>
public class OpsErrorTests
{
    private static void AssertTorchError(Func<Tensor> op, string operation, params string[] messageParts)
    {
        var e = Assert.Throws<TorchException>(() => { op(); });
        Assert.Equal(operation, e.Operation);
        foreach (var part in messageParts) Assert.Contains(part, e.NativeMessage);
        // The process (and the thread's libtorch state) carries on.
        using var t = Torch.Ones(2);
        using var s = t.Sum();
        Assert.Equal(2.0, s.Item());
    }

    [Fact]
    public void MatmulShapeMismatch()
    {
        using var scope = Torch.NewScope();
        AssertTorchError(() => Torch.Zeros(2, 3).Matmul(Torch.Zeros(4, 5)), "matmul", "cannot be multiplied", "2x3", "4x5");
        AssertTorchError(() => Torch.Mm(Torch.Zeros(2, 3, 1), Torch.Zeros(3, 1)), "mm", "self must be a matrix");
        AssertTorchError(() => Torch.Bmm(Torch.Zeros(2, 3), Torch.Zeros(3, 1)), "bmm", "must be a 3D tensor");
        AssertTorchError(() => Torch.Zeros(2, 3).Matmul(Torch.Zeros([3, 1], DType.Float64)), "matmul", "expected scalar type Float but found Double");
        AssertTorchError(() => NN.F.Linear(Torch.Zeros(2, 3), Torch.Zeros(4, 5)), "linear", "cannot be multiplied");
    }

    [Fact]
    public void CatOfMismatchedShapes()
    {
        using var scope = Torch.NewScope();
        AssertTorchError(() => Torch.Cat([Torch.Zeros(2, 3), Torch.Zeros(2, 4)]), "cat", "Sizes of tensors must match except in dimension 0");
        AssertTorchError(() => Torch.Stack([Torch.Zeros(2), Torch.Zeros(3)]), "stack", "stack expects each tensor to be equal size");
    }

    [Fact]
    public void ReshapeToTheWrongNumberOfElements()
    {
        using var scope = Torch.NewScope();
        AssertTorchError(() => Torch.Zeros(2, 3).Reshape(4, 2), "reshape", "shape '[4, 2]' is invalid for input of size 6");
        AssertTorchError(() => Torch.Zeros(2, 3).T.View(6), "view", "view size is not compatible");
        AssertTorchError(() => Torch.Zeros(2, 3).Expand(4, 3), "expand", "must match the existing size");
    }

    [Fact]
    public void DimOutOfRange()
    {
        using var scope = Torch.NewScope();
        var x = Torch.Zeros(2, 3);
        AssertTorchError(() => x.Sum(5), "sum", "Dimension out of range", "got 5");
        AssertTorchError(() => x.Softmax(2), "softmax", "Dimension out of range");
        AssertTorchError(() => x.Transpose(0, -3), "transpose", "Dimension out of range");
        AssertTorchError(() => x.Max(3).Values, "max", "Dimension out of range");
    }

    [Fact]
    public void IndexOutOfRange()
    {
        using var scope = Torch.NewScope();
        var x = Torch.Zeros(3, 4);
        AssertTorchError(() => x[10], "index", "index 10 is out of bounds for dimension 0 with size 3");
        AssertTorchError(() => x.Select(1, -5), "select", "out of range");
        AssertTorchError(() => x.IndexSelect(0, Tensor.From(new long[] { 0, 3 })), "index_select", "out of range");
        AssertTorchError(() => x[Tensor.From(new long[] { 7 })], "index", "out of bounds");
        AssertTorchError(() => x.Narrow(1, 3, 2), "narrow", "exceeds dimension size");
    }

    [Fact]
    public void WrongDtype()
    {
        using var scope = Torch.NewScope();
        var x = Torch.Zeros(3, 4);
        AssertTorchError(() => x.Gather(1, Torch.Zeros(3, 1)), "gather", "Expected dtype int64 for index");
        AssertTorchError(() => Torch.Where(Torch.Zeros(3, 4), x, x), "where", "expected condition to be a boolean tensor");
        AssertTorchError(() => x.IndexSelect(0, Torch.Zeros(2)), "index_select", "Expected dtype int32 or int64 for index");
        AssertTorchError(() => x[Torch.Zeros(2)], "index", "tensors used as indices must be long, byte or bool tensors");
        AssertTorchError(() => Torch.Arange(3L).Mean(), "mean", "Long");
        AssertTorchError(() => Torch.Zeros([2], DType.Int64, requiresGrad: true), "zeros", "floating point");
    }

    [Fact]
    public void BadFactoryArguments()
    {
        using var scope = Torch.NewScope();
        AssertTorchError(() => Torch.Zeros(2, -1), "zeros", "negative size -1");
        AssertTorchError(() => Torch.Randint(5, 5, [3]), "randint", "random_ expects 'from' to be less than 'to'");
        AssertTorchError(() => Torch.Linspace(0, 1, -2), "linspace", "non-negative");
        AssertTorchError(() => Torch.Arange(0.0, 1.0, 0.0), "arange", "step must be nonzero");
        AssertTorchError(() => Torch.Multinomial(Tensor.From(new float[] { 1, 0 }), 3), "multinomial", "cannot sample n_sample > prob_dist.size(-1) samples without replacement");
    }

    [Fact]
    public void ManagedArgumentChecksNameTheArgument()
    {
        using var scope = Torch.NewScope();
        var x = Torch.Zeros(3);
        var gelu = Assert.Throws<ArgumentException>(() => x.Gelu("exact"));
        Assert.Equal("approximate", gelu.ParamName);
        Assert.Contains("\"none\" or \"tanh\"", gelu.Message);
        var clamp = Assert.Throws<ArgumentException>(() => x.Clamp(min: (double?)null));
        Assert.Contains("at least one of min and max", clamp.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TensorIndex.Slice(0, 2, 0));
        var fromEnd = Assert.Throws<ArgumentOutOfRangeException>(() => x[^0]);
        Assert.Contains("^1", fromEnd.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Torch.Eye(2, -1));
        Assert.Throws<ArgumentNullException>(() => x.Reshape(null!));
    }
}
