using System.Globalization;
using LatentSynth.Torch;
using LatentSynth.Torch.IO;

namespace LatentSynth.Audio.Spectral;

using Torch = LatentSynth.Torch.Torch;

/// <summary>How frames are normalized over a dataset.</summary>
public enum NormalizerMode
{
    /// <summary>(x − min) / (max − min): the fitted data lies in [0, 1] (allows BCE and sigmoid decoders).</summary>
    MinMax,
    /// <summary>(x − mean) / std.</summary>
    Standard,
}

/// <summary>
/// Dataset normalization of (compressed) frames [.., Bins]: y = (x − Offset) / Scale.
/// Default: <see cref="NormalizerMode.MinMax"/> with one global minimum and maximum (PerBin =
/// false). Why: the [0, 1] range lets a model use a sigmoid output and a Bernoulli/BCE loss like on
/// images, and one global range keeps the relative level of the bins (per-bin scaling would blow up
/// near-silent high bins to full range, so noise in them would weigh as much as the harmonics).
/// Per-bin and mean/std are available.
/// </summary>
public sealed class FrameNormalizer : IDisposable
{
    private const string Kind = "latentsynth.frame_normalizer";

    private FrameNormalizer(NormalizerMode mode, bool perBin, Tensor offset, Tensor scale)
    {
        Mode = mode;
        PerBin = perBin;
        Offset = offset;
        Scale = scale;
    }

    /// <summary>Normalization mode.</summary>
    public NormalizerMode Mode { get; }

    /// <summary>Whether each bin has its own offset and scale (otherwise one of each for all bins).</summary>
    public bool PerBin { get; }

    /// <summary>Subtracted value, float32 [Bins] (per bin) or [1].</summary>
    public Tensor Offset { get; }

    /// <summary>Divisor, float32 [Bins] or [1], always positive.</summary>
    public Tensor Scale { get; }

    /// <summary>
    /// Fits over a dataset of frame tensors [frames, Bins] (streamed: each is read once; statistics are
    /// accumulated in float64). Scales below 1e-8 (constant data) are raised to 1e-8.
    /// </summary>
    /// <exception cref="ArgumentException">No frames, or the tensors disagree on Bins.</exception>
    public static FrameNormalizer Fit(IEnumerable<Tensor> frames, NormalizerMode mode = NormalizerMode.MinMax, bool perBin = false)
    {
        ArgumentNullException.ThrowIfNull(frames);
        Tensor? sum = null, sumSq = null, min = null, max = null;
        long count = 0, bins = -1;
        try
        {
            foreach (var f in frames)
            {
                if (f.Dim != 2) throw new ArgumentException($"FrameNormalizer.Fit: each item must be [frames, Bins], got [{string.Join(", ", f.Shape)}]", nameof(frames));
                if (bins >= 0 && f.Shape[1] != bins) throw new ArgumentException($"FrameNormalizer.Fit: items disagree on Bins ({bins} vs {f.Shape[1]})", nameof(frames));
                bins = f.Shape[1];
                if (f.Shape[0] == 0) continue;
                using var scope = Torch.NewScope();
                var d = f.To(DType.Float64);
                var s = perBin ? d.Sum(0) : d.Sum().Reshape(1);
                var sq = perBin ? d.Square().Sum(0) : d.Square().Sum().Reshape(1);
                var mn = perBin ? d.Min(0).Values : d.Min().Reshape(1);
                var mx = perBin ? d.Max(0).Values : d.Max().Reshape(1);
                Accumulate(ref sum, s, (a, b) => a.Add(b));
                Accumulate(ref sumSq, sq, (a, b) => a.Add(b));
                Accumulate(ref min, mn, (a, b) => a.Minimum(b));
                Accumulate(ref max, mx, (a, b) => a.Maximum(b));
                count += perBin ? f.Shape[0] : f.Shape[0] * f.Shape[1];
            }
            if (count == 0 || sum is null) throw new ArgumentException("FrameNormalizer.Fit: no frames to fit; give at least one non-empty [frames, Bins] tensor", nameof(frames));
            using var scope2 = Torch.NewScope();
            Tensor offset, scale;
            if (mode == NormalizerMode.MinMax)
            {
                offset = min!;
                scale = max!.Sub(min!);
            }
            else
            {
                offset = sum.Div(count);
                scale = sumSq!.Div(count).Sub(offset.Square()).ClampMin(0.0).Sqrt();
            }
            var o = offset.To(DType.Float32).MoveToOuterScope();
            var sc = scale.ClampMin(1e-8).To(DType.Float32).MoveToOuterScope();
            return new FrameNormalizer(mode, perBin, o, sc);
        }
        finally
        {
            sum?.Dispose(); sumSq?.Dispose(); min?.Dispose(); max?.Dispose();
        }
    }

