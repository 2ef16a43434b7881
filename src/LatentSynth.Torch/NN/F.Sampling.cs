namespace LatentSynth.Torch.NN;

/// <summary><c>torch.nn.functional</c>: tempered softmax and sampling from categorical logits, for autoregressive decoders.</summary>
public static partial class F
{
    /// <summary>
    /// softmax(<paramref name="logits"/> / <paramref name="temperature"/>) along <paramref name="dim"/>:
    /// a temperature below 1 sharpens the distribution towards its mode, above 1 flattens it
    /// (Hinton et al. 2015, "Distilling the Knowledge in a Neural Network", eq. 1; MusicVAE samples
    /// with it). Computed as PyTorch's <c>torch.softmax(logits / T, dim)</c>, the division first.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">temperature is not a positive finite number (use argmax for greedy decoding).</exception>
    public static Tensor SoftmaxWithTemperature(Tensor logits, double temperature, int dim = -1)
    {
        ArgumentNullException.ThrowIfNull(logits);
        CheckTemperature(temperature);
        if (temperature == 1) return logits.Softmax(dim);
        using var scaled = logits / temperature;
        return scaled.Softmax(dim);
    }

    /// <summary>
    /// Draws one class per row of <paramref name="logits"/> (…, C) from
    /// softmax(logits / <paramref name="temperature"/>) over the last dimension, with
    /// <paramref name="generator"/> (the default generator when null). Returns int64 indices of
    /// shape (…). The same draws as PyTorch's
    /// <c>torch.multinomial(torch.softmax(logits / T, -1).reshape(-1, C), 1, True, generator=g).reshape(logits.shape[:-1])</c>,
    /// which is how <c>torch.distributions.Categorical(logits=logits / T).sample()</c> draws. Not
    /// differentiable (no gradient is recorded).
    /// </summary>
    /// <exception cref="ArgumentException">logits is 0-D or not floating point.</exception>
    /// <exception cref="ArgumentOutOfRangeException">temperature is not a positive finite number.</exception>
    public static Tensor SampleCategorical(Tensor logits, double temperature = 1.0, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(logits);
        CheckTemperature(temperature);
        var shape = logits.Shape;
        if (shape.Length == 0)
            throw new ArgumentException("sample_categorical: logits must have a class dimension (…, C), got a 0-D tensor", nameof(logits));
        if (logits.DType is not (DType.Float32 or DType.Float64))
            throw new ArgumentException($"sample_categorical: logits must be float32 or float64, got {logits.DType.TorchName()}", nameof(logits));
        using var noGrad = Torch.NoGrad();
        using var probs = SoftmaxWithTemperature(logits, temperature, -1);
        using var rows = probs.Reshape(-1, shape[^1]);
        using var draws = Torch.Multinomial(rows, 1, replacement: true, generator: generator);
        return draws.Reshape(shape[..^1]);
    }

    private static void CheckTemperature(double temperature)
    {
        if (!(temperature > 0 && double.IsFinite(temperature)))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature,
                "temperature must be a positive finite number (for greedy decoding take Argmax(-1) instead)");
    }
}
