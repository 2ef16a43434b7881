using System.Numerics;
using LatentSynth.Torch.NN;

namespace LatentSynth.Torch.Tests;

// Tolerances. Goldens come from the same libtorch (pocketfft) kernels, and every result was
// bit-identical with 1 to 16 threads (pocketfft transforms each row on its own). The bounds only
// allow for a different batching of rows elsewhere: a few ulps, float32 rtol 1e-6 / atol 1e-6
// (values up to ~30; atol covers bins that cancel to near zero), float64 rtol = atol = 1e-12.
// The naive DFT check is exact math in float64: atol 1e-9 as specified (n <= 64, rounding of
// both the O(n^2) sum and the FFT stays below 1e-13).
public class SpectralTests
{
    private const double F32Rtol = 1e-6, F32Atol = 1e-6, F64Tol = 1e-12;

    private static Tensor Gold(string name) => Goldens.Get("spectral", name);

    /// <summary>A golden input as a tensor of the right kind: complex ones are stored as real views
    /// [.., 2]; inputs with a golden gradient become leaves that require grad.</summary>
    private static Tensor Input(string name, bool complex)
    {
        var stored = Gold(name);
        var t = complex ? Torch.ViewAsComplex(stored) : stored;
        return Goldens.Has("spectral", name + ".grad") ? t.Detach().RequiresGrad_() : t;
    }

    private static Tensor RealView(Tensor t) => t.IsComplex ? t.ResolveConj().ViewAsReal() : t;

    /// <summary>Runs a golden case: output and every input gradient (complex ones compared as real views).</summary>
    private static void CheckCase(string name, (string Name, bool Complex)[] inputs, Func<Tensor[], Tensor> op,
        double rtol = F32Rtol, double atol = F32Atol)
    {
        using var scope = Torch.NewScope();
        var args = inputs.Select(i => Input($"{name}.{i.Name}", i.Complex)).ToArray();
        var output = op(args);
        Goldens.AssertClose(Gold($"{name}.out"), RealView(output), rtol, atol, $"{name} output");
        if (!Goldens.Has("spectral", $"{name}.gout")) return;
        var gout = Gold($"{name}.gout");
        output.Backward(output.IsComplex ? Torch.ViewAsComplex(gout) : gout);
        for (int i = 0; i < inputs.Length; i++)
        {
            var grad = args[i].Grad;
            Assert.NotNull(grad);
            Goldens.AssertClose(Gold($"{name}.{inputs[i].Name}.grad"), RealView(grad), rtol, atol, $"{name} d/d{inputs[i].Name}");
        }
    }

    // ---- torch.fft ------------------------------------------------------------------------------

    [Fact]
    public void RfftMatchesPyTorchWithGradients()
    {
        CheckCase("rfft.basic", [("x", false)], a => Fft.Rfft(a[0]));
        CheckCase("rfft.pad_ortho", [("x", false)], a => Fft.Rfft(a[0], n: 20, norm: "ortho"));
        CheckCase("rfft.trim_forward_dim0", [("x", false)], a => Fft.Rfft(a[0], n: 6, dim: 0, norm: "forward"), F64Tol, F64Tol);
    }

    [Fact]
    public void IrfftMatchesPyTorchWithGradients()
    {
        CheckCase("irfft.basic", [("z", true)], a => Fft.Irfft(a[0]));
        CheckCase("irfft.odd_ortho", [("z", true)], a => Fft.Irfft(a[0], n: 15, norm: "ortho"), F64Tol, F64Tol);
    }

    [Fact]
    public void FftAndIfftMatchPyTorch()
    {
        CheckCase("fft.complex", [("z", true)], a => Fft.Fft1d(a[0]));
        CheckCase("fft.real_n", [("x", false)], a => Fft.Fft1d(a[0], n: 10, norm: "ortho"));
        CheckCase("ifft.complex", [("z", true)], a => Fft.Ifft(a[0], dim: 0), F64Tol, F64Tol);
    }

