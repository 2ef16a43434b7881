namespace LatentSynth.Torch.NN;

/// <summary>
/// <c>nn.Embedding</c>: a lookup table of <see cref="NumEmbeddings"/> vectors of
/// <see cref="EmbeddingDim"/> features; token indices (int64, any shape) in, their vectors out (the
/// input's shape plus the dimension). <c>weight</c> (num_embeddings, embedding_dim) is named as in
/// PyTorch's state_dict and initialised as PyTorch does: N(0, 1), then the row
/// <see cref="PaddingIdx"/> (when set) zeroed. That row receives no gradient, so it stays as it is
/// during training (a padding token's vector). max_norm renormalisation and sparse gradients are
/// not bound.
/// </summary>
public sealed class Embedding : Module<Tensor, Tensor>
{
    /// <summary>Creates the table; <paramref name="generator"/> (optional) drives the initialisation.</summary>
    /// <param name="numEmbeddings">Rows: the vocabulary size.</param>
    /// <param name="embeddingDim">Features per row.</param>
    /// <param name="paddingIdx">The padding token's row (negative counts from the end), or null.</param>
    /// <param name="scaleGradByFreq">Divide each row's gradient by its frequency in the batch.</param>
    /// <param name="dtype">The weight's dtype.</param>
    /// <param name="generator">Draws the initial weights; the default generator when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or paddingIdx is out of range.</exception>
    public Embedding(long numEmbeddings, long embeddingDim, long? paddingIdx = null, bool scaleGradByFreq = false,
        DType dtype = DType.Float32, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numEmbeddings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embeddingDim);
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        PaddingIdx = F.NormalizePaddingIdx(paddingIdx, numEmbeddings, nameof(paddingIdx));
        ScaleGradByFreq = scaleGradByFreq;
        Weight = RegisterParameter("weight", new Parameter(Torch.Empty([numEmbeddings, embeddingDim], dtype)));
        ResetParameters(generator);
    }

    /// <summary>Rows of the table (the vocabulary size).</summary>
    public long NumEmbeddings { get; }

    /// <summary>Features per row.</summary>
    public long EmbeddingDim { get; }

    /// <summary>The padding row, made non-negative, or null.</summary>
    public long? PaddingIdx { get; }

    /// <summary>Whether gradients are divided by each index's frequency in the batch.</summary>
    public bool ScaleGradByFreq { get; }

    /// <summary>The table (num_embeddings, embedding_dim).</summary>
    public Parameter Weight { get; }

    /// <summary>Re-draws the weight from N(0, 1) and zeroes the padding row (<c>reset_parameters</c>).</summary>
    public void ResetParameters(Generator? generator = null)
    {
        Init.Normal_(Weight, 0, 1, generator);
        if (PaddingIdx is long p)
            using (Torch.NoGrad()) Weight.Fill_(0.0, p);
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.Embedding(input, Weight, PaddingIdx, ScaleGradByFreq);

    /// <inheritdoc />
    protected override string ExtraRepr() =>
        $"{Repr.Int(NumEmbeddings)}, {Repr.Int(EmbeddingDim)}" +
        (PaddingIdx is long p ? $", padding_idx={Repr.Int(p)}" : "") +
        (ScaleGradByFreq ? ", scale_grad_by_freq=True" : "");
}
