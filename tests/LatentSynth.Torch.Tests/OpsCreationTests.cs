namespace LatentSynth.Torch.Tests;

/// <summary>Factories, fillers and random streams.</summary>
public class OpsCreationTests
{
    private static Tensor G(string name) => Goldens.Get(OpsGolden.Area, name);

    [Fact]
    public void ConstantFactoriesHaveShapeDtypeAndValues()
    {
        using var scope = Torch.NewScope();
        var z = Torch.Zeros(2, 3);
        Assert.Equal([2L, 3L], z.Shape);
        Assert.Equal(DType.Float32, z.DType);
        Assert.All(z.ToArray<float>(), v => Assert.Equal(0f, v));
        var o = Torch.Ones([4], DType.Float64, requiresGrad: true);
        Assert.True(o.RequiresGrad);
        Assert.True(o.IsLeaf);
        Assert.All(o.ToArray<double>(), v => Assert.Equal(1.0, v));
        var f = Torch.Full([2, 2], 0.1);
        Goldens.AssertClose(G("create.full"), Torch.Full([2, 3], 0.1), 0, 0, "full");
        Assert.Equal(DType.Float32, f.DType);
        var big = Torch.Full([1], long.MaxValue, DType.Int64);
        Assert.Equal(long.MaxValue, big.ItemLong());
        Assert.Equal([3L, 0L], Torch.Empty(3, 0).Shape);
        Assert.Equal(DType.Int32, Torch.Empty([2], DType.Int32).DType);

        var like = Torch.ZerosLike(o);
        Assert.Equal(DType.Float64, like.DType);
        Assert.False(like.RequiresGrad);
        Assert.Equal(DType.Int64, Torch.OnesLike(o, DType.Int64).DType);
        Assert.Equal(new double[] { 2.5, 2.5, 2.5, 2.5 }, Torch.FullLike(o, 2.5).ToArray<double>());

        var s = Tensor.Scalar(1.5);
        Assert.Equal(0, s.Dim);
        Assert.Equal(DType.Float32, s.DType);
        Assert.Equal(DType.Int64, Tensor.Scalar(3).DType);
        Assert.Equal(DType.Bool, Tensor.Scalar(true).DType);
        Tensor implicitScalar = 2.0;
        Assert.Equal(2.0, implicitScalar.Item());
    }

    [Fact]
    public void RangesAndEyeMatchPyTorch()
    {
        using var scope = Torch.NewScope();
        // Same kernels: exact.
        var al = Torch.Arange(2, 11, 3);
        Assert.Equal(DType.Int64, al.DType);
        Goldens.AssertClose(G("create.arange_long"), al, 0, 0, "arange(2, 11, 3)");
        var af = Torch.Arange(0.0, 1.0, 0.1);
        Assert.Equal(DType.Float32, af.DType);
        Goldens.AssertClose(G("create.arange_float"), af, 0, 0, "arange(0.0, 1.0, 0.1)");
        Assert.Equal(G("create.arange_end").ToArray<long>(), Torch.Arange(5).ToArray<long>());
        Assert.Equal(DType.Float32, Torch.Arange(5.0).DType);
        Goldens.AssertClose(G("create.linspace"), Torch.Linspace(-1, 2, 7), 0, 0, "linspace");
        var l64 = Torch.Linspace(0, 1, 11, DType.Float64);
        Assert.Equal(G("create.linspace_f64").ToArray<double>(), l64.ToArray<double>());
        Goldens.AssertClose(G("create.eye"), Torch.Eye(3), 0, 0, "eye(3)");
        Goldens.AssertClose(G("create.eye_nm"), Torch.Eye(2, 4), 0, 0, "eye(2, 4)");
        Assert.True(Torch.Arange(0.0, 3.0, requiresGrad: true).RequiresGrad);
    }