    [Fact]
    public void FrequenciesAndWindowsMatchPyTorch()
    {
        using var scope = Torch.NewScope();
        // Closed-form elementwise results: bit-identical.
        Goldens.AssertClose(Gold("rfftfreq.9"), Fft.Rfftfreq(9, d: 0.1), 0, 0, "rfftfreq");
        Goldens.AssertClose(Gold("fftfreq.8"), Fft.Fftfreq(8, d: 0.5, dtype: DType.Float64), 0, 0, "fftfreq");
        Goldens.AssertClose(Gold("window.hann_periodic"), Torch.HannWindow(10), 0, 0, "hann periodic");
        Goldens.AssertClose(Gold("window.hann_symmetric"), Torch.HannWindow(10, periodic: false), 0, 0, "hann symmetric");
        Goldens.AssertClose(Gold("window.hamming"), Torch.HammingWindow(12, dtype: DType.Float64), 0, 0, "hamming");
        Goldens.AssertClose(Gold("window.hamming_ab"), Torch.HammingWindow(7, periodic: false, alpha: 0.5, beta: 0.4), 0, 0, "hamming a/b");
        Goldens.AssertClose(Gold("window.blackman"), Torch.BlackmanWindow(9), 0, 0, "blackman");
        Assert.Throws<ArgumentException>(() => Torch.HannWindow(-1));
        Assert.Throws<ArgumentException>(() => Torch.HannWindow(8, dtype: DType.Int64));
    }

    [Fact]
    public void DftMatchesANaiveDft()
    {
        using var scope = Torch.NewScope();
        var rng = new Random(7);
        foreach (int n in new[] { 1, 2, 17, 37, 64 })
        {
            var x = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            var expected = NaiveDft(x.Select(v => new Complex(v, 0)).ToArray());
            var rfft = Fft.Rfft(Tensor.From(x, n)).ToArray<Complex>();
            Assert.Equal(n / 2 + 1, rfft.Length);
            for (int k = 0; k < rfft.Length; k++) AssertComplexClose(expected[k], rfft[k], 1e-9, $"rfft n={n} k={k}");

            var z = Enumerable.Range(0, n).Select(_ => new Complex(rng.NextDouble() * 2 - 1, rng.NextDouble() * 2 - 1)).ToArray();
            var zExpected = NaiveDft(z);
            var fft = Fft.Fft1d(Tensor.From(z, n)).ToArray<Complex>();
            for (int k = 0; k < n; k++) AssertComplexClose(zExpected[k], fft[k], 1e-9, $"fft n={n} k={k}");

            // The inverse gives the signal back.
            var back = Fft.Ifft(Tensor.From(fft, n)).ToArray<Complex>();
            for (int t = 0; t < n; t++) AssertComplexClose(z[t], back[t], 1e-9, $"ifft n={n} t={t}");
            var realBack = Fft.Irfft(Tensor.From(rfft, rfft.Length), n: n).ToArray<double>();
            for (int t = 0; t < n; t++) Assert.True(Math.Abs(x[t] - realBack[t]) <= 1e-9, $"irfft n={n} t={t}");
        }

        static Complex[] NaiveDft(Complex[] x)
        {
            int n = x.Length;
            var result = new Complex[n];
            for (int k = 0; k < n; k++)
            {
                Complex sum = Complex.Zero;
                for (int t = 0; t < n; t++)
                {
                    double phase = -2 * Math.PI * ((long)k * t % n) / n;
                    sum += x[t] * new Complex(Math.Cos(phase), Math.Sin(phase));
                }
                result[k] = sum;
            }
            return result;
        }
    }

    [Theory]
    [InlineData(64)]
    [InlineData(63)]
    public void RfftSatisfiesParseval(int n)
    {
        using var scope = Torch.NewScope();
        var rng = new Random(n);
        var x = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var spectrum = Fft.Rfft(Tensor.From(x)).ToArray<Complex>();
        // Σ|x|² = (1/n) Σ_k |X_k|² over all n bins; rfft holds bins 0..n/2, the others are conjugates,
        // so every bin except 0 (and n/2 for even n) counts twice.
        double energy = x.Sum(v => v * v);
        double spectral = 0;
        for (int k = 0; k < spectrum.Length; k++)
        {
            bool single = k == 0 || (n % 2 == 0 && k == n / 2);
            spectral += (single ? 1 : 2) * spectrum[k].Magnitude * spectrum[k].Magnitude;
        }
        Assert.Equal(energy, spectral / n, 1e-9);
        // With norm "ortho" the transform is unitary: no 1/n.
        var ortho = Fft.Rfft(Tensor.From(x), norm: "ortho").ToArray<Complex>();
        double orthoEnergy = ortho.Select((c, k) => (k == 0 || (n % 2 == 0 && k == n / 2) ? 1 : 2) * c.Magnitude * c.Magnitude).Sum();
        Assert.Equal(energy, orthoEnergy, 1e-9);
    }

