using System.Runtime.InteropServices;
using System.Security.Cryptography;
using LatentSynth.Torch.NN;

namespace LatentSynth.Torch.Tests;

/// <summary>
/// NN.Init against tests/goldens/init.safetensors (gen_init.py). Seeded fills use the same CPU
/// generator and the same libtorch kernels as PyTorch, so values must be bit-identical: the
/// comparisons are exact (rtol 0, atol 0), not merely close.
/// </summary>
[Collection(ProcessWideState.Name)]
public class InitTests
{
    private static Tensor Empty(DType dtype, params long[] shape)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        return dtype == DType.Float64 ? Tensor.From(new double[n], shape) : Tensor.From(new float[n], shape);
    }

    private static void AssertSame(string golden, Tensor actual)
    {
        using var expected = Goldens.Get("init", golden);
        Assert.Equal(expected.DType, actual.DType);
        Goldens.AssertClose(expected, actual, rtol: 0, atol: 0, what: golden); // same generator + kernel: exact
    }

    [Fact]
    public void GainsMatchPyTorch()
    {
        double[] ours =
        [
            Init.CalculateGain("linear"), Init.CalculateGain("conv2d"), Init.CalculateGain("sigmoid"),
            Init.CalculateGain("tanh"), Init.CalculateGain("relu"), Init.CalculateGain("leaky_relu"),
            Init.CalculateGain("leaky_relu", 0.2), Init.CalculateGain("leaky_relu", Math.Sqrt(5)),
            Init.CalculateGain("selu"),
        ];
        using var expected = Goldens.Get("init", "gains");
        Assert.Equal(expected.ToArray<double>(), ours);
    }

    [Fact]
    public void FansMatchPyTorch()
    {
        long[][] shapes = [[400, 784], [16, 3, 5, 5], [8, 4, 3]];
        using var expected = Goldens.Get("init", "fans");
        var e = expected.ToArray<long>();
        for (int i = 0; i < shapes.Length; i++)
        {
            using var t = Empty(DType.Float32, shapes[i]);
            var (fanIn, fanOut) = Init.CalculateFanInAndFanOut(t);
            Assert.Equal(e[2 * i], fanIn);
            Assert.Equal(e[2 * i + 1], fanOut);
        }
    }

    [Fact]
    public void DefaultLinearInitIsBitIdenticalToPyTorch()
    {
        // torch.manual_seed(1234); kaiming_uniform_(w[400, 784], a=sqrt(5)): compared through a
        // SHA-256 of all 313,600 floats (the tensor is too big to store), plus a strided sample.
        using var w = new Parameter(Empty(DType.Float32, 400, 784));
        Torch.ManualSeed(1234);
        Assert.Same(w, Init.KaimingUniform_(w, a: Math.Sqrt(5)));
        Assert.True(w.RequiresGrad); // filled under no-grad, still a trainable leaf
        Assert.True(w.IsLeaf);
        var values = w.ToArray<float>();
        var sample = Enumerable.Range(0, (values.Length + 96) / 97).Select(i => values[i * 97]).ToArray();
        using var expectedSample = Goldens.Get("init", "kaiming_uniform_big_sample97");
        Assert.Equal(expectedSample.ToArray<float>(), sample);
        using var hash = Goldens.Get("init", "kaiming_uniform_big_sha256");
        Assert.Equal(hash.ToArray<byte>(), SHA256.HashData(MemoryMarshal.AsBytes(values.AsSpan())));
        double bound = 1.0 / Math.Sqrt(784); // a = sqrt(5) makes the bound 1/sqrt(fan_in)
        Assert.All(values, v => Assert.InRange(v, -bound, bound));
    }

    [Fact]
    public void SeededFillsAreBitIdenticalToPyTorch()
    {
        (string Name, ulong Seed, long[] Shape, DType DType, Action<Tensor> Fill)[] cases =
        [
            ("kaiming_uniform_conv", 7, [16, 3, 5, 5], DType.Float32, t => Init.KaimingUniform_(t, a: Math.Sqrt(5))),
            ("kaiming_uniform_fan_out_relu", 15, [24, 10], DType.Float32, t => Init.KaimingUniform_(t, mode: "fan_out", nonlinearity: "relu")),
            ("kaiming_normal_fan_out_relu", 8, [64, 32], DType.Float32, t => Init.KaimingNormal_(t, mode: "fan_out", nonlinearity: "relu")),
            ("xavier_uniform", 9, [32, 48], DType.Float32, t => Init.XavierUniform_(t)),
            ("xavier_normal_tanh", 10, [32, 48], DType.Float32, t => Init.XavierNormal_(t, gain: Init.CalculateGain("tanh"))),
            ("uniform", 11, [100], DType.Float32, t => Init.Uniform_(t, -0.5, 2.0)),
            ("normal", 12, [100], DType.Float32, t => Init.Normal_(t, 1.0, 0.5)),
            ("normal_small", 13, [7], DType.Float32, t => Init.Normal_(t, -1.0, 2.0)),
            ("kaiming_uniform_f64", 14, [10, 20], DType.Float64, t => Init.KaimingUniform_(t, a: Math.Sqrt(5))),
            ("constant", 0, [2, 3], DType.Float32, t => Init.Constant_(t, 0.25)),
        ];
        foreach (var (name, seed, shape, dtype, fill) in cases)
        {
            using var t = Empty(dtype, shape);
            Torch.ManualSeed(seed);
            fill(t);
            AssertSame(name, t);
        }
    }

    [Fact]
    public void ExplicitGeneratorsMatchPyTorch()
    {
        using var g = new Generator(21);
        using var t = Empty(DType.Float32, 20, 30);
        Init.KaimingUniform_(t, a: Math.Sqrt(5), generator: g);
        AssertSame("gen_kaiming_uniform", t);

        using var g2 = new Generator(22);
        using var n = Empty(DType.Float32, 50);
        Init.Normal_(n, 0.0, 0.02, g2);
        AssertSame("gen_normal", n);
    }

    [Fact]
    public void ExplicitGeneratorLeavesTheDefaultStreamAlone()
    {
        Torch.ManualSeed(5);
        var before = Torch.GetRngState();
        using var g = new Generator(1);
        using var t = Empty(DType.Float32, 10);
        Init.Uniform_(t, generator: g);
        Assert.Equal(before, Torch.GetRngState());
    }

    [Fact]
    public void ConstantZerosOnesFill()
    {
        using var p = new Parameter(Tensor.From(new float[] { 1, 2, 3, 4 }, 2, 2));
        Init.Zeros_(p);
        Assert.Equal(new float[4], p.ToArray<float>());
        Init.Ones_(p);
        Assert.Equal(new float[] { 1, 1, 1, 1 }, p.ToArray<float>());
        Init.Constant_(p, -2.5);
        Assert.Equal(new float[] { -2.5f, -2.5f, -2.5f, -2.5f }, p.ToArray<float>());
        using var l = Tensor.From(new long[] { 1, 2 });
        Init.Constant_(l, 7L);
        Assert.Equal(new long[] { 7, 7 }, l.ToArray<long>());
    }

    [Fact]
    public void ZeroElementTensorsAreLeftAlone()
    {
        using var t = Empty(DType.Float32, 0, 5);
        Init.KaimingUniform_(t);
        Init.KaimingNormal_(t);
        Assert.Equal([0L, 5L], t.Shape);
    }

    [Fact]
    public void BadArgumentsAreNamed()
    {
        using var v = Empty(DType.Float32, 5);
        var e = Assert.Throws<ArgumentException>(() => Init.CalculateFanInAndFanOut(v));
        Assert.Contains("fewer than 2 dimensions", e.Message);
        Assert.Contains("[5]", e.Message);
        Assert.Throws<ArgumentException>(() => Init.KaimingUniform_(v));

        using var w = Empty(DType.Float32, 3, 4);
        e = Assert.Throws<ArgumentException>(() => Init.KaimingUniform_(w, mode: "fan_avg"));
        Assert.Equal("mode", e.ParamName);
        Assert.Contains("fan_avg", e.Message);
        e = Assert.Throws<ArgumentException>(() => Init.CalculateGain("swish"));
        Assert.Equal("nonlinearity", e.ParamName);
        Assert.Contains("Unsupported nonlinearity swish", e.Message);
        e = Assert.Throws<ArgumentException>(() => Init.CalculateGain("leaky_relu", double.NaN));
        Assert.Contains("negative_slope", e.Message);
        e = Assert.Throws<ArgumentException>(() => Init.Uniform_(w, 2, 1));
        Assert.Equal("b", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Init.Normal_(w, 0, -1));
        Assert.Equal("std", e.ParamName);
    }

    [Fact]
    public void LibTorchRefusalsBecomeTorchExceptions()
    {
        using var ints = Tensor.From(new long[] { 1, 2, 3 });
        var e = Assert.Throws<TorchException>(() => Init.Normal_(ints));
        Assert.Equal("normal_", e.Operation); // Init.Normal_ fills through Tensor.Normal_
        Assert.False(string.IsNullOrWhiteSpace(e.NativeMessage));
    }
}