    /// <summary>Fits over one tensor [frames, Bins].</summary>
    public static FrameNormalizer Fit(Tensor frames, NormalizerMode mode = NormalizerMode.MinMax, bool perBin = false) =>
        Fit([frames], mode, perBin);

    private static void Accumulate(ref Tensor? acc, Tensor value, Func<Tensor, Tensor, Tensor> op)
    {
        if (acc is null) { acc = value.Clone().DetachFromScope(); return; }
        var next = op(acc, value).DetachFromScope();
        acc.Dispose();
        acc = next;
    }

    /// <summary>Normalizes: (x − Offset) / Scale.</summary>
    public Tensor Apply(Tensor frames)
    {
        Check(frames, "Apply");
        using var d = frames.Sub(Offset);
        return d.Div(Scale);
    }

    /// <summary>Inverse of <see cref="Apply"/>: y · Scale + Offset.</summary>
    public Tensor Invert(Tensor normalized)
    {
        Check(normalized, "Invert");
        using var m = normalized.Mul(Scale);
        return m.Add(Offset);
    }

    private void Check(Tensor t, string what)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (PerBin && (t.Dim < 1 || t.Shape[^1] != Offset.Shape[0]))
            throw new ArgumentException($"FrameNormalizer.{what}: expected [.., {Offset.Shape[0]}] frames, got [{string.Join(", ", t.Shape)}]", nameof(t));
    }

    /// <summary>Saves as safetensors ("offset", "scale"; mode and per_bin in the metadata), atomically.</summary>
    public void Save(string path)
    {
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["offset"] = Offset, ["scale"] = Scale },
            new Dictionary<string, string>
            {
                ["kind"] = Kind,
                ["mode"] = Mode.ToString(),
                ["per_bin"] = PerBin ? "true" : "false",
            });
    }

    /// <summary>Loads a normalizer written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a frame normalizer.</exception>
    public static FrameNormalizer Load(string path)
    {
        var file = SafeTensors.Read(path);
        try
        {
            if (!file.Metadata.TryGetValue("kind", out var k) || k != Kind
                || !file.Tensors.TryGetValue("offset", out var o) || !file.Tensors.TryGetValue("scale", out var s)
                || !file.Metadata.TryGetValue("mode", out var m) || !Enum.TryParse<NormalizerMode>(m, out var mode))
                throw new InvalidDataException($"{path}: not a LatentSynth frame normalizer (needs kind={Kind}, mode, offset, scale)");
            bool perBin = file.Metadata.TryGetValue("per_bin", out var pb) && pb == "true";
            file.Tensors.Remove("offset");
            file.Tensors.Remove("scale");
            return new FrameNormalizer(mode, perBin, o, s);
        }
        finally
        {
            file.Dispose();
        }
    }

    /// <summary>A short description, e.g. "MinMax global".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Mode} {(PerBin ? "per-bin" : "global")}");

    /// <inheritdoc/>
    public void Dispose()
    {
        Offset.Dispose();
        Scale.Dispose();
    }
}