    [Fact]
    public void FftArgumentErrors()
    {
        using var scope = Torch.NewScope();
        var x = Tensor.From(new float[8]);
        var e = Assert.Throws<ArgumentException>(() => Fft.Rfft(x, norm: "unitary"));
        Assert.Equal("norm", e.ParamName);
        Assert.Throws<ArgumentException>(() => Fft.Irfft(x, n: 0));
        var te = Assert.Throws<TorchException>(() => Fft.Rfft(x, dim: 3));
        Assert.Equal("fft.rfft", te.Operation);
        var z = Fft.Fft1d(x);
        te = Assert.Throws<TorchException>(() => Fft.Rfft(z));
        Assert.Contains("real input", te.NativeMessage);
    }

    // ---- STFT ---------------------------------------------------------------------------------

    [Fact]
    public void StftMatchesPyTorchWithGradients()
    {
        using var scope = Torch.NewScope();
        var hann64 = Torch.HannWindow(64);
        CheckCase("stft.basic", [("x", false)], a => Torch.Stft(a[0], 64, hopLength: 16, window: hann64));
        var hann24 = Torch.HannWindow(24, dtype: DType.Float64);
        CheckCase("stft.win48", [("x", false)],
            a => Torch.Stft(a[0], 32, hopLength: 8, winLength: 24, window: hann24, center: false, normalized: true, onesided: false),
            F64Tol, F64Tol);
        CheckCase("stft.constant_nowindow", [("x", false)], a => Torch.Stft(a[0], 16, padMode: "constant"));
    }

    [Fact]
    public void GradientsFlowThroughStftRealAndImag()
    {
        using var scope = Torch.NewScope();
        var x = Gold("stft_parts.x").Detach().RequiresGrad_();
        var spec = Torch.Stft(x, 32, hopLength: 8, window: Torch.HannWindow(32));
        Assert.True(spec.IsComplex);
        Assert.Equal(DType.Complex64, spec.DType);
        var grads = Autograd.Grad([spec.Real, spec.Imag], [x], [Gold("stft_parts.greal"), Gold("stft_parts.gimag")]);
        Goldens.AssertClose(Gold("stft_parts.x.grad"), grads[0]!, F32Rtol, F32Atol, "d(real, imag)/dx");
    }

    [Fact]
    public void IstftMatchesPyTorchAndInvertsStft()
    {
        using var scope = Torch.NewScope();
        var hann64 = Torch.HannWindow(64);
        CheckCase("istft.basic", [("z", true)], a => Torch.Istft(a[0], 64, hopLength: 16, window: hann64, length: 200));

        // Round trip in float32 and float64: istft(stft(x)) == x up to rounding (rtol 1e-5 as
        // specified; atol for samples near zero: float32 rounding of ~1e-7 per sum, float64 1e-12).
        var x = Gold("stft.basic.x");
        var back = Torch.Istft(Torch.Stft(x, 64, hopLength: 16, window: hann64), 64, hopLength: 16, window: hann64, length: 200);
        Goldens.AssertClose(x, back, 1e-5, 1e-6, "float32 round trip");
        var x64 = Gold("stft.win48.x");
        var hann32 = Torch.HannWindow(32, dtype: DType.Float64);
        var back64 = Torch.Istft(Torch.Stft(x64, 32, hopLength: 8, window: hann32), 32, hopLength: 8, window: hann32, length: 150);
        Goldens.AssertClose(x64, back64, 1e-5, 1e-12, "float64 round trip");
    }

