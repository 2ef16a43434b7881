using LatentSynth.Torch.NN;

namespace LatentSynth.Torch.Tests;

// Tolerances: the goldens come from the same libtorch loss kernels, and every value and gradient
// was bit-identical with 1 to 16 threads. 'mean'/'sum' reduce with a sum whose order could depend
// on the thread split on another machine, so comparisons allow rtol 1e-6 / atol 1e-7 (about one
// float32 ulp of these sums of at most 20 terms). gaussian_nll_loss is a composite written out in
// the shim with the same operations in the same order as F.gaussian_nll_loss: same bound.
public class LossTests
{
    private const double Rtol = 1e-6, Atol = 1e-7;

    public static TheoryData<string> Reductions => new() { "none", "mean", "sum" };

    private static Reduction Parse(string r) => r switch
    {
        "none" => Reduction.None,
        "mean" => Reduction.Mean,
        "sum" => Reduction.Sum,
        _ => throw new ArgumentException(r),
    };

    /// <summary>Compares output and gradients of golden case <paramref name="name"/> of nn.safetensors (see
    /// <see cref="NnGolden.CheckCase"/>); every case must have a golden grad_output.</summary>
    private static void CheckCase(string name, string[] inputs, Func<Tensor[], Tensor> op) => NnGolden.CheckCase(name, inputs, op, Rtol, Atol);

    [Theory, MemberData(nameof(Reductions))]
    public void BinaryCrossEntropyMatchesPyTorch(string r)
    {
        CheckCase($"bce.{r}", ["x", "y"], a => F.BinaryCrossEntropy(a[0], a[1], reduction: Parse(r)));
        CheckCase($"bce_w.{r}", ["x", "y", "w"], a => F.BinaryCrossEntropy(a[0], a[1], a[2], Parse(r)));
    }

    [Theory, MemberData(nameof(Reductions))]
    public void BinaryCrossEntropyWithLogitsMatchesPyTorch(string r)
    {
        CheckCase($"bcel.{r}", ["x", "y"], a => F.BinaryCrossEntropyWithLogits(a[0], a[1], reduction: Parse(r)));
        CheckCase($"bcel_w.{r}", ["x", "y", "w", "pw"], a => F.BinaryCrossEntropyWithLogits(a[0], a[1], a[2], a[3], Parse(r)));
    }

    [Theory, MemberData(nameof(Reductions))]
    public void RegressionLossesMatchPyTorch(string r)
    {
        CheckCase($"mse.{r}", ["x", "y"], a => F.MseLoss(a[0], a[1], Parse(r)));
        CheckCase($"l1.{r}", ["x", "y"], a => F.L1Loss(a[0], a[1], Parse(r)));
        CheckCase($"smooth_l1.{r}", ["x", "y"], a => F.SmoothL1Loss(a[0], a[1], Parse(r), beta: 0.5));
        CheckCase($"huber.{r}", ["x", "y"], a => F.HuberLoss(a[0], a[1], Parse(r), delta: 0.7));
    }

    [Theory, MemberData(nameof(Reductions))]
    public void GaussianNllLossMatchesPyTorch(string r)
    {
        // var has entries below eps = 0.05: the clamp path and its (undifferentiated) gradient.
        CheckCase($"gnll.{r}", ["x", "y", "v"], a => F.GaussianNllLoss(a[0], a[1], a[2], eps: 0.05, reduction: Parse(r)));
        // One variance per row (var lacks the last dimension), with the constant term.
        CheckCase($"gnll_homo.{r}", ["x", "y", "v"], a => F.GaussianNllLoss(a[0], a[1], a[2], full: true, reduction: Parse(r)));
    }

    [Theory, MemberData(nameof(Reductions))]
    public void CrossEntropyMatchesPyTorch(string r)
    {
        CheckCase($"ce.{r}", ["x", "t"], a => F.CrossEntropy(a[0], a[1], reduction: Parse(r)));
        CheckCase($"ce_w.{r}", ["x", "t", "w"], a => F.CrossEntropy(a[0], a[1], a[2], ignoreIndex: -100, reduction: Parse(r), labelSmoothing: 0.1));
        CheckCase($"ce_ignore.{r}", ["x", "t"], a => F.CrossEntropy(a[0], a[1], ignoreIndex: 3, reduction: Parse(r)));
        CheckCase($"ce_prob.{r}", ["x", "p"], a => F.CrossEntropy(a[0], a[1], reduction: Parse(r), labelSmoothing: 0.05));
        CheckCase($"ce_kdim.{r}", ["x", "t"], a => F.CrossEntropy(a[0], a[1], reduction: Parse(r)));
    }

    [Theory, MemberData(nameof(Reductions))]
    public void NllLossMatchesPyTorch(string r) =>
        CheckCase($"nll.{r}", ["x", "t", "w"], a => F.NllLoss(a[0], a[1], a[2], reduction: Parse(r)));

