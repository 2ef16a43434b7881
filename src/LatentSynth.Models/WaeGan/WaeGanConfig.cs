namespace LatentSynth.Models.WaeGan;

/// <summary>Settings of WAE-GAN (Tolstikhin et al. 2018, Alg. 1).</summary>
public sealed record WaeGanConfig : ModelConfig
{
    /// <summary>Weight λ of the adversarial penalty (≥ 0). JSON key <c>lambda</c>.</summary>
    public double Lambda { get; init; } = 1.0;

    /// <summary>Hidden widths of the latent discriminator's MLP (ReLU); default four layers of 512 as in the paper's MNIST experiments.</summary>
    public int[] DiscHidden { get; init; } = [512, 512, 512, 512];

    /// <summary>The discriminator's learning rate as a multiple of the model's (&gt; 0).</summary>
    public double DiscLrFactor { get; init; } = 0.5;

    /// <summary>Epochs over which λ rises linearly from 0 (0: λ from the start).</summary>
    public double WarmupEpochs { get; init; }

    /// <inheritdoc />
    public override IEnumerable<string> Validate()
    {
        foreach (var p in base.Validate()) yield return p;
        if (!(Lambda >= 0) || double.IsInfinity(Lambda)) yield return $"lambda must be finite and ≥ 0, got {Lambda}";
        if (DiscHidden is null || DiscHidden.Any(h => h < 1)) yield return $"disc_hidden sizes must be positive, got {Format(DiscHidden)}";
        if (!(DiscLrFactor > 0) || double.IsInfinity(DiscLrFactor)) yield return $"disc_lr_factor must be finite and > 0, got {DiscLrFactor}";
        if (!(WarmupEpochs >= 0) || double.IsInfinity(WarmupEpochs)) yield return $"warmup_epochs must be finite and ≥ 0, got {WarmupEpochs}";
    }
}
