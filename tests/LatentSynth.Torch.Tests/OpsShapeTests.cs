namespace LatentSynth.Torch.Tests;

/// <summary>Views, indexing, joining/splitting, gathers and scatters against PyTorch goldens.</summary>
public class OpsShapeTests
{
    private static readonly TensorIndex All = ..;

    private static Tensor Put(Tensor x, Action<Tensor> assign)
    {
        var y = x * 1; // a non-leaf copy, as y = x * 1 in gen_ops.py
        assign(y);
        return y;
    }

    public static readonly Dictionary<string, Func<Tensor[], Tensor>> Cases = new()
    {
        ["reshape"] = a => a[0].Reshape(4, -1),
        ["view"] = a => a[0].View(2, 6),
        ["permute"] = a => a[0].Permute(2, 0, 1),
        ["transpose"] = a => a[0].Transpose(0, 2),
        ["t"] = a => a[0].T,
        ["squeeze"] = a => a[0].Squeeze(),
        ["squeeze_dim"] = a => a[0].Squeeze(1),
        ["unsqueeze"] = a => a[0].Unsqueeze(-1),
        ["expand"] = a => a[0].Expand(2, 3, 4),
        ["expand_as"] = a => a[0].ExpandAs(a[1]),
        ["flatten"] = a => a[0].Flatten(),
        ["flatten_1"] = a => a[0].Flatten(1),
        ["unflatten"] = a => a[0].Unflatten(1, 2, 2),
        ["narrow"] = a => a[0].Narrow(1, 1, 2),
        ["select"] = a => a[0].Select(1, -1),
        ["slice_step"] = a => a[0].Slice(1, 1, null, 2),
        ["slice_neg"] = a => a[0][^2..],
        ["index_int"] = a => a[0][1],
        ["index_neg_range"] = a => a[0][^1, 1..^1],
        ["index_mixed"] = a => a[0][1.., TensorIndex.None, TensorIndex.Ellipsis, TensorIndex.Slice(step: 2)],
        ["index_ellipsis_int"] = a => a[0][TensorIndex.Ellipsis, 0],
        ["index_tensor"] = a => a[0][a[1]],
        ["index_tensor_dim1"] = a => a[0][All, a[1]],
        ["index_mask"] = a => a[0][a[1]],
        ["index_put_slice"] = a => Put(a[0], y => y[0, 1..3] = a[1]),
        ["index_put_mask_scalar"] = a => Put(a[0], y => y[a[1]] = 0.0),
        ["index_put_row_scalar"] = a => Put(a[0], y => y[1] = 2.5),
        ["index_put_tensor"] = a => Put(a[0], y => y[a[1]] = a[2]),
        ["cat"] = a => Torch.Cat([a[0], a[1]], 1),
        ["cat_d0"] = a => Torch.Cat(a),
        ["stack"] = a => Torch.Stack(a),
        ["stack_dm1"] = a => Torch.Stack(a, -1),
        ["chunk"] = a => a[0].Chunk(2, 1)[1],
        ["split"] = a => a[0].Split(3, 1)[1],
        ["split_sizes"] = a => a[0].Split([1, 3], 1)[1],
        ["unbind"] = a => a[0].Unbind(1)[2],
        ["index_select"] = a => a[0].IndexSelect(1, a[1]),
        ["gather"] = a => a[0].Gather(1, a[1]),
        ["scatter"] = a => a[0].Scatter(1, a[1], a[2]),
        ["scatter_value"] = a => a[0].Scatter(1, a[1], -2.0),
        ["scatter_add"] = a => a[0].ScatterAdd(0, a[1], a[2]),
        ["masked_fill"] = a => a[0].MaskedFill(a[1], -1.0),
        ["masked_fill_broadcast"] = a => a[0].MaskedFill(a[1], 7.0),
        ["where"] = a => Torch.Where(a[0], a[1], a[2]),
        ["where_scalar_b"] = a => Torch.Where(a[0], a[1], 0.5),
        ["where_scalar_a"] = a => Torch.Where(a[0], -0.5, a[1]),
        ["repeat"] = a => a[0].Repeat(2, 1, 3),
        ["flip"] = a => a[0].Flip(0, 2),
        ["roll"] = a => a[0].Roll(1, 1),
        ["roll_multi"] = a => a[0].Roll([1, -2], [0, 2]),
        ["roll_flat"] = a => a[0].Roll(5),
        ["tril"] = a => a[0].Tril(),
        ["triu_1"] = a => a[0].Triu(1),
    };

