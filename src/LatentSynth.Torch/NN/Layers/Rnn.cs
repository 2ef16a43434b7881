namespace LatentSynth.Torch.NN;

/// <summary>
/// Shared part of <see cref="LSTM"/> and <see cref="GRU"/> (<c>nn.RNNBase</c>): the parameters of
/// every layer and direction, named and ordered as in PyTorch's state_dict —
/// <c>weight_ih_l{k}</c> (G·H, in_k), <c>weight_hh_l{k}</c> (G·H, H), <c>bias_ih_l{k}</c>,
/// <c>bias_hh_l{k}</c> (G·H), then the same with the suffix <c>_reverse</c> for the backward
/// direction, layer after layer (G = 4 gates for the LSTM, 3 for the GRU; in_0 = input size,
/// in_k = D·H above) — and initialised as PyTorch does: every parameter, in that order, uniform in
/// ±1/√H. A state dict saved here therefore loads in PyTorch and back.
/// </summary>
/// <remarks>
/// <para>The forward pass runs libtorch's fused kernel (<see cref="F.Lstm"/>, <see cref="F.Gru"/>),
/// the one <c>nn.LSTM</c> calls, so results and gradients match PyTorch's to rounding.</para>
/// <para><b>Variable lengths.</b> This binding uses masks, not packed sequences: pad the batch to
/// one length, run the layer, and mask what lies past each sequence's end —
/// <see cref="Torch.SequenceMask"/> for the positions, <see cref="F.CrossEntropy"/> with
/// <c>ignoreIndex</c> for the targets. Why: the symbolic models here (MusicVAE and those built on
/// it) train on fixed-length windows of 2 or 16 bars, where padding never occurs and masks cost
/// nothing; masks keep every batch one dense tensor through the same fused kernel, with no sorting,
/// no per-step batch sizes and no second code path to test. The price, for batches that really
/// are ragged: a unidirectional layer's outputs before each end are exact (padding only comes
/// after them), but its final state h_n is taken after the padding, and a bidirectional layer's
/// backward direction starts in the padding. Read the state at each sequence's last position from
/// the output instead, or use equal lengths, when that matters.</para>
/// </remarks>
public abstract class RNNBase : Module
{
    private readonly List<Parameter> flatWeights = [];

