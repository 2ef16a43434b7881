using System.Globalization;
using LatentSynth.Torch.IO;
using LatentSynth.Torch.NN;

namespace LatentSynth.Torch.Tests;

/// <summary>
/// The concrete layers (NN/Layers) against tests/goldens/layers.safetensors (gen_layers.py): for
/// every case, built after the same seed as in PyTorch, the state dict (keys, order, shapes,
/// dtypes and the default initialisation, bit for bit), the printout, the forward values and the
/// gradients of a golden grad_output. BatchNorm also over three training steps (running
/// statistics, num_batches_tracked) and an evaluation step.
/// </summary>
/// <remarks>
/// Runs in the process-wide collection: construction and Dropout draw from the default
/// generator right after <see cref="Torch.ManualSeed"/>, so no other test may draw in between.
/// </remarks>
[Collection(ProcessWideState.Name)]
public class LayerTests
{
    private const string Area = "layers";

    // Tolerances. The goldens come from the same libtorch kernels, run with one thread in Python.
    // Initialisation, elementwise layers, shape layers and Dropout draw or compute element by
    // element: exact (0, 0). Layers that sum (linear, conv, norms) may split their reductions
    // differently with the test host's thread count, reordering float32 additions: the same bound
    // as FunctionalTests (measured there up to 2e-7 relative, 1.7e-6 absolute on conv weight
    // gradients with 2..16 threads; rtol 1e-5 / atol 5e-6 keeps a 3x margin). Measured here with
    // these goldens: one thread, every comparison bit-identical; two threads (the project's
    // machines), only conv2d's weight gradient differs (1.9e-6 on -12.40, 1.5e-7 relative); 4 and
    // 8 threads, a handful of conv/LayerNorm weight gradients and conv1d/BatchNorm outputs differ
    // by about one float32 ulp (at most 1.9e-6 absolute, 1.5e-7 relative).
    private const double SumRtol = 1e-5, SumAtol = 5e-6;

    private static readonly Lazy<Dictionary<string, string>> MetaLazy = new(() =>
    {
        using var file = SafeTensors.Read(Goldens.PathOf(Area));
        return new Dictionary<string, string>(file.Metadata);
    });

    private static Dictionary<string, string> Meta => MetaLazy.Value;

