using LatentSynth.Torch;
using LatentSynth.Torch.IO;

namespace LatentSynth.Audio.Tests.Spectral;

using Torch = LatentSynth.Torch.Torch;

/// Test signals made with Torch ops, and the audio goldens (read from the source tree).
internal static class Signals
{
    public static Tensor Sine(double freq, double seconds, int sr = 22050, double amplitude = 1.0)
    {
        long n = (long)Math.Round(seconds * sr);
        using var t = Torch.Arange(0.0, n, 1.0, DType.Float64);
        using var ph = t.Mul(2 * Math.PI * freq / sr);
        using var s = ph.Sin().Mul(amplitude);
        return s.To(DType.Float32);
    }

    /// Linear chirp from f0 to f1 over the duration.
    public static Tensor Chirp(double f0, double f1, double seconds, int sr = 22050, double amplitude = 0.5)
    {
        long n = (long)Math.Round(seconds * sr);
        using var scope = Torch.NewScope();
        var t = Torch.Arange(0.0, n, 1.0, DType.Float64).Div(sr);
        var ph = t.Mul(f0).Add(t.Square().Mul((f1 - f0) / (2 * seconds))).Mul(2 * Math.PI);
        return ph.Sin().Mul(amplitude).To(DType.Float32).MoveToOuterScope();
    }

    public static Tensor Noise(double seconds, ulong seed, int sr = 22050)
    {
        using var g = new Generator(seed);
        using var r = Torch.Randn([(long)Math.Round(seconds * sr)], generator: g);
        return r.Mul(0.1);
    }

    private static Dictionary<string, Tensor>? goldens;
    private static readonly object Gate = new();

    /// tests/goldens/audio.safetensors (tests/goldens/gen_audio.py), found by walking up from the test binary.
    public static Tensor Golden(string name)
    {
        lock (Gate)
        {
            if (goldens is null)
            {
                var dir = new DirectoryInfo(AppContext.BaseDirectory);
                string? path = null;
                for (; dir is not null; dir = dir.Parent)
                {
                    var candidate = Path.Combine(dir.FullName, "goldens", "audio.safetensors");
                    if (File.Exists(candidate)) { path = candidate; break; }
                    candidate = Path.Combine(dir.FullName, "tests", "goldens", "audio.safetensors");
                    if (File.Exists(candidate)) { path = candidate; break; }
                }
                Assert.True(path is not null, "tests/goldens/audio.safetensors not found (run /usr/bin/python3 tests/goldens/gen_audio.py)");
                goldens = SafeTensors.Load(path!);
            }
            return goldens[name];
        }
    }
}