    public static IEnumerable<object[]> Names => OpsGolden.Names(Cases);

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesPyTorch(string name) => OpsGolden.Check(name, Cases[name]);

    [Fact]
    public void ViewsShareStorageAndReportShapes()
    {
        using var scope = Torch.NewScope();
        var x = Torch.Arange(24L).Reshape(2, 3, 4);
        Assert.Equal([2L, 3L, 4L], x.Shape);
        var v = x.View(6, 4);
        v[0, 0] = Tensor.Scalar(100L);
        Assert.Equal(100L, x[0, 0, 0].ItemLong()); // the view wrote through
        var p = x.Permute(2, 0, 1);
        Assert.Equal([4L, 2L, 3L], p.Shape);
        Assert.False(p.IsContiguous);
        Assert.Equal([1L, 2L, 3L, 4L], x.Unsqueeze(0).Shape);
        Assert.Equal([2L, 12L], x.Flatten(1).Shape);
        Assert.Equal([3L, 2L, 4L], x.Transpose(0, 1).Shape);
        Assert.Equal([2L, 3L], x[.., .., 0].Shape);
        Assert.Equal([2L, 1L, 3L, 4L], x[.., TensorIndex.None].Shape);
        Assert.Equal([1L, 2L, 3L, 4L], x[true].Shape);
        Assert.Equal([0L, 3L, 4L], x[^0..].Shape); // start past the end: empty, as x[2:] in Python
        Assert.Equal(new long[] { 20, 21, 22, 23 }, x[^1, ^1].ToArray<long>());
    }

    [Fact]
    public void SplittingReturnsEveryPiece()
    {
        using var scope = Torch.NewScope();
        var x = Torch.Arange(10L);
        var chunks = x.Chunk(3);
        Assert.Equal([4L, 4L, 2L], chunks.Select(c => c.Shape[0]).ToArray());
        var parts = x.Split(4);
        Assert.Equal([4L, 4L, 2L], parts.Select(c => c.Shape[0]).ToArray());
        var sized = x.Split([1, 2, 7]);
        Assert.Equal(new long[] { 1, 2 }, sized[1].ToArray<long>());
        Assert.Equal(5, x.Reshape(5, 2).Unbind().Length);
        var roundTrip = Torch.Cat(parts);
        Assert.True(roundTrip.Equal(x));
    }

    [Fact]
    public void IndexAssignmentWritesInPlace()
    {
        using var scope = Torch.NewScope();
        var x = Torch.Zeros(3, 4);
        x[1] = 5.0;
        x[.., 0] = Tensor.From(new float[] { 1, 2, 3 });
        x[x.Gt(4.0)] = -1L;
        x.Fill_(9.0, 2, ^1);
        Assert.Equal(new float[] { 1, 0, 0, 0, 2, -1, -1, -1, 3, 0, 0, 9 }, x.ToArray<float>());
        x.MaskedFill_(x.Lt(0.0), 0.5).Zero_();
        Assert.Equal(0.0, x.Sum().Item());
    }

    [Fact]
    public void WhereWithNumbersFollowsPyTorchsTypePromotion()
    {
        using var scope = Torch.NewScope();
        var c = Tensor.From(new[] { true, false });
        var ints = Torch.Where(c, 1, 0);
        Assert.Equal(DType.Int64, ints.DType);
        Assert.Equal(new long[] { 1, 0 }, ints.ToArray<long>());
        Assert.Equal(DType.Float32, Torch.Where(c, 1.0, 0.0).DType);
        Assert.Equal(new float[] { 0, 3 }, Torch.Where(c, Torch.Zeros(2), 3).ToArray<float>());
        var promoted = Torch.Where(c, Torch.Zeros([2], DType.Int64), 0.5);
        Assert.Equal(DType.Float32, promoted.DType);
        Assert.Equal(new float[] { 0, 0.5f }, promoted.ToArray<float>());
        Assert.Equal(new long[] { 7, 5 }, Torch.Where(c, 7, Torch.Full([2], 5, DType.Int64)).ToArray<long>());
    }
}