    /// <summary>Every case of gen_layers.py with the C# construction equivalent to its "ctor" metadata.</summary>
    private static readonly Dictionary<string, Func<Module<Tensor, Tensor>>> Cases = new()
    {
        ["linear"] = () => new Linear(5, 3),
        ["linear.nobias"] = () => new Linear(5, 3, bias: false),
        ["linear.batched"] = () => new Linear(6, 2),
        ["linear.f64"] = () => new Linear(4, 3, dtype: DType.Float64),
        ["conv1d"] = () => new Conv1d(3, 4, 3),
        ["conv1d.args"] = () => new Conv1d(4, 6, 3, stride: 2, padding: 1, dilation: 2, groups: 2, bias: false),
        ["conv2d"] = () => new Conv2d(3, 4, 3),
        ["conv2d.args"] = () => new Conv2d(4, 8, [3, 2], stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 4),
        ["conv2d.same"] = () => new Conv2d(2, 3, 3, padding: "same"),
        ["conv2d.valid"] = () => new Conv2d(2, 3, [2, 3], padding: "valid", bias: false),
        ["convt1d"] = () => new ConvTranspose1d(3, 4, 3),
        ["convt1d.args"] = () => new ConvTranspose1d(4, 6, 3, stride: 2, padding: 1, outputPadding: 1, groups: 2, bias: false),
        ["convt2d"] = () => new ConvTranspose2d(2, 4, 3),
        ["convt2d.args"] = () => new ConvTranspose2d(4, 6, [3, 4], stride: [2, 3], padding: [1, 2], outputPadding: [1, 2], groups: 2),
        ["convt2d.dilated"] = () => new ConvTranspose2d(2, 2, 3, stride: 2, padding: 1, outputPadding: 1, dilation: 2),
        ["bn1d.2d"] = () => new BatchNorm1d(4),
        ["bn1d.3d"] = () => new BatchNorm1d(4, eps: 1e-3, momentum: 0.3),
        ["bn2d"] = () => new BatchNorm2d(3),
        ["bn2d.plain"] = () => new BatchNorm2d(3, affine: false, trackRunningStats: false),
        ["ln"] = () => new LayerNorm(8),
        ["ln.2d"] = () => new LayerNorm([3, 4], eps: 1e-4),
        ["ln.plain"] = () => new LayerNorm(6, elementwiseAffine: false),
        ["dropout"] = () => new Dropout(0.3),
        ["relu"] = () => new ReLU(),
        ["leaky_relu"] = () => new LeakyReLU(0.2),
        ["leaky_relu.default"] = () => new LeakyReLU(),
        ["elu"] = () => new ELU(alpha: 0.5),
        ["elu.default"] = () => new ELU(),
        ["softplus"] = () => new Softplus(beta: 2, threshold: 5),
        ["softplus.default"] = () => new Softplus(),
        ["gelu"] = () => new GELU(),
        ["gelu.tanh"] = () => new GELU("tanh"),
        ["silu"] = () => new SiLU(),
        ["sigmoid"] = () => new Sigmoid(),
        ["tanh"] = () => new Tanh(),
        ["softmax"] = () => new Softmax(1),
        ["log_softmax"] = () => new LogSoftmax(0),
        ["identity"] = () => new Identity(),
        ["flatten"] = () => new Flatten(),
        ["flatten.range"] = () => new Flatten(0, 2),
        ["unflatten"] = () => new Unflatten(1, 3, 4),
        ["unflatten.one"] = () => new Unflatten(-1, 6),
        ["seq"] = () => new Sequential(
            new Conv2d(1, 4, 3, padding: 1),
            new BatchNorm2d(4),
            new ReLU(),
            new Flatten(),
            new Linear(4 * 4 * 4, 8),
            new LayerNorm(8),
            new Dropout(0.1),
            new Tanh(),
            new Unflatten(1, 2, 4)),
        ["seq.small"] = () => new Sequential(new Linear(4, 3), new GELU(), new Dropout(0.25), new Linear(3, 2, bias: false)),
        ["seq.named"] = () => new Sequential(
            ("enc", new Conv1d(2, 3, 3, stride: 2)),
            ("act", new LeakyReLU()),
            ("norm", new BatchNorm1d(3))),
    };

    /// <summary>Layers whose forward is computed element by element (or only reshapes): exact.</summary>
    private static readonly HashSet<string> Elementwise =
    [
        "relu", "leaky_relu", "leaky_relu.default", "elu", "elu.default", "softplus", "softplus.default", "gelu",
        "gelu.tanh", "silu", "sigmoid", "tanh", "identity", "flatten", "flatten.range", "unflatten", "unflatten.one",
    ];

    public static TheoryData<string> AllCases() => new(Cases.Keys);

    /// <summary>Cases checked by a plain forward/backward (BatchNorm, Dropout and Sequential have their own tests).</summary>
    public static TheoryData<string> ForwardCases() =>
        new(Cases.Keys.Where(k => !k.StartsWith("bn", StringComparison.Ordinal) && !k.StartsWith("seq", StringComparison.Ordinal) && k != "dropout"));

    public static TheoryData<string> BatchNormCases() => new(Cases.Keys.Where(k => k.StartsWith("bn", StringComparison.Ordinal)));

    /// <summary>Builds case <paramref name="name"/> right after seeding the default generator as gen_layers.py did.</summary>
    private static Module<Tensor, Tensor> Build(string name)
    {
        Torch.ManualSeed(ulong.Parse(Meta[$"{name}.seed"], CultureInfo.InvariantCulture));
        return Cases[name]();
    }