    [Fact]
    public void FillersWorkInPlaceAndReturnThis()
    {
        using var scope = Torch.NewScope();
        var t = Torch.Empty(5);
        Assert.Same(t, t.Fill_(3.0));
        Assert.All(t.ToArray<float>(), v => Assert.Equal(3f, v));
        t.Zero_();
        Assert.Equal(0.0, t.Abs().Sum().Item());
        using var g = new Generator(1);
        t.Uniform_(-2, -1, g);
        Assert.All(t.ToArray<float>(), v => Assert.InRange(v, -2f, -1f));
        var n = Torch.Empty(2000).Normal_(5, 0.1, g);
        Assert.InRange(n.Mean().Item(), 4.99, 5.01);
        Assert.InRange(n.Std().Item(), 0.09, 0.11);
        var b = Torch.Empty(1000).Bernoulli_(0.25, g);
        Assert.InRange(b.Mean().Item(), 0.2, 0.3);
        var i = Torch.Empty([3], DType.Int64).Fill_(long.MaxValue);
        Assert.All(i.ToArray<long>(), v => Assert.Equal(long.MaxValue, v));
        var r = Torch.Randint(-3, 3, [1000], generator: g);
        Assert.Equal(-3, r.Min().ItemLong());
        Assert.Equal(2, r.Max().ItemLong());
        var perm = Torch.Randperm(50, generator: g).ToArray<long>();
        Assert.Equal(Enumerable.Range(0, 50).Select(v => (long)v), perm.Order());
    }

    [Fact]
    public void GeneratorStreamsMatchPyTorchExactly()
    {
        using var scope = Torch.NewScope();
        using var gen = new Generator(42);
        // One generator, drawn in the same order as gen_ops.py: bit-identical streams.
        Assert.Equal(G("rng.gen_randn_f64").ToArray<double>(), Torch.Randn([2, 3], DType.Float64, generator: gen).ToArray<double>());
        Assert.Equal(G("rng.gen_rand").ToArray<float>(), Torch.Rand([4], generator: gen).ToArray<float>());
        Assert.Equal(G("rng.gen_randint").ToArray<long>(), Torch.Randint(0, 10, [6], generator: gen).ToArray<long>());
        Assert.Equal(G("rng.gen_randperm").ToArray<long>(), Torch.Randperm(8, generator: gen).ToArray<long>());
        Assert.Equal(G("rng.gen_normal_").ToArray<float>(), Torch.Empty(5).Normal_(2.0, 0.5, gen).ToArray<float>());
        Assert.Equal(G("rng.gen_uniform_").ToArray<float>(), Torch.Empty(5).Uniform_(-1.0, 1.0, gen).ToArray<float>());
        var probs = G("rng.probs");
        Assert.Equal(G("rng.gen_bernoulli").ToArray<float>(), Torch.Bernoulli(probs, gen).ToArray<float>());
        Assert.Equal(G("rng.gen_multinomial").ToArray<long>(), Torch.Multinomial(probs, 3, generator: gen).ToArray<long>());
        Assert.Equal(G("rng.gen_randn_like").ToArray<float>(), Torch.RandnLike(Torch.Zeros(3, 3), generator: gen).ToArray<float>());
        using var gen7 = new Generator(7);
        Assert.Equal(G("rng.gen7_randn").ToArray<float>(), Torch.Randn([17], generator: gen7).ToArray<float>());
    }

    [Fact]
    public void GeneratorStateSaveAndRestoreReplaysTheStream()
    {
        using var scope = Torch.NewScope();
        using var g = new Generator(2024);
        Torch.Randn([7], generator: g); // advance
        var state = g.GetState();
        var first = Torch.Randn([33], generator: g).ToArray<float>();
        var firstU = Torch.RandLike(Torch.Zeros(4), generator: g).ToArray<float>();
        g.SetState(state);
        Assert.Equal(first, Torch.Randn([33], generator: g).ToArray<float>());
        Assert.Equal(firstU, Torch.RandLike(Torch.Zeros(4), generator: g).ToArray<float>());
        // A different generator restored to the same state continues identically too.
        using var other = new Generator(1);
        other.SetState(state);
        Assert.Equal(first, Torch.Randn([33], generator: other).ToArray<float>());
        Assert.NotEqual(first, Torch.Randn([33], generator: other).ToArray<float>());
    }
}

