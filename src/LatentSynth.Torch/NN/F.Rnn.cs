namespace LatentSynth.Torch.NN;

/// <summary><c>torch.nn.functional</c> and <c>torch._VF</c>: recurrent kernels and the embedding lookup.</summary>
public static partial class F
{
    /// <summary>
    /// The fused multi-layer LSTM kernel (<c>torch._VF.lstm</c>, what <c>nn.LSTM</c> runs; see
    /// <see cref="LSTM"/> for the layer with checked shapes). <paramref name="input"/> is (L, N, H_in),
    /// or (N, L, H_in) with <paramref name="batchFirst"/>; <paramref name="h0"/> and <paramref name="c0"/>
    /// are (numLayers·D, N, H) with D = 2 when <paramref name="bidirectional"/>, else 1.
    /// <paramref name="parameters"/> is the flat list in PyTorch's order: for each layer, for each
    /// direction, w_ih (4H, in), w_hh (4H, H) and, with <paramref name="hasBiases"/>, b_ih and b_hh (4H).
    /// Dropout <paramref name="dropout"/> is applied to the outputs of every layer but the last when
    /// <paramref name="training"/>, drawing from the default generator. Returns the last layer's
    /// output (L, N, D·H) (batch first when asked) and the final states h_n, c_n (numLayers·D, N, H).
    /// </summary>
    /// <exception cref="ArgumentException">The parameter count does not fit the layer layout.</exception>
    /// <exception cref="TorchException">libtorch rejected the shapes.</exception>
    public static unsafe (Tensor Output, Tensor H, Tensor C) Lstm(Tensor input, Tensor h0, Tensor c0, IReadOnlyList<Tensor> parameters,
        bool hasBiases, int numLayers, double dropout, bool training, bool bidirectional, bool batchFirst)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(h0);
        ArgumentNullException.ThrowIfNull(c0);
        CheckRnnParameters("lstm", parameters, hasBiases, numLayers, bidirectional, dropout);
        var raw = NativeMethods.WithHandles(parameters, p =>
        {
            var outs = new IntPtr[3];
            fixed (IntPtr* pp = p)
            fixed (IntPtr* po = outs)
                NativeMethods.Check(NativeMethods.lst_nn_lstm(input.Handle, h0.Handle, c0.Handle, pp, p.Length, hasBiases ? 1 : 0,
                    numLayers, dropout, training ? 1 : 0, bidirectional ? 1 : 0, batchFirst ? 1 : 0, po), "lstm");
            return outs;
        });
        var t = NativeMethods.WrapRaw(raw);
        return (t[0]!, t[1]!, t[2]!);
    }

    /// <summary>
    /// The fused multi-layer GRU kernel (<c>torch._VF.gru</c>, what <c>nn.GRU</c> runs; see
    /// <see cref="GRU"/>). As <see cref="Lstm"/> with one state <paramref name="h0"/> and gates of
    /// 3H rows (reset, update, new). Returns the output and h_n.
    /// </summary>
    /// <exception cref="ArgumentException">The parameter count does not fit the layer layout.</exception>
    /// <exception cref="TorchException">libtorch rejected the shapes.</exception>
    public static unsafe (Tensor Output, Tensor H) Gru(Tensor input, Tensor h0, IReadOnlyList<Tensor> parameters,
        bool hasBiases, int numLayers, double dropout, bool training, bool bidirectional, bool batchFirst)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(h0);
        CheckRnnParameters("gru", parameters, hasBiases, numLayers, bidirectional, dropout);
        var raw = NativeMethods.WithHandles(parameters, p =>
        {
            var outs = new IntPtr[2];
            fixed (IntPtr* pp = p)
            fixed (IntPtr* po = outs)
                NativeMethods.Check(NativeMethods.lst_nn_gru(input.Handle, h0.Handle, pp, p.Length, hasBiases ? 1 : 0,
                    numLayers, dropout, training ? 1 : 0, bidirectional ? 1 : 0, batchFirst ? 1 : 0, po), "gru");
            return outs;
        });
        var t = NativeMethods.WrapRaw(raw);
        return (t[0]!, t[1]!);
    }

    private static void CheckRnnParameters(string op, IReadOnlyList<Tensor> parameters, bool hasBiases, int numLayers, bool bidirectional, double dropout)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (numLayers < 1) throw new ArgumentOutOfRangeException(nameof(numLayers), numLayers, $"{op}: numLayers must be at least 1");
        if (!(dropout >= 0 && dropout <= 1))
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"{op}: dropout must be a probability in [0, 1]");
        int expected = numLayers * (bidirectional ? 2 : 1) * (hasBiases ? 4 : 2);
        if (parameters.Count != expected)
            throw new ArgumentException(
                $"{op}: {numLayers} layer(s){(bidirectional ? ", bidirectional" : "")}{(hasBiases ? ", with biases" : ", without biases")} " +
                $"take {expected} parameter tensors, got {parameters.Count}", nameof(parameters));
        for (int i = 0; i < parameters.Count; i++)
            if (parameters[i] is null) throw new ArgumentException($"{op}: parameter {i} is null", nameof(parameters));
    }

    /// <summary>
    /// One LSTM step (<c>torch._VF.lstm_cell</c>, what <c>nn.LSTMCell</c> runs): input (N, in),
    /// states <paramref name="h"/> and <paramref name="c"/> (N, H), weights (4H, in) and (4H, H),
    /// optional biases (4H). Gates i, f, g, o in that row order. Returns the next (h, c).
    /// </summary>
    /// <exception cref="TorchException">Inconsistent sizes (libtorch names the argument).</exception>
    public static unsafe (Tensor H, Tensor C) LstmCell(Tensor input, Tensor h, Tensor c, Tensor weightIh, Tensor weightHh,
        Tensor? biasIh = null, Tensor? biasHh = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(h);
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(weightIh);
        ArgumentNullException.ThrowIfNull(weightHh);
        var outs = new IntPtr[2];
        fixed (IntPtr* po = outs)
            NativeMethods.Check(NativeMethods.lst_nn_lstm_cell(input.Handle, h.Handle, c.Handle, weightIh.Handle, weightHh.Handle,
                NativeMethods.OptionalTensor(biasIh), NativeMethods.OptionalTensor(biasHh), po), "lstm_cell");
        var t = NativeMethods.WrapRaw(outs);
        return (t[0]!, t[1]!);
    }

    /// <summary>
    /// One GRU step (<c>torch._VF.gru_cell</c>, what <c>nn.GRUCell</c> runs): input (N, in), state
    /// <paramref name="h"/> (N, H), weights (3H, in) and (3H, H), optional biases (3H). Returns the next h.
    /// </summary>
    /// <exception cref="TorchException">Inconsistent sizes (libtorch names the argument).</exception>
    public static Tensor GruCell(Tensor input, Tensor h, Tensor weightIh, Tensor weightHh, Tensor? biasIh = null, Tensor? biasHh = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(h);
        ArgumentNullException.ThrowIfNull(weightIh);
        ArgumentNullException.ThrowIfNull(weightHh);
        return NativeMethods.Wrap(NativeMethods.lst_nn_gru_cell(input.Handle, h.Handle, weightIh.Handle, weightHh.Handle,
            NativeMethods.OptionalTensor(biasIh), NativeMethods.OptionalTensor(biasHh)), "gru_cell");
    }

    /// <summary>
    /// <c>F.embedding</c>: the rows of <paramref name="weight"/> (num_embeddings, dim) picked by the
    /// integer <paramref name="input"/> (any shape, int64 or int32); the result has the input's shape
    /// plus dim. Row <paramref name="paddingIdx"/> (negative counts from the end) receives no gradient.
    /// <paramref name="scaleGradByFreq"/> divides each row's gradient by its count in the batch.
    /// </summary>
    /// <exception cref="ArgumentException">weight is not 2-D, the input is not integral, or paddingIdx is out of range.</exception>
    /// <exception cref="TorchException">An index is out of range.</exception>
    public static Tensor Embedding(Tensor input, Tensor weight, long? paddingIdx = null, bool scaleGradByFreq = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        var shape = weight.Shape;
        if (shape.Length != 2)
            throw new ArgumentException($"embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape {ShapeText(shape)}", nameof(weight));
        var dt = input.DType;
        if (dt is not (DType.Int64 or DType.Int32))
            throw new ArgumentException($"embedding: the indices must be int64 or int32, got {dt.TorchName()}; convert them with To(DType.Int64)", nameof(input));
        long pad = NormalizePaddingIdx(paddingIdx, shape[0], nameof(paddingIdx)) ?? -1;
        return NativeMethods.Wrap(NativeMethods.lst_nn_embedding(weight.Handle, input.Handle, pad, scaleGradByFreq ? 1 : 0), "embedding");
    }

    /// <summary>paddingIdx made non-negative (−1 counts from the end), checked against the table size.</summary>
    internal static long? NormalizePaddingIdx(long? paddingIdx, long numEmbeddings, string paramName)
    {
        if (paddingIdx is not long p) return null;
        if (p >= numEmbeddings || p < -numEmbeddings)
            throw new ArgumentOutOfRangeException(paramName, p, $"padding_idx must be within num_embeddings ({numEmbeddings}): in [{-numEmbeddings}, {numEmbeddings - 1}]");
        return p < 0 ? numEmbeddings + p : p;
    }
}
