using LatentSynth.Models.Vae;

namespace LatentSynth.Models.BetaVae;

/// <summary>Settings of the β-VAE: a VAE whose KL term is weighted by <see cref="Beta"/>, reached after a linear warm-up.</summary>
public sealed record BetaVaeConfig : VaeConfig
{
    /// <summary>Weight β of the KL term (≥ 0); 1 is the plain VAE.</summary>
    public double Beta { get; init; } = 4.0;

    /// <summary>Epochs over which the weight rises linearly from 0 to β (0: β from the start; fractions allowed).</summary>
    public double WarmupEpochs { get; init; }

    /// <inheritdoc />
    public override IEnumerable<string> Validate()
    {
        foreach (var p in base.Validate()) yield return p;
        if (!(Beta >= 0) || double.IsInfinity(Beta)) yield return $"beta must be finite and ≥ 0, got {Beta}";
        if (!(WarmupEpochs >= 0) || double.IsInfinity(WarmupEpochs)) yield return $"warmup_epochs must be finite and ≥ 0, got {WarmupEpochs}";
    }
}
