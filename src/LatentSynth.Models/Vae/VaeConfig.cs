using LatentSynth.Models.Priors;

namespace LatentSynth.Models.Vae;

/// <summary>
/// Settings of the VAE. The prior must have a log-density finite on all of ℝᵈ ("normal", "mog"):
/// "normal" gets the analytic KL, others a single-sample Monte-Carlo estimate; "uniform" and
/// "sphere" are refused (the KL of a Gaussian posterior from them is infinite or undefined).
/// </summary>
public record VaeConfig : ModelConfig
{
    /// <inheritdoc />
    public override IEnumerable<string> Validate()
    {
        foreach (var p in base.Validate()) yield return p;
        if (PriorRegistry.TryGet(Prior, out var prior) && !prior.DensityEverywhere)
            yield return $"prior '{Prior}' cannot serve a VAE: it has no log-density finite on all of R^d, so the KL divergence of a "
                + "Gaussian posterior from it is infinite or undefined; use a prior with a density everywhere (for example 'normal' or 'mog'), "
                + "or a WAE (ae, wae-mmd, wae-gan), which needs only samples";
    }
}