/// <summary>Tests of the process-wide default generator (run alone: see DefaultGeneratorCollection).</summary>
[Collection(ProcessWideState.Name)]
public class OpsDefaultGeneratorTests
{
    [Fact]
    public void ManualSeedGivesPyTorchsRandnBitForBit()
    {
        using var scope = Torch.NewScope();
        Torch.ManualSeed(0);
        var randn = Torch.Randn(3, 4);
        var rand = Torch.Rand(5);
        // torch.manual_seed(0); torch.randn(3, 4); torch.rand(5): identical bits (CPU generator).
        Assert.Equal(Goldens.Get(OpsGolden.Area, "rng.default_randn_seed0").ToArray<float>(), randn.ToArray<float>());
        Assert.Equal(Goldens.Get(OpsGolden.Area, "rng.default_rand_after").ToArray<float>(), rand.ToArray<float>());
        Torch.ManualSeed(0);
        // 16 or more elements take the vectorised normal path: also identical.
        Assert.Equal(Goldens.Get(OpsGolden.Area, "rng.default_randn20_seed0").ToArray<float>(), Torch.Randn(20).ToArray<float>());
    }

    [Fact]
    public void DefaultGeneratorStateRestoresTheStream()
    {
        using var scope = Torch.NewScope();
        Torch.ManualSeed(5);
        var state = Torch.GetRngState();
        var a = Torch.Randn(10).ToArray<float>();
        var b = Torch.RandnLike(Torch.Zeros(3)).ToArray<float>();
        Torch.SetRngState(state);
        Assert.Equal(a, Torch.Randn(10).ToArray<float>());
        Assert.Equal(b, Torch.RandnLike(Torch.Zeros(3)).ToArray<float>());
    }

    [Fact]
    public void ScopesReleaseEveryTensorOpsCreateEvenWhenOpsFail()
    {
        // Runs alone (collection without parallelization), so the live count is this test's own
        // once tensors other tests dropped without disposing have been finalized.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long baseline = Torch.LiveTensors;
        using var gen = new Generator(1);
        using (Torch.NewScope())
        {
            var x = Torch.Randn([4, 6], generator: gen, requiresGrad: true);
            var pieces = x.Chunk(3, 1);
            var (values, indices) = x.Max(1);
            var picked = x[Tensor.From(new long[] { 0, 2 }), 1..];
            var masked = x[x.Gt(0.0)];
            var y = x * 2.0 + 1 - pieces[0].Sum() + values.Mean() + picked.Sum() + masked.Sum();
            y.Sum().Backward();
            var grad = x.Grad!;
            Assert.Equal(x.Shape, grad.Shape);
            Assert.Throws<TorchException>(() => x.Reshape(5, 5));
            Assert.Throws<TorchException>(() => x.Split(0));
            Assert.Throws<TorchException>(() => x.Max(7));
            Assert.True(Torch.LiveTensors > baseline);
        }
        Assert.Equal(baseline, Torch.LiveTensors);
    }

    [Fact]
    public void BackwardWithoutAGradientAndClearingTheGradWork()
    {
        using var scope = Torch.NewScope();
        var x = Torch.Full([3], 2.0, requiresGrad: true);
        (x * x).Sum().Backward(); // no gradient argument: a one-element output
        Assert.Equal(new float[] { 4, 4, 4 }, x.Grad!.ToArray<float>());
        x.Grad = null;
        Assert.Null(x.Grad);
        var e = Assert.Throws<TorchException>(() => (x * x).Backward());
        Assert.Equal("backward", e.Operation);
        Assert.Contains("only for scalar outputs", e.Message);
    }
}