    [Theory, MemberData(nameof(Reductions))]
    public void KlDivMatchesPyTorch(string r)
    {
        CheckCase($"kl.{r}", ["x", "y"], a => F.KlDiv(a[0], a[1], Parse(r)));
        CheckCase($"kl_log.{r}", ["x", "y"], a => F.KlDiv(a[0], a[1], Parse(r), logTarget: true));
    }

    [Fact]
    public void KlDivBatchMeanMatchesPyTorch() =>
        CheckCase("kl.batchmean", ["x", "y"], a => F.KlDivBatchMean(a[0], a[1]));

    // ---- error paths --------------------------------------------------------------------------

    [Fact]
    public void BceTargetShapeMismatchNamesBothShapes()
    {
        using var scope = Torch.NewScope();
        var x = Tensor.From(new float[12], 3, 4);
        var y = Tensor.From(new float[12], 4, 3);
        var e = Assert.Throws<ArgumentException>(() => F.BinaryCrossEntropy(x, y));
        Assert.Equal("target", e.ParamName);
        Assert.Contains("[4, 3]", e.Message);
        Assert.Contains("[3, 4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.BinaryCrossEntropyWithLogits(x, y));
        Assert.Contains("[4, 3]", e.Message);
        Assert.Contains("[3, 4]", e.Message);
        // Probabilities outside [0, 1] are rejected by libtorch, and the process goes on.
        var bad = Tensor.From(new float[] { 1.5f, 0.5f });
        var ok = Tensor.From(new float[] { 1f, 0f });
        var te = Assert.Throws<TorchException>(() => F.BinaryCrossEntropy(bad, ok));
        Assert.Equal("binary_cross_entropy", te.Operation);
        Assert.Contains("between 0 and 1", te.NativeMessage);
        Assert.True(F.BinaryCrossEntropy(ok, ok).Item() < 1e-6);
    }

    [Fact]
    public void CrossEntropyWithFloatTargetsOfTheWrongShapeIsAnArgumentError()
    {
        using var scope = Torch.NewScope();
        var x = Tensor.From(new float[15], 3, 5);
        var p = Tensor.From(new float[12], 3, 4);
        var e = Assert.Throws<ArgumentException>(() => F.CrossEntropy(x, p));
        Assert.Equal("target", e.ParamName);
        Assert.Contains("[3, 5]", e.Message);
        Assert.Contains("[3, 4]", e.Message);
        Assert.Contains("int64", e.Message);
        // Index targets: wrong dtype, wrong shape, out-of-range class.
        var i32 = Tensor.From(new int[] { 0, 1, 2 });
        e = Assert.Throws<ArgumentException>(() => F.CrossEntropy(x, i32));
        Assert.Contains("To(DType.Int64)", e.Message);
        var wrongShape = Tensor.From(new long[] { 0, 1 });
        e = Assert.Throws<ArgumentException>(() => F.NllLoss(x, wrongShape));
        Assert.Contains("[3]", e.Message);
        Assert.Contains("[2]", e.Message);
        var outOfRange = Tensor.From(new long[] { 0, 7, 1 });
        var te = Assert.Throws<TorchException>(() => F.CrossEntropy(x, outOfRange));
        Assert.Equal("cross_entropy", te.Operation);
        Assert.Contains("out of bounds", te.NativeMessage);
        Assert.Throws<ArgumentException>(() => F.CrossEntropy(x, Tensor.From(new long[] { 0, 1, 2 }), labelSmoothing: 1.5));
    }

    [Fact]
    public void OtherLossArgumentErrors()
    {
        using var scope = Torch.NewScope();
        var x = Tensor.From(new float[12], 4, 3);
        var y = Tensor.From(new float[12], 4, 3);
        var e = Assert.Throws<ArgumentException>(() => F.MseLoss(x, Tensor.From(new float[8], 4, 2)));
        Assert.Contains("does not broadcast", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.MseLoss(x, y, (Reduction)7));
        Assert.Equal("reduction", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => F.GaussianNllLoss(x, y, Tensor.From(new float[3], 3)));
        Assert.Equal("var", e.ParamName);
        Assert.Contains("[3]", e.Message);
        var negative = Tensor.From(new float[] { 1, -1, 1, 1 });
        var te = Assert.Throws<TorchException>(() => F.GaussianNllLoss(x, y, negative));
        Assert.Contains("negative", te.NativeMessage);
        Assert.Throws<ArgumentException>(() => F.HuberLoss(x, y, delta: 0));
        // Broadcasting is allowed, as in PyTorch: a (3) target against a (4, 3) input.
        Assert.Equal(0.0, F.MseLoss(x, Tensor.From(new float[3], 3)).Item());
    }
}