    /// <summary>(a) + (b): keys and order, dtypes and shapes, and values bit-identical to PyTorch's fresh layer.</summary>
    private static void AssertStateDictLikePyTorch(string name, Module layer)
    {
        var keys = Meta[$"{name}.keys"];
        string[] expectedKeys = keys.Length == 0 ? [] : keys.Split(',');
        using var sd = layer.StateDict();
        Assert.Equal(expectedKeys, sd.Keys);
        foreach (var key in expectedKeys)
        {
            using var golden = Goldens.Get(Area, $"{name}.sd.{key}");
            var actual = sd[key];
            Assert.True(golden.DType == actual.DType, $"{name} {key}: dtype {actual.DType}, PyTorch {golden.DType}");
            Assert.Equal(golden.Shape, actual.Shape);
            // Same generator, same draw order, same kernel: bit-identical.
            Goldens.AssertClose(golden, actual, 0, 0, $"{name} init {key}");
        }
    }

    /// <summary>Copies the golden "set" values (non-trivial affine parameters) into a norm layer.</summary>
    private static void SetAffine(string name, Tensor? weight, Tensor? bias)
    {
        if (!Goldens.Has(Area, $"{name}.set.weight"))
        {
            Assert.Null(weight);
            return;
        }
        using var w = Goldens.Get(Area, $"{name}.set.weight");
        using var b = Goldens.Get(Area, $"{name}.set.bias");
        using (Torch.NoGrad())
        {
            weight!.CopyFrom(w);
            bias!.CopyFrom(b);
        }
    }

