using LatentSynth.Torch.NN;

namespace LatentSynth.Torch.Tests;

// Tolerances. The goldens come from the very same libtorch kernels (Debian's python3-torch loads
// the same libtorch_cpu.so), run single-threaded; with one thread here every result is
// bit-identical. With more threads libtorch splits the reductions in weight/bias gradients
// (conv, batch_norm, layer_norm) differently, reordering float32 additions: measured with
// OMP_NUM_THREADS 2..16, up to 2e-7 relative and 1.7e-6 absolute (a conv2d weight gradient of
// 0.50 summed from 84 products of magnitude ~1). rtol 1e-5 / atol 5e-6 leaves a 3x margin over
// that; forward values and input gradients stayed bit-identical.
public class FunctionalTests
{
    private const double SumRtol = 1e-5, SumAtol = 5e-6;

    /// <summary>Checks golden case <paramref name="name"/> of nn.safetensors (see <see cref="NnGolden.CheckCase"/>);
    /// a case without a golden grad_output is checked on its output only.</summary>
    private static void CheckCase(string name, string[] inputs, Func<Tensor[], Tensor> op, double rtol = SumRtol, double atol = SumAtol) =>
        NnGolden.CheckCase(name, inputs, op, rtol, atol, gradientsOptional: true);

    // ---- convolutions --------------------------------------------------------------------------

    [Fact]
    public void Conv1dMatchesPyTorch()
    {
        CheckCase("conv1d.basic", ["x", "w", "b"], a => F.Conv1d(a[0], a[1], a[2], stride: 1, padding: 1));
        CheckCase("conv1d.strided", ["x", "w", "b"], a => F.Conv1d(a[0], a[1], a[2], stride: 2, padding: 2, dilation: 2, groups: 2));
        CheckCase("conv1d.same", ["x", "w"], a => F.Conv1d(a[0], a[1], padding: "same"));
    }

    [Fact]
    public void Conv2dMatchesPyTorch()
    {
        CheckCase("conv2d.basic", ["x", "w", "b"], a => F.Conv2d(a[0], a[1], a[2], padding: 1));
        CheckCase("conv2d.strided", ["x", "w", "b"],
            a => F.Conv2d(a[0], a[1], a[2], stride: [2, 1], padding: new long[] { 1, 0 }, dilation: [1, 2], groups: 2));
        CheckCase("conv2d.valid", ["x", "w"], a => F.Conv2d(a[0], a[1], padding: "valid"));
        // float64: the same kernels in double precision.
        CheckCase("conv2d.f64", ["x", "w", "b"], a => F.Conv2d(a[0], a[1], a[2], stride: 2, padding: 1), rtol: 1e-12, atol: 1e-12);
    }

    [Fact]
    public void ConvTransposeMatchesPyTorch()
    {
        CheckCase("conv_transpose1d.basic", ["x", "w", "b"], a => F.ConvTranspose1d(a[0], a[1], a[2], stride: 2, padding: 1, outputPadding: 1));
        CheckCase("conv_transpose1d.grouped", ["x", "w"], a => F.ConvTranspose1d(a[0], a[1], groups: 2, dilation: 2));
        CheckCase("conv_transpose2d.basic", ["x", "w", "b"], a => F.ConvTranspose2d(a[0], a[1], a[2], stride: 2, padding: 1, outputPadding: 1));
        CheckCase("conv_transpose2d.grouped", ["x", "w", "b"],
            a => F.ConvTranspose2d(a[0], a[1], a[2], stride: [1, 2], padding: [0, 1], groups: 2, dilation: [2, 1]));
    }