    private protected RNNBase(string mode, int gates, long inputSize, long hiddenSize, int numLayers, bool bias, bool batchFirst,
        double dropout, bool bidirectional, DType dtype, Generator? generator)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenSize);
        if (numLayers < 1) throw new ArgumentOutOfRangeException(nameof(numLayers), numLayers, $"{mode}: numLayers must be at least 1");
        if (!(dropout >= 0 && dropout <= 1))
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout,
                $"{mode}: dropout should be a number in range [0, 1] representing the probability of an element being zeroed");
        Mode = mode;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        NumLayers = numLayers;
        HasBias = bias;
        BatchFirst = batchFirst;
        Dropout = dropout;
        Bidirectional = bidirectional;
        int directions = bidirectional ? 2 : 1;
        long gateSize = gates * hiddenSize;
        for (int layer = 0; layer < numLayers; layer++)
        {
            long layerInput = layer == 0 ? inputSize : hiddenSize * directions;
            for (int direction = 0; direction < directions; direction++)
            {
                string suffix = $"_l{layer}" + (direction == 1 ? "_reverse" : "");
                flatWeights.Add(RegisterParameter("weight_ih" + suffix, new Parameter(Torch.Empty([gateSize, layerInput], dtype))));
                flatWeights.Add(RegisterParameter("weight_hh" + suffix, new Parameter(Torch.Empty([gateSize, hiddenSize], dtype))));
                if (!bias) continue;
                flatWeights.Add(RegisterParameter("bias_ih" + suffix, new Parameter(Torch.Empty([gateSize], dtype))));
                flatWeights.Add(RegisterParameter("bias_hh" + suffix, new Parameter(Torch.Empty([gateSize], dtype))));
            }
        }
        ResetParameters(generator);
    }

    /// <summary>The layer's name in messages and printouts ("LSTM" or "GRU").</summary>
    public string Mode { get; }

    /// <summary>Features of each input step (H_in).</summary>
    public long InputSize { get; }

    /// <summary>Features of the hidden state (H).</summary>
    public long HiddenSize { get; }

    /// <summary>Stacked recurrent layers.</summary>
    public int NumLayers { get; }

    /// <summary>Whether the layers have the biases b_ih and b_hh.</summary>
    public bool HasBias { get; }

    /// <summary>Whether inputs and outputs are (N, L, features) instead of (L, N, features); states are (layers·D, N, H) either way.</summary>
    public bool BatchFirst { get; }

    /// <summary>Dropout probability on the outputs of every layer but the last, in training mode.</summary>
    public double Dropout { get; }

    /// <summary>Whether every layer also runs backwards in time (D = 2), its outputs concatenated to the forward ones.</summary>
    public bool Bidirectional { get; }

    /// <summary>Directions D: 2 when bidirectional, else 1.</summary>
    public int NumDirections => Bidirectional ? 2 : 1;

    /// <summary>The parameters in the kernel's order (PyTorch's <c>_flat_weights</c>); the module's own tensors.</summary>
    public IReadOnlyList<Parameter> FlatWeights => flatWeights;

    /// <summary>
    /// Re-draws every parameter from U(−1/√H, 1/√H) in registration order (<c>reset_parameters</c>);
    /// from <paramref name="generator"/> when given, else from the default generator.
    /// </summary>
    public void ResetParameters(Generator? generator = null)
    {
        double stdv = 1.0 / Math.Sqrt(HiddenSize);
        foreach (var p in flatWeights) Init.Uniform_(p, -stdv, stdv, generator);
    }

    /// <summary>
    /// Checks the input and the given states and brings an unbatched input (L, H_in) to a batch of
    /// one. Returns the batched input, the batch size and whether it was unbatched.
    /// </summary>
    private protected (Tensor Input, long Batch, bool Unbatched) PrepareInput(Tensor input, params (string Name, Tensor? State)[] states)
    {
        ArgumentNullException.ThrowIfNull(input);
        var shape = input.Shape;
        if (shape.Length is not (2 or 3))
            throw new ArgumentException(
                $"{Mode}: expected the input to be 2-D (L, H_in) or 3-D ({(BatchFirst ? "N, L" : "L, N")}, H_in), got shape {F.ShapeText(shape)}", nameof(input));
        if (shape[^1] != InputSize)
            throw new ArgumentException($"{Mode}: input.size(-1) must be equal to input_size. Expected {InputSize}, got {shape[^1]}", nameof(input));
        var dtype = flatWeights[0].DType;
        if (input.DType != dtype)
            throw new ArgumentException($"{Mode}: the input is {input.DType.TorchName()} but the parameters are {dtype.TorchName()}; convert one of them", nameof(input));
        bool unbatched = shape.Length == 2;
        long batch = unbatched ? 1 : shape[BatchFirst ? 0 : 1];
        long[] expected = unbatched ? [NumLayers * NumDirections, HiddenSize] : [NumLayers * NumDirections, batch, HiddenSize];
        foreach (var (name, state) in states)
        {
            if (state is null) continue;
            var s = state.Shape;
            if (!s.AsSpan().SequenceEqual(expected))
                throw new ArgumentException(
                    $"{Mode}: expected {name} of shape {F.ShapeText(expected)} (layers·directions, {(unbatched ? "" : "batch, ")}hidden), got {F.ShapeText(s)}", name);
            if (state.DType != dtype)
                throw new ArgumentException($"{Mode}: {name} is {state.DType.TorchName()} but the parameters are {dtype.TorchName()}", name);
        }
        return (unbatched ? input.Unsqueeze(BatchFirst ? 0 : 1) : input, batch, unbatched);
    }

    /// <summary>A state given for an unbatched input made batched, or a zero state (layers·D, N, H) when none is given.</summary>
    private protected Tensor StateOrZeros(Tensor? state, long batch, bool unbatched) =>
        state is null ? Torch.Zeros([NumLayers * NumDirections, batch, HiddenSize], flatWeights[0].DType)
        : unbatched ? state.Unsqueeze(1) : state;

    /// <inheritdoc />
    protected override string ExtraRepr()
    {
        var s = $"{Repr.Int(InputSize)}, {Repr.Int(HiddenSize)}";
        if (NumLayers != 1) s += $", num_layers={Repr.Int(NumLayers)}";
        if (!HasBias) s += ", bias=False";
        if (BatchFirst) s += ", batch_first=True";
        if (Dropout != 0) s += $", dropout={Repr.Float(Dropout)}";
        if (Bidirectional) s += ", bidirectional=True";
        return s;
    }
}

/// <summary>
/// <c>nn.LSTM</c>: a multi-layer long short-term memory over a sequence, on libtorch's fused
/// kernel. Per step and layer: i, f, g, o = σ, σ, tanh, σ of (W_ih x + b_ih + W_hh h + b_hh) split
/// in four; c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c'). Parameters and initialisation as in
/// <see cref="RNNBase"/>.
/// </summary>
public sealed class LSTM : RNNBase
{
    /// <summary>Creates the layer with PyTorch's defaults; <paramref name="generator"/> (optional) drives the initialisation.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, numLayers &lt; 1 or dropout outside [0, 1].</exception>
    public LSTM(long inputSize, long hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false, double dropout = 0,
        bool bidirectional = false, DType dtype = DType.Float32, Generator? generator = null)
        : base("LSTM", 4, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, dtype, generator) { }

