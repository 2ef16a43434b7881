using LatentSynth.Torch;
using LatentSynth.Torch.NN;

namespace LatentSynth.Models.Networks;

/// <summary>
/// "mlp": fully connected networks with ReLU for any input shape.
/// Encoder: Flatten → [Linear(D, h₁) → ReLU → … → Linear(hₖ₋₁, hₖ) → ReLU] → Linear(hₖ, outputs),
/// with D the number of input values and h = <see cref="ModelConfig.Hidden"/>.
/// Decoder (mirrored): Linear(LatentDim, hₖ) → ReLU → … → Linear(h₂, h₁) → ReLU → Linear(h₁, D) →
/// Unflatten to the input shape. Empty hidden widths give single linear maps.
/// Children are PyTorch Sequentials (state-dict keys <c>encoder.1.weight</c> …), initialised as PyTorch does.
/// </summary>
public sealed class MlpNetworkFactory : INetworkFactory
{
    /// <inheritdoc />
    public string Name => "mlp";

    /// <inheritdoc />
    public string Description => "fully connected ReLU networks with widths from 'hidden' (decoder mirrored); any input shape";

    /// <inheritdoc />
    public IEnumerable<string> Validate(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        // Encoder to at most 2 × latent_dim outputs (mean and log-variance), decoder back to the input.
        double weights = StackWeights(config.InputSize, config.Hidden, 2.0 * config.LatentDim)
                         + StackWeights(config.LatentDim, config.Hidden.Reverse(), config.InputSize);
        return NetworkRegistry.WeightsProblem(Name, weights) is { } problem ? [problem] : [];
    }

    /// <summary>Weights and biases of <see cref="Stack"/>'s layers, counted in double (no overflow).</summary>
    internal static double StackWeights(double inputs, IEnumerable<int> widths, double outputs)
    {
        double total = 0, width = inputs;
        foreach (var h in widths)
        {
            total += (width + 1) * h;
            width = h;
        }
        return total + (width + 1) * outputs;
    }

    /// <inheritdoc />
    public Module<Tensor, Tensor> CreateEncoder(ModelConfig config, long outputs)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        var net = new Sequential(new Flatten(1));
        Stack(net, config.InputSize, config.Hidden, outputs);
        return net;
    }

    /// <inheritdoc />
    public Module<Tensor, Tensor> CreateDecoder(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var net = new Sequential();
        Stack(net, config.LatentDim, config.Hidden.Reverse(), config.InputSize);
        net.Append(new Unflatten(1, config.InputShape));
        return net;
    }

    /// <summary>Appends Linear → ReLU for each width, then a final Linear to <paramref name="outputs"/>.</summary>
    internal static void Stack(Sequential net, long inputs, IEnumerable<int> widths, long outputs)
    {
        long width = inputs;
        foreach (var h in widths)
        {
            net.Append(new Linear(width, h));
            net.Append(new ReLU());
            width = h;
        }
        net.Append(new Linear(width, outputs));
    }
}
