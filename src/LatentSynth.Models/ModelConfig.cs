using System.Text.Json.Serialization;

namespace LatentSynth.Models;

/// <summary>
/// Settings shared by every model; each model's config record derives from it and adds its own
/// (β, λ, kernel …). Saved as JSON with the registry name in <see cref="Model"/>, so a run folder
/// rebuilds its model. Property names are the keys of <c>--set key=value</c>.
/// </summary>
public abstract record ModelConfig
{
    /// <summary>Registry name of the model (for example <c>vae</c>); set by the registry.</summary>
    [JsonPropertyOrder(-10)]
    public string Model { get; init; } = "";

    /// <summary>Shape of one example (for example [1, 28, 28]); set from the data.</summary>
    public long[] InputShape { get; init; } = [1, 28, 28];

    /// <summary>Latent dimensions.</summary>
    public int LatentDim { get; init; } = 20;

    /// <summary>Network family: "mlp" or "conv".</summary>
    public string Arch { get; init; } = "mlp";

    /// <summary>Hidden widths of the MLP (encoder; the decoder mirrors them), or channels of the conv net.</summary>
    public int[] Hidden { get; init; } = [400];

    /// <summary>Prior over the latent space: "normal", … (see the priors' registry).</summary>
    public string Prior { get; init; } = "normal";

    /// <summary>Reconstruction objective: "bce", "mse" or "l1".</summary>
    public string Recon { get; init; } = "bce";

    /// <summary>
    /// Checks every value and returns one message per problem, each naming its key (empty when
    /// valid). Derived records add their own checks and call the base.
    /// </summary>
    public virtual IEnumerable<string> Validate()
    {
        if (LatentDim < 1) yield return $"latent_dim must be at least 1, got {LatentDim}";
        if (InputShape.Length == 0 || InputShape.Any(s => s < 1)) yield return $"input_shape must be positive, got [{string.Join(", ", InputShape)}]";
        if (Hidden.Any(h => h < 1)) yield return $"hidden sizes must be positive, got [{string.Join(", ", Hidden)}]";
        if (Arch is not ("mlp" or "conv")) yield return $"arch must be 'mlp' or 'conv', got '{Arch}'";
        if (Recon is not ("bce" or "mse" or "l1")) yield return $"recon must be 'bce', 'mse' or 'l1', got '{Recon}'";
    }
}