    /// <summary>
    /// (c): runs the layer on the golden input <c>name.prefix x</c>, compares the output, then
    /// back-propagates the golden grad_output and compares the input's and every parameter's gradient.
    /// </summary>
    private static void CheckForwardBackward(string name, Module<Tensor, Tensor> layer, string prefix, double rtol, double atol)
    {
        using var scope = Torch.NewScope();
        var x = Goldens.Get(Area, $"{name}.{prefix}x").Detach().RequiresGrad_();
        layer.ZeroGrad();
        var y = layer.Call(x);
        Goldens.AssertClose(Goldens.Get(Area, $"{name}.{prefix}out"), y, rtol, atol, $"{name} {prefix}output");
        Assert.Equal(Goldens.Get(Area, $"{name}.{prefix}out").DType, y.DType);
        y.Backward(Goldens.Get(Area, $"{name}.{prefix}gout"));
        Goldens.AssertClose(Goldens.Get(Area, $"{name}.{prefix}x.grad"), x.Grad!, rtol, atol, $"{name} {prefix}d/dx");
        foreach (var (pn, p) in layer.NamedParameters())
        {
            var key = $"{name}.{prefix}grad.{pn}";
            if (!Goldens.Has(Area, key))
            {
                Assert.Null(p.Grad);
                continue;
            }
            Assert.NotNull(p.Grad);
            Goldens.AssertClose(Goldens.Get(Area, key), p.Grad!, rtol, atol, $"{name} {prefix}d/d{pn}");
        }
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void StateDictAndDefaultInitialisationMatchPyTorch(string name)
    {
        using var layer = Build(name);
        AssertStateDictLikePyTorch(name, layer);
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void PrintoutMatchesPyTorchsRepr(string name)
    {
        using var layer = Cases[name]();
        Assert.Equal(Meta[$"{name}.repr"], layer.ToString());
    }

    [Theory]
    [MemberData(nameof(ForwardCases))]
    public void ForwardAndGradientsMatchPyTorch(string name)
    {
        using var layer = Build(name);
        if (layer is LayerNorm ln) SetAffine(name, ln.Weight, ln.Bias);
        bool exact = Elementwise.Contains(name);
        CheckForwardBackward(name, layer, "", exact ? 0 : SumRtol, exact ? 0 : SumAtol);
    }

    [Theory]
    [MemberData(nameof(BatchNormCases))]
    public void BatchNormTracksRunningStatisticsLikePyTorch(string name)
    {
        using var bn = (BatchNormBase)Build(name);
        AssertStateDictLikePyTorch(name, bn);
        SetAffine(name, bn.Weight, bn.Bias);
        Assert.True(bn.Training);
        int steps = 0;
        for (int step = 1; Goldens.Has(Area, $"{name}.step{step}.x"); step++, steps++)
        {
            CheckForwardBackward(name, bn, $"step{step}.", SumRtol, SumAtol);
            if (bn.RunningMean is null)
            {
                Assert.False(Goldens.Has(Area, $"{name}.step{step}.running_mean"));
                Assert.Null(bn.RunningVar);
                Assert.Null(bn.NumBatchesTracked);
                continue;
            }
            Goldens.AssertClose(Goldens.Get(Area, $"{name}.step{step}.running_mean"), bn.RunningMean, SumRtol, SumAtol, $"{name} step {step} running_mean");
            Goldens.AssertClose(Goldens.Get(Area, $"{name}.step{step}.running_var"), bn.RunningVar!, SumRtol, SumAtol, $"{name} step {step} running_var");
            using var count = Goldens.Get(Area, $"{name}.step{step}.num_batches_tracked");
            Assert.Equal(DType.Int64, bn.NumBatchesTracked!.DType);
            Assert.Equal(count.ToArray<long>(), bn.NumBatchesTracked.ToArray<long>());
            Assert.Equal(step, bn.NumBatchesTracked.ToArray<long>()[0]);
        }
        Assert.True(steps >= 1);

        // Evaluation: the running statistics normalise, and stay as they were.
        using var scope = Torch.NewScope();
        var meanBefore = bn.RunningMean?.Clone();
        var varBefore = bn.RunningVar?.Clone();
        long[]? countBefore = bn.NumBatchesTracked?.ToArray<long>();
        bn.Eval();
        CheckForwardBackward(name, bn, "eval.", SumRtol, SumAtol);
        if (bn.RunningMean is not null)
        {
            Goldens.AssertClose(meanBefore!, bn.RunningMean, 0, 0, "running_mean after eval");
            Goldens.AssertClose(varBefore!, bn.RunningVar!, 0, 0, "running_var after eval");
            Assert.Equal(countBefore, bn.NumBatchesTracked!.ToArray<long>());
        }
    }

    [Fact]
    public void BatchNormEvaluationUsesTheRunningStatistics()
    {
        // Independent of the goldens: in eval mode y = (x - running_mean) / sqrt(running_var + eps).
        using var scope = Torch.NewScope();
        using var bn = new BatchNorm1d(2, affine: false);
        using (Torch.NoGrad())
        {
            bn.RunningMean!.CopyFrom(Tensor.From(new float[] { 1, -2 }));
            bn.RunningVar!.CopyFrom(Tensor.From(new float[] { 4, 0.25f }));
        }
        bn.Eval();
        var y = bn.Call(Tensor.From(new float[] { 3, 0, 5, -2.5f }, 2, 2));
        var expected = new[] { 2 / MathF.Sqrt(4 + 1e-5f), 2 / MathF.Sqrt(0.25f + 1e-5f), 4 / MathF.Sqrt(4 + 1e-5f), -0.5f / MathF.Sqrt(0.25f + 1e-5f) };
        var actual = y.ToArray<float>();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], actual[i], 5e-6);
        Assert.Equal(0L, bn.NumBatchesTracked!.ToArray<long>()[0]);
    }

    [Fact]
    public void DropoutWithSeedMatchesPyTorchAndIsIdentityInEval()
    {
        using var layer = Build("dropout");
        AssertStateDictLikePyTorch("dropout", layer);
        Torch.ManualSeed(ulong.Parse(Meta["dropout.forward_seed"], CultureInfo.InvariantCulture));
        // Same generator and kernel: the mask and the 1/(1-p) scaling are bit-identical.
        CheckForwardBackward("dropout", layer, "", 0, 0);
        layer.Eval();
        CheckForwardBackward("dropout", layer, "eval.", 0, 0);
        using var scope = Torch.NewScope();
        var x = Goldens.Get(Area, "dropout.eval.x");
        Assert.Equal(x.ToArray<float>(), layer.Call(x).ToArray<float>());
    }