    [Fact]
    public void ConvWithWrongChannelCountIsATorchExceptionNamingTheChannels()
    {
        using var scope = Torch.NewScope();
        using var x = Tensor.From(new float[1 * 2 * 8 * 8], 1, 2, 8, 8);
        using var w = Tensor.From(new float[4 * 3 * 3 * 3], 4, 3, 3, 3);
        var e = Assert.Throws<TorchException>(() => F.Conv2d(x, w));
        Assert.Equal("conv2d", e.Operation);
        Assert.Contains("3 channels", e.Message);
        Assert.Contains("2 channels", e.Message);
        // The process is alive and the binding still works.
        using var ok = Tensor.From(new float[1 * 3 * 8 * 8], 1, 3, 8, 8);
        Assert.Equal([1L, 4L, 6L, 6L], F.Conv2d(ok, w).Shape);
    }

    [Fact]
    public void ConvWeightOfWrongRankIsAnArgumentError()
    {
        using var scope = Torch.NewScope();
        var x = Tensor.From(new float[1 * 3 * 8 * 8], 1, 3, 8, 8);
        var w3 = Tensor.From(new float[4 * 3 * 3], 4, 3, 3);
        var e = Assert.Throws<ArgumentException>(() => F.Conv2d(x, w3));
        Assert.Equal("weight", e.ParamName);
        Assert.Contains("4-D weight", e.Message);
        Assert.Contains("[4, 3, 3]", e.Message);
        var x1 = Tensor.From(new float[2 * 3 * 10], 2, 3, 10);
        var w4 = Tensor.From(new float[4 * 3 * 3 * 3], 4, 3, 3, 3);
        e = Assert.Throws<ArgumentException>(() => F.Conv1d(x1, w4));
        Assert.Contains("3-D weight", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.ConvTranspose2d(x, w3));
        Assert.Contains("(in_channels, out_channels/groups, kH, kW)", e.Message);
        // Input of the wrong rank, bad argument lengths and modes.
        var x2 = Tensor.From(new float[3 * 10], 3, 10);
        e = Assert.Throws<ArgumentException>(() => F.Conv2d(x2, w4));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("[3, 10]", e.Message);
        var w = Tensor.From(new float[4 * 3 * 3 * 3], 4, 3, 3, 3);
        e = Assert.Throws<ArgumentException>(() => F.Conv2d(x, w, stride: [1, 2, 3]));
        Assert.Contains("stride needs 1 or 2 values, got 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.Conv2d(x, w, padding: "full"));
        Assert.Contains("\"same\" or \"valid\"", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.Conv2d(x, w, stride: "same"));
        Assert.Equal("stride", e.ParamName);
        Assert.Throws<ArgumentException>(() => F.Conv2d(x, w, groups: 0));
        // "same" with a stride is refused by libtorch itself.
        var te = Assert.Throws<TorchException>(() => F.Conv2d(x, w, stride: 2, padding: "same"));
        Assert.Contains("same", te.NativeMessage);
    }

    // ---- pooling, interpolation, padding --------------------------------------------------------

    [Fact]
    public void PoolingMatchesPyTorch()
    {
        CheckCase("max_pool1d.basic", ["x"], a => F.MaxPool1d(a[0], 3, stride: 2, padding: 1));
        CheckCase("max_pool1d.ceil", ["x"], a => F.MaxPool1d(a[0], 2, stride: 2, dilation: 2, ceilMode: true));
        CheckCase("max_pool2d.basic", ["x"], a => F.MaxPool2d(a[0], 2));
        CheckCase("max_pool2d.ceil", ["x"], a => F.MaxPool2d(a[0], [3, 2], stride: [2, 2], padding: [1, 0], ceilMode: true));
        CheckCase("avg_pool1d.basic", ["x"], a => F.AvgPool1d(a[0], 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false));
        CheckCase("avg_pool2d.basic", ["x"], a => F.AvgPool2d(a[0], 3, stride: 2, padding: 1));
        CheckCase("avg_pool2d.divisor", ["x"], a => F.AvgPool2d(a[0], [2, 3], divisorOverride: 5));
        CheckCase("adaptive_avg_pool1d", ["x"], a => F.AdaptiveAvgPool1d(a[0], 3));
        CheckCase("adaptive_avg_pool2d", ["x"], a => F.AdaptiveAvgPool2d(a[0], [3, 2]));
    }

    [Fact]
    public void PoolingErrorsAreReported()
    {
        using var scope = Torch.NewScope();
        var x = Tensor.From(new float[1 * 1 * 4 * 4], 1, 1, 4, 4);
        var te = Assert.Throws<TorchException>(() => F.MaxPool2d(x, 2, padding: 2));
        Assert.Equal("max_pool2d", te.Operation);
        Assert.Contains("pad", te.NativeMessage);
        var e = Assert.Throws<ArgumentException>(() => F.AvgPool2d(x, 2, divisorOverride: 0));
        Assert.Equal("divisorOverride", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => F.MaxPool2d(x, default(Sizes)));
        Assert.Equal("kernelSize", e.ParamName);
    }

    [Fact]
    public void InterpolateMatchesPyTorch()
    {
        CheckCase("interp.nearest1d_size", ["x"], a => F.Interpolate(a[0], size: [7]));
        CheckCase("interp.nearest1d_scale", ["x"], a => F.Interpolate(a[0], scaleFactor: [2.5]));
        CheckCase("interp.linear_size", ["x"], a => F.Interpolate(a[0], size: [9], mode: "linear"));
        CheckCase("interp.linear_scale_ac", ["x"], a => F.Interpolate(a[0], scaleFactor: [1.7], mode: "linear", alignCorners: true));
        CheckCase("interp.nearest2d_size", ["x"], a => F.Interpolate(a[0], size: [5, 7], mode: "nearest"));
        CheckCase("interp.nearest2d_scale", ["x"], a => F.Interpolate(a[0], scaleFactor: [2.0, 1.5]));
        CheckCase("interp.bilinear_size", ["x"], a => F.Interpolate(a[0], size: [6, 5], mode: "bilinear"));
        CheckCase("interp.bilinear_ac", ["x"], a => F.Interpolate(a[0], size: [6, 5], mode: "bilinear", alignCorners: true));
        CheckCase("interp.bilinear_scale", ["x"], a => F.Interpolate(a[0], scaleFactor: [1.5, 2.0], mode: "bilinear"));
        CheckCase("interp.bicubic_size", ["x"], a => F.Interpolate(a[0], size: [5, 6], mode: "bicubic"));
    }

    [Fact]
    public void InterpolateRejectsInconsistentArguments()
    {
        using var scope = Torch.NewScope();
        var x3 = Tensor.From(new float[8], 1, 2, 4);
        var x4 = Tensor.From(new float[16], 1, 1, 4, 4);
        Assert.Contains("not both", Assert.Throws<ArgumentException>(() => F.Interpolate(x3, size: [8], scaleFactor: [2.0])).Message);
        Assert.Throws<ArgumentException>(() => F.Interpolate(x3));
        var e = Assert.Throws<ArgumentException>(() => F.Interpolate(x4, size: [8, 8], mode: "linear"));
        Assert.Contains("[1, 1, 4, 4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => F.Interpolate(x4, size: [8, 8], alignCorners: true));
        Assert.Equal("alignCorners", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => F.Interpolate(x4, size: [8, 8, 8]));
        Assert.Contains("1 or 2 values", e.Message);
        Assert.Throws<ArgumentException>(() => F.Interpolate(x4, size: [8], mode: "trilinear"));
        // A single size is used for every spatial dimension, like an int in PyTorch.
        Assert.Equal([1L, 1L, 8L, 8L], F.Interpolate(x4, size: [8]).Shape);
    }

    [Fact]
    public void PadMatchesPyTorch()
    {
        CheckCase("pad.constant", ["x"], a => F.Pad(a[0], [1, 2], value: 0.5));
        CheckCase("pad.reflect1d", ["x"], a => F.Pad(a[0], [2, 3], mode: "reflect"));
        CheckCase("pad.reflect2d", ["x"], a => F.Pad(a[0], [1, 1, 2, 0], mode: "reflect"));
        CheckCase("pad.replicate", ["x"], a => F.Pad(a[0], [2, 1], mode: "replicate"));
        using var scope = Torch.NewScope();
        var x = Tensor.From(new float[10], 1, 2, 5);
        Assert.Throws<ArgumentException>(() => F.Pad(x, [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => F.Pad(x, [1, 1], mode: "mirror"));
        Assert.Throws<ArgumentException>(() => F.Pad(x, [1, 1], mode: "reflect", value: 2));
        var te = Assert.Throws<TorchException>(() => F.Pad(x, [5, 5], mode: "reflect"));
        Assert.Contains("Padding size should be less than", te.NativeMessage);
    }

    // ---- normalisation --------------------------------------------------------------------------

    [Fact]
    public void BatchNormTrainingMatchesPyTorchAndUpdatesRunningStats()
    {
        using var scope = Torch.NewScope();
        // Clones: the running statistics are updated in place.
        var runningMean = Goldens.Get("nn", "bn_train.running_mean.before").Clone();
        var runningVar = Goldens.Get("nn", "bn_train.running_var.before").Clone();
        CheckCase("bn_train", ["x", "w", "b"],
            a => F.BatchNorm(a[0], runningMean, runningVar, a[1], a[2], training: true, momentum: 0.2, eps: 1e-5));
        Goldens.AssertClose(Goldens.Get("nn", "bn_train.running_mean.after"), runningMean, SumRtol, SumAtol, "running_mean");
        Goldens.AssertClose(Goldens.Get("nn", "bn_train.running_var.after"), runningVar, SumRtol, SumAtol, "running_var");
        // The update really happened (the before and after goldens differ).
        var before = Goldens.Get("nn", "bn_train.running_mean.before").ToArray<float>();
        Assert.NotEqual(before, runningMean.ToArray<float>());
        CheckCase("bn_train_nostats", ["x"], a => F.BatchNorm(a[0], null, null, training: true));
    }

    [Fact]
    public void BatchNormEvalMatchesPyTorch()
    {
        CheckCase("bn_eval", ["x", "rm", "rv", "w", "b"], a => F.BatchNorm(a[0], a[1], a[2], a[3], a[4], training: false, eps: 1e-3));
    }

    [Fact]
    public void BatchNormArgumentErrors()
    {
        using var scope = Torch.NewScope();
        var x = Tensor.From(new float[12], 4, 3);
        var e = Assert.Throws<ArgumentException>(() => F.BatchNorm(x, null, null));
        Assert.Contains("runningMean and runningVar", e.Message);
        var single = Tensor.From(new float[3], 1, 3);
        e = Assert.Throws<ArgumentException>(() => F.BatchNorm(single, null, null, training: true));
        Assert.Contains("more than 1 value per channel", e.Message);
        var wrong = Tensor.From(new float[4], 4);
        var te = Assert.Throws<TorchException>(() => F.BatchNorm(x, wrong, wrong));
        Assert.Equal("batch_norm", te.Operation);
    }

    [Fact]
    public void LayerNormMatchesPyTorch()
    {
        CheckCase("ln.affine", ["x", "w", "b"], a => F.LayerNorm(a[0], [3, 4], a[1], a[2]));
        CheckCase("ln.plain", ["x"], a => F.LayerNorm(a[0], [4], eps: 1e-3));
        using var scope = Torch.NewScope();
        var x = Tensor.From(new float[24], 2, 3, 4);
        var te = Assert.Throws<TorchException>(() => F.LayerNorm(x, [5]));
        Assert.Equal("layer_norm", te.Operation);
        Assert.Throws<ArgumentException>(() => F.LayerNorm(x, []));
    }
}

// Seeds and draws from the process-wide default generator: runs alone (see ProcessWideState), so
// no other test draws from it between the seed and the draw.
[Collection(ProcessWideState.Name)]
public class DropoutTests
{
    [Fact]
    public void DropoutWithSeedMatchesPyTorchsMaskExactly()
    {
        using var scope = Torch.NewScope();
        var x = Goldens.Get("nn", "dropout.x").Detach().RequiresGrad_();
        Torch.ManualSeed(1234);
        var y = F.Dropout(x, 0.3, training: true);
        // Same generator, same kernel: bit-identical (mask and the 1/(1-p) scaling).
        Goldens.AssertClose(Goldens.Get("nn", "dropout.out"), y, 0, 0, "dropout output");
        y.Backward(Goldens.Get("nn", "dropout.gout"));
        Goldens.AssertClose(Goldens.Get("nn", "dropout.x.grad"), x.Grad!, 0, 0, "dropout gradient");
        // Some elements were dropped and some kept.
        var values = y.ToArray<float>();
        Assert.Contains(0f, values);
        Assert.Contains(values, v => v != 0);
    }

    [Fact]
    public void DropoutOutsideTrainingOrWithPZeroIsIdentity()
    {
        using var scope = Torch.NewScope();
        var x = Goldens.Get("nn", "dropout.x");
        Assert.Equal(x.ToArray<float>(), F.Dropout(x, 0.9, training: false).ToArray<float>());
        Assert.Equal(x.ToArray<float>(), F.Dropout(x, 0.0).ToArray<float>());
        Assert.All(F.Dropout(x, 1.0).ToArray<float>(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void NegativeDropoutProbabilityIsAnArgumentError()
    {
        using var scope = Torch.NewScope();
        var x = Tensor.From(new float[] { 1, 2, 3 });
        var e = Assert.Throws<ArgumentException>(() => F.Dropout(x, -0.1));
        Assert.Equal("p", e.ParamName);
        Assert.Contains("between 0 and 1", e.Message);
        Assert.Throws<ArgumentException>(() => F.Dropout(x, 1.5));
        Assert.Throws<ArgumentException>(() => F.Dropout(x, double.NaN));
        Assert.Equal(3, F.Dropout(x, 0.5, training: false).NumEl);
    }
}

// Counts live native tensors, so it runs alone (see ProcessWideState).
[Collection(ProcessWideState.Name)]
public class NnHandleLeakTests
{
    [Fact]
    public void OpsAndTheirFailuresLeaveNoNativeTensorsBehind()
    {
        // Load the golden files first: they stay cached for the whole run.
        Goldens.Get("nn", "conv2d.basic.x").Dispose();
        Goldens.Get("spectral", "stft.basic.x").Dispose();
        long baseline = Torch.LiveTensors;
        using (Torch.NewScope())
        {
            var x = Goldens.Get("nn", "conv2d.basic.x").Detach().RequiresGrad_();
            var w = Goldens.Get("nn", "conv2d.basic.w");
            var y = F.Conv2d(x, w, padding: 1);
            y.Backward(Goldens.Get("nn", "conv2d.basic.gout"));
            Assert.NotNull(x.Grad);
            F.BatchNorm(y, null, null, training: true);
            Assert.Throws<TorchException>(() => F.Conv2d(w, x));
            Assert.Throws<ArgumentException>(() => F.BinaryCrossEntropy(x, w));
            var s = Goldens.Get("spectral", "stft.basic.x");
            var spec = Torch.Stft(s, 64, hopLength: 16, window: Torch.HannWindow(64));
            _ = spec.Real;
            _ = spec.Imag;
            Torch.Istft(spec, 64, hopLength: 16, window: Torch.HannWindow(64));
            Assert.Throws<TorchException>(() => Fft.Rfft(spec));
            Assert.True(Torch.LiveTensors > baseline);
        }
        Assert.Equal(baseline, Torch.LiveTensors);
    }
}
