namespace LatentSynth.Models.Ae;

/// <summary>Settings of the deterministic autoencoder: only the shared ones of <see cref="ModelConfig"/>
/// (the prior is used for <see cref="AutoencoderModel.SamplePrior"/> only; nothing pulls the codes towards it).</summary>
public sealed record AeConfig : ModelConfig
{
    /// <inheritdoc />
    public override IEnumerable<string> Validate() => base.Validate();
}