    /// <summary>
    /// Runs the sequence <paramref name="input"/>: (L, N, H_in), (N, L, H_in) with
    /// <see cref="RNNBase.BatchFirst"/>, or unbatched (L, H_in). <paramref name="h0"/> and
    /// <paramref name="c0"/> are the initial states (layers·D, N, H) — (layers·D, H) unbatched —
    /// both or neither; zeros when absent. Returns the last layer's output at every step
    /// (L, N, D·H) (or batch first, or unbatched like the input), and the final states h_n and
    /// c_n of every layer and direction (layers·D, N, H), the forward direction first.
    /// </summary>
    /// <exception cref="ArgumentException">A shape or dtype does not fit the layer, or only one of h0 and c0 is given.</exception>
    public (Tensor Output, Tensor H, Tensor C) Forward(Tensor input, Tensor? h0, Tensor? c0)
    {
        if ((h0 is null) != (c0 is null))
            throw new ArgumentException("LSTM: pass both initial states h0 and c0, or neither (zeros)", h0 is null ? nameof(h0) : nameof(c0));
        var (x, batch, unbatched) = PrepareInput(input, ("h0", h0), ("c0", c0));
        var h = StateOrZeros(h0, batch, unbatched);
        var c = StateOrZeros(c0, batch, unbatched);
        try
        {
            var (output, hn, cn) = F.Lstm(x, h, c, FlatWeights, HasBias, NumLayers, Dropout, Training, Bidirectional, BatchFirst);
            if (!unbatched) return (output, hn, cn);
            using (output)
            using (hn)
            using (cn)
                return (output.Squeeze(BatchFirst ? 0 : 1), hn.Squeeze(1), cn.Squeeze(1));
        }
        finally
        {
            if (!ReferenceEquals(x, input)) x.Dispose();
            if (!ReferenceEquals(h, h0)) h.Dispose();
            if (!ReferenceEquals(c, c0)) c.Dispose();
        }
    }

    /// <summary>Runs the sequence from zero states: <c>Forward(input, null, null)</c>.</summary>
    public (Tensor Output, Tensor H, Tensor C) Forward(Tensor input) => Forward(input, null, null);

    /// <summary>Runs the layer (<c>lstm(input, (h0, c0))</c>); see <see cref="Forward(Tensor, Tensor?, Tensor?)"/>.</summary>
    public (Tensor Output, Tensor H, Tensor C) Call(Tensor input, Tensor? h0 = null, Tensor? c0 = null) => Forward(input, h0, c0);
}

/// <summary>
/// <c>nn.GRU</c>: a multi-layer gated recurrent unit over a sequence, on libtorch's fused kernel.
/// Per step and layer: r, z = σ of (W_ir x + b_ir + W_hr h + b_hr), (W_iz x + b_iz + W_hz h + b_hz);
/// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)); h' = (1 − z) ⊙ n + z ⊙ h. Parameters (rows r, z, n)
/// and initialisation as in <see cref="RNNBase"/>.
/// </summary>
public sealed class GRU : RNNBase
{
    /// <summary>Creates the layer with PyTorch's defaults; <paramref name="generator"/> (optional) drives the initialisation.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, numLayers &lt; 1 or dropout outside [0, 1].</exception>
    public GRU(long inputSize, long hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false, double dropout = 0,
        bool bidirectional = false, DType dtype = DType.Float32, Generator? generator = null)
        : base("GRU", 3, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, dtype, generator) { }

    /// <summary>
    /// Runs the sequence <paramref name="input"/> (shapes as for <see cref="LSTM"/>) from the initial
    /// state <paramref name="h0"/> (layers·D, N, H), zeros when absent. Returns the last layer's
    /// output at every step and the final state h_n (layers·D, N, H).
    /// </summary>
    /// <exception cref="ArgumentException">A shape or dtype does not fit the layer.</exception>
    public (Tensor Output, Tensor H) Forward(Tensor input, Tensor? h0)
    {
        var (x, batch, unbatched) = PrepareInput(input, ("h0", h0));
        var h = StateOrZeros(h0, batch, unbatched);
        try
        {
            var (output, hn) = F.Gru(x, h, FlatWeights, HasBias, NumLayers, Dropout, Training, Bidirectional, BatchFirst);
            if (!unbatched) return (output, hn);
            using (output)
            using (hn)
                return (output.Squeeze(BatchFirst ? 0 : 1), hn.Squeeze(1));
        }
        finally
        {
            if (!ReferenceEquals(x, input)) x.Dispose();
            if (!ReferenceEquals(h, h0)) h.Dispose();
        }
    }

    /// <summary>Runs the sequence from a zero state: <c>Forward(input, null)</c>.</summary>
    public (Tensor Output, Tensor H) Forward(Tensor input) => Forward(input, null);

    /// <summary>Runs the layer (<c>gru(input, h0)</c>); see <see cref="Forward(Tensor, Tensor?)"/>.</summary>
    public (Tensor Output, Tensor H) Call(Tensor input, Tensor? h0 = null) => Forward(input, h0);
}