    [Fact]
    public void SequentialOfLayersMatchesPyTorch()
    {
        using var seq = (Sequential)Build("seq");
        AssertStateDictLikePyTorch("seq", seq);
        Assert.Equal(Meta["seq.repr"], seq.ToString());

        // Training mode: batch statistics, running statistics updated, Dropout drawing from the seeded generator.
        Torch.ManualSeed(ulong.Parse(Meta["seq.forward_seed"], CultureInfo.InvariantCulture));
        CheckForwardBackward("seq", seq, "", SumRtol, SumAtol);
        var bn = (BatchNorm2d)seq[1];
        Goldens.AssertClose(Goldens.Get(Area, "seq.after.1.running_mean"), bn.RunningMean!, SumRtol, SumAtol, "seq running_mean");
        Goldens.AssertClose(Goldens.Get(Area, "seq.after.1.running_var"), bn.RunningVar!, SumRtol, SumAtol, "seq running_var");

        seq.Eval();
        Assert.All(seq.Modules(), m => Assert.False(m.Training));
        CheckForwardBackward("seq", seq, "eval.", SumRtol, SumAtol);
    }

    [Fact]
    public void NamedSequentialMatchesPyTorch()
    {
        using var seq = (Sequential)Build("seq.named");
        AssertStateDictLikePyTorch("seq.named", seq);
        Assert.Equal(Meta["seq.named.repr"], seq.ToString());
        seq.Eval();
        CheckForwardBackward("seq.named", seq, "", SumRtol, SumAtol);
    }

    [Fact]
    public void ExplicitGeneratorGivesPyTorchsSeededInitAndLeavesTheDefaultStreamAlone()
    {
        Torch.ManualSeed(99);
        var before = Torch.GetRngState();
        using var g = new Generator(ulong.Parse(Meta["conv2d.args.seed"], CultureInfo.InvariantCulture));
        using var conv = new Conv2d(4, 8, [3, 2], stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 4, generator: g);
        AssertStateDictLikePyTorch("conv2d.args", conv);
        using var g2 = new Generator(ulong.Parse(Meta["linear.seed"], CultureInfo.InvariantCulture));
        using var linear = new Linear(5, 3, generator: g2);
        AssertStateDictLikePyTorch("linear", linear);
        Assert.Equal(before, Torch.GetRngState());
    }

    [Fact]
    public void FloatsPrintAsPythonReprsWhateverTheCulture()
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            // A culture with a decimal comma and U+2212 as its minus sign (built by hand: the tests
            // may run in globalization-invariant mode, without named cultures).
            var odd = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            odd.NumberFormat.NumberDecimalSeparator = ",";
            odd.NumberFormat.NegativeSign = "\u2212";
            odd.NumberFormat.PositiveInfinitySymbol = "∞";
            CultureInfo.CurrentCulture = odd;
            Assert.Equal("\u22121,5", (-1.5).ToString(CultureInfo.CurrentCulture));
            foreach (var text in Meta["float_repr"].Split('|'))
            {
                double v = double.Parse(text, CultureInfo.InvariantCulture);
                using var m = new LeakyReLU(v);
                Assert.Equal($"LeakyReLU(negative_slope={text})", m.ToString());
            }
            using var bn = new BatchNorm2d(3, eps: 1e-3, momentum: 0.01);
            Assert.Equal("BatchNorm2d(3, eps=0.001, momentum=0.01, affine=True, track_running_stats=True)", bn.ToString());
            using var flat = new Flatten(-3, -1);
            Assert.Equal("Flatten(start_dim=-3, end_dim=-1)", flat.ToString());
            using var soft = new Softplus(0.5, 10);
            Assert.Equal("Softplus(beta=0.5, threshold=10)", soft.ToString());
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    // ---- (f) argument errors -----------------------------------------------------------------

    private static void AssertArgumentError(string param, Action construct, string? messagePart = null)
    {
        var e = Assert.ThrowsAny<ArgumentException>(construct);
        Assert.Equal(param, e.ParamName);
        if (messagePart is not null) Assert.Contains(messagePart, e.Message);
    }