    [Fact]
    public void StftWithNfftLargerThanThePaddedSignalIsAnArgumentError()
    {
        using var scope = Torch.NewScope();
        var x = Tensor.From(new float[5]);
        var e = Assert.Throws<ArgumentException>(() => Torch.Stft(x, 16, center: false));
        Assert.Equal("nFft", e.ParamName);
        Assert.Contains("nFft = 16", e.Message);
        Assert.Contains("5 samples", e.Message);
        e = Assert.Throws<ArgumentException>(() => Torch.Stft(x, 16));
        Assert.Contains("reflect padding", e.Message);
        // Constant padding makes the same call valid: 5 + 2*8 = 21 samples hold a 16-sample frame.
        Assert.Equal([9L, 2L], Torch.Stft(x, 16, padMode: "constant").Shape);
        Assert.Throws<ArgumentException>(() => Torch.Stft(x, 4, hopLength: 0));
        Assert.Throws<ArgumentException>(() => Torch.Stft(x, 4, winLength: 5));
        Assert.Throws<ArgumentException>(() => Torch.Stft(x, 4, padMode: "mirror"));
        Assert.Throws<ArgumentException>(() => Torch.Istft(x, 4));
        // A window of the wrong length is refused by libtorch.
        var te = Assert.Throws<TorchException>(() => Torch.Stft(Tensor.From(new float[64]), 16, window: Torch.HannWindow(8)));
        Assert.Equal("stft", te.Operation);
    }

    // ---- complex helpers ----------------------------------------------------------------------

    [Fact]
    public void ComplexHelpersMatchPyTorchWithGradients()
    {
        // Elementwise: bit-identical up to the last ulp of sin/cos/atan2.
        CheckCase("polar", [("a", false), ("t", false)], a => Torch.Polar(a[0], a[1]), 1e-6, 1e-7);
        CheckCase("complex", [("re", false), ("im", false)], a => Torch.Complex(a[0], a[1]), 0, 0);
        CheckCase("angle", [("z", true)], a => a[0].Angle(), 1e-12, 1e-15);
        CheckCase("real", [("z", true)], a => a[0].Real, 0, 0);
        CheckCase("imag", [("z", true)], a => a[0].Imag, 0, 0);
        CheckCase("conj", [("z", true)], a => a[0].Conj(), 0, 0);
    }

    [Fact]
    public void ComplexViewsShareStorageAndRoundTrip()
    {
        using var scope = Torch.NewScope();
        var pairs = Tensor.From(new float[] { 1, 2, 3, -4 }, 2, 2);
        var z = Torch.ViewAsComplex(pairs);
        Assert.True(z.IsComplex);
        Assert.False(pairs.IsComplex);
        Assert.Equal([2L], z.Shape);
        Assert.Equal(new float[] { 1, 3 }, z.Real.ToArray<float>());
        Assert.Equal(new float[] { 2, -4 }, z.Imag.ToArray<float>());
        var conj = z.Conj();
        Assert.True(conj.IsConj);
        Assert.Equal(new float[] { 1, -2, 3, 4 }, conj.ResolveConj().ViewAsReal().ToArray<float>());
        // Real parts are a view: writing through it changes the complex tensor.
        z.Real.CopyFrom(Tensor.From(new float[] { 10, 30 }));
        Assert.Equal(new float[] { 10, 2, 30, -4 }, pairs.ToArray<float>());
        Assert.Equal(new float[] { 10, 2, 30, -4 }, Torch.ViewAsReal(z).ToArray<float>());
        // A real tensor's real part is itself; it has no imaginary part.
        Assert.Equal(new float[] { 10, 2, 30, -4 }, pairs.Real.ToArray<float>());
        var te = Assert.Throws<TorchException>(() => pairs.Imag);
        Assert.Equal("imag", te.Operation);
        te = Assert.Throws<TorchException>(() => Torch.ViewAsComplex(Tensor.From(new float[6], 2, 3)));
        Assert.Equal("view_as_complex", te.Operation);
        te = Assert.Throws<TorchException>(() => conj.ViewAsReal());
        Assert.Contains("resolve_conj", te.NativeMessage);
        Assert.Equal(Math.PI, Tensor.From(new double[] { -2 }).Angle().Item(), 15);
    }

    private static void AssertComplexClose(Complex expected, Complex actual, double atol, string what)
    {
        Assert.True(Math.Abs(expected.Real - actual.Real) <= atol && Math.Abs(expected.Imaginary - actual.Imaginary) <= atol,
            $"{what}: expected {expected} got {actual}");
    }
}
