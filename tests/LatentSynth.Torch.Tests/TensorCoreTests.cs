using LatentSynth.Torch;

namespace LatentSynth.Torch.Tests;

[Collection(ProcessWideState.Name)]
public class TensorCoreTests
{
    [Fact]
    public void RoundTripsFloatDataWithShape()
    {
        float[] data = [1, 2, 3, 4, 5, 6];
        using var t = Tensor.From(data, 2, 3);
        Assert.Equal([2L, 3L], t.Shape);
        Assert.Equal(DType.Float32, t.DType);
        Assert.Equal(6, t.NumEl);
        Assert.Equal(data, t.ToArray<float>());
    }

    [Fact]
    public void RoundTripsDoubleLongAndBool()
    {
        using var d = Tensor.From(new[] { 1.5, -2.25 });
        Assert.Equal(new[] { 1.5, -2.25 }, d.ToArray<double>());
        using var l = Tensor.From(new long[] { 7, 8, 9 }, 3, 1);
        Assert.Equal([3L, 1L], l.Shape);
        Assert.Equal(new long[] { 7, 8, 9 }, l.ToArray<long>());
        using var b = Tensor.From(new[] { true, false });
        Assert.Equal(DType.Bool, b.DType);
        Assert.Equal(new[] { true, false }, b.ToArray<bool>());
    }

    [Fact]
    public void WrongElementCountIsAnArgumentError()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.From(new float[5], 2, 3));
        Assert.Contains("5 values cannot fill shape [2, 3]", e.Message);
    }

    [Fact]
    public void ReadingAsTheWrongTypeNamesBothTypes()
    {
        using var t = Tensor.From(new float[] { 1 });
        var e = Assert.Throws<ArgumentException>(() => t.ToArray<double>());
        Assert.Contains("float32", e.Message);
        Assert.Contains("Double", e.Message);
    }

    [Fact]
    public void ItemOfManyElementsIsATorchException()
    {
        using var t = Tensor.From(new float[] { 1, 2 });
        var e = Assert.Throws<TorchException>(() => t.Item());
        Assert.Equal("item", e.Operation);
        Assert.False(string.IsNullOrWhiteSpace(e.NativeMessage));
    }

    [Fact]
    public void UsingADisposedTensorThrowsObjectDisposed()
    {
        var t = Tensor.From(new float[] { 1 });
        t.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => t.Shape);
        Assert.Contains("disposed", e.Message);
        t.Dispose(); // twice is harmless
    }

    [Fact]
    public void ScopeDisposesItsTensorsAndMovesOutWhatIsKept()
    {
        long baseline = Torch.LiveTensors;
        Tensor kept;
        Tensor dropped;
        using (Torch.NewScope())
        {
            dropped = Tensor.From(new float[] { 1 });
            kept = Tensor.From(new float[] { 2 }).MoveToOuterScope();
            Assert.Equal(baseline + 2, Torch.LiveTensors);
        }
        Assert.True(dropped.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.Equal(2f, kept.ToArray<float>()[0]);
        kept.Dispose();
        Assert.Equal(baseline, Torch.LiveTensors);
    }

    [Fact]
    public void GeneratorStateRestoresTheSameStream()
    {
        using var scope = Torch.NewScope();
        using var g = new Generator(123);
        Torch.Randn([5], generator: g);                          // move the stream away from its start
        var state = g.GetState();
        Assert.NotEmpty(state);
        var expected = Torch.Randn([8], generator: g).ToArray<float>();
        using var g2 = new Generator(999);
        g2.SetState(state);
        Assert.Equal(state, g2.GetState());
        Assert.Equal(123UL, g2.InitialSeed);
        // The restored generator draws the very numbers the original drew after the saved point...
        Assert.Equal(expected, Torch.Randn([8], generator: g2).ToArray<float>());
        // ...and so does the original, put back to that point.
        g.SetState(state);
        Assert.Equal(expected, Torch.Randn([8], generator: g).ToArray<float>());
        // A generator left at its own seed draws something else (the test can fail).
        using var g3 = new Generator(999);
        Assert.NotEqual(expected, Torch.Randn([8], generator: g3).ToArray<float>());
    }

    [Fact]
    public void ThreadsCanBeSetAndRead()
    {
        int before = Torch.NumThreads;
        try
        {
            Torch.NumThreads = 1;
            Assert.Equal(1, Torch.NumThreads);
            Assert.Throws<TorchException>(() => Torch.NumThreads = 0);
        }
        finally { Torch.NumThreads = before; }
    }

    [Fact]
    public void RuntimeReportsLibTorchAndBlas()
    {
        Assert.StartsWith("1.13", Torch.LibTorchVersion); // Debian 1.13.1 headers say 1.13.0
        Assert.NotEqual("reference", Torch.Blas.Kind);
    }
}