    [Fact]
    public void NonPositiveSizesAreArgumentErrors()
    {
        AssertArgumentError("inFeatures", () => new Linear(0, 3));
        AssertArgumentError("outFeatures", () => new Linear(3, -1));
        AssertArgumentError("inChannels", () => new Conv2d(0, 3, 3));
        AssertArgumentError("outChannels", () => new Conv1d(3, 0, 3));
        AssertArgumentError("kernelSize", () => new Conv2d(3, 4, 0), "at least 1");
        AssertArgumentError("kernelSize", () => new Conv1d(3, 4, [3, 3]), "needs 1 value");
        AssertArgumentError("stride", () => new Conv2d(3, 4, 3, stride: 0));
        AssertArgumentError("padding", () => new ConvTranspose1d(3, 4, 3, padding: -1));
        AssertArgumentError("groups", () => new ConvTranspose2d(3, 3, 3, groups: 0));
        AssertArgumentError("numFeatures", () => new BatchNorm1d(0));
        AssertArgumentError("numFeatures", () => new BatchNorm2d(-2));
        AssertArgumentError("eps", () => new BatchNorm2d(2, eps: 0));
        AssertArgumentError("eps", () => new BatchNorm1d(2, eps: double.NaN));
        AssertArgumentError("momentum", () => new BatchNorm1d(2, momentum: double.NaN));
        AssertArgumentError("approximate", () => new GELU("fast"), "tanh");
        AssertArgumentError("size", () => new LayerNorm(0));
        AssertArgumentError("normalizedShape", () => new LayerNorm([3, 0]));
        AssertArgumentError("normalizedShape", () => new LayerNorm(Array.Empty<long>()));
        AssertArgumentError("p", () => new Dropout(1.5));
        AssertArgumentError("sizes", () => new Unflatten(1));
        AssertArgumentError("sizes", () => new Unflatten(1, 3, 0));
        AssertArgumentError("sizes", () => new Unflatten(1, -1, -1));
    }

    [Fact]
    public void ChannelsNotDivisibleByGroupsAreArgumentErrors()
    {
        AssertArgumentError("inChannels", () => new Conv2d(3, 4, 3, groups: 2), "divisible by groups");
        AssertArgumentError("outChannels", () => new Conv1d(4, 6, 3, groups: 4), "divisible by groups");
        AssertArgumentError("inChannels", () => new ConvTranspose2d(5, 4, 3, groups: 2), "divisible by groups");
        AssertArgumentError("outChannels", () => new ConvTranspose1d(4, 3, 3, groups: 2), "divisible by groups");
    }

    [Fact]
    public void PaddingModesAreCheckedAtConstruction()
    {
        AssertArgumentError("padding", () => new Conv2d(2, 2, 3, padding: "full"), "full");
        AssertArgumentError("padding", () => new Conv2d(2, 2, 3, stride: 2, padding: "same"), "strided");
        AssertArgumentError("padding", () => new ConvTranspose2d(2, 2, 3, padding: "same"), "transposed");
        AssertArgumentError("stride", () => new Conv1d(2, 2, 3, stride: "same"));
    }

    [Fact]
    public void WrongInputRankForBatchNormIsAnArgumentError()
    {
        using var scope = Torch.NewScope();
        using var bn2 = new BatchNorm2d(3);
        var e = Assert.Throws<ArgumentException>(() => bn2.Call(Torch.Zeros(2, 3, 5)));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("4-D", e.Message);
        Assert.Contains("[2, 3, 5]", e.Message);
        Assert.Equal(0L, bn2.NumBatchesTracked!.ToArray<long>()[0]);

        using var bn1 = new BatchNorm1d(3);
        e = Assert.Throws<ArgumentException>(() => bn1.Call(Torch.Zeros(2, 3, 4, 4)));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("2-D or 3-D", e.Message);

        // One value per channel cannot give batch statistics.
        e = Assert.Throws<ArgumentException>(() => bn1.Call(Torch.Zeros(1, 3)));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("more than 1 value per channel", e.Message);
    }
}
