using LatentSynth.Torch;

namespace LatentSynth.Audio.Spectral;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// STFT in the frames-first layout used everywhere in LatentSynth.Audio: one row per frame
/// ([frames, bins] for a signal [T], [B, frames, bins] for [B, T]), bins = NFft / 2 + 1. The
/// transform is libtorch's (torch.stft / torch.istft, reflect padding when centred).
/// </summary>
public static class Stft
{
    /// <summary>Complex STFT of a float32 signal [T] or [B, T] → complex64 [frames, bins] or [B, frames, bins].</summary>
    /// <exception cref="ArgumentException">The configuration is invalid or the signal is too short.</exception>
    public static Tensor Complex(Tensor signal, StftConfig config)
    {
        ArgumentNullException.ThrowIfNull(signal);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        using var window = config.CreateWindow();
        using var spec = Torch.Stft(signal, config.NFft, config.HopLength, null, window, config.Center);
        return spec.Transpose(-1, -2);
    }

    /// <summary>Magnitude |STFT| (power = 1) or power |STFT|² (power = 2) [frames, bins], float32.</summary>
    /// <exception cref="ArgumentException">The configuration is invalid, the signal too short, or power not positive.</exception>
    public static Tensor Magnitude(Tensor signal, StftConfig config, double power = 1.0)
    {
        if (!(power > 0)) throw new ArgumentException($"Stft.Magnitude: power must be positive (1 magnitude, 2 power), got {power}", nameof(power));
        using var spec = Complex(signal, config);
        var mag = spec.Abs();
        if (power == 1.0) return mag;
        using (mag) return mag.Pow(power);
    }

    /// <summary>Inverse STFT of complex frames [frames, bins] or [B, frames, bins] → signal; <paramref name="length"/> trims or pads.</summary>
    /// <exception cref="ArgumentException">The configuration is invalid or the input is not complex.</exception>
    public static Tensor Istft(Tensor complexFrames, StftConfig config, long? length = null)
    {
        ArgumentNullException.ThrowIfNull(complexFrames);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (complexFrames.Dim < 2 || complexFrames.Shape[^1] != config.Bins)
            throw new ArgumentException(
                $"Stft.Istft: expected complex frames [.., frames, {config.Bins}] for NFft {config.NFft}, got [{string.Join(", ", complexFrames.Shape)}]",
                nameof(complexFrames));
        using var window = config.CreateWindow();
        using var t = complexFrames.Transpose(-1, -2);
        return Torch.Istft(t, config.NFft, config.HopLength, null, window, config.Center, length: length);
    }
}
