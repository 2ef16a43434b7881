namespace LatentSynth.Torch.NN;

/// <summary>
/// Shared part of <see cref="LSTMCell"/> and <see cref="GRUCell"/> (<c>nn.RNNCellBase</c>): one
/// recurrent step, for decoders that feed each output back as the next input. Parameters named as
/// in PyTorch — <c>weight_ih</c> (G·H, in), <c>weight_hh</c> (G·H, H), <c>bias_ih</c>,
/// <c>bias_hh</c> (G·H) — and initialised as PyTorch does: each, in that order, uniform in ±1/√H.
/// </summary>
public abstract class RNNCellBase : Module
{
    private protected RNNCellBase(string mode, int gates, long inputSize, long hiddenSize, bool bias, DType dtype, Generator? generator)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hiddenSize);
        Mode = mode;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        WeightIh = RegisterParameter("weight_ih", new Parameter(Torch.Empty([gates * hiddenSize, inputSize], dtype)));
        WeightHh = RegisterParameter("weight_hh", new Parameter(Torch.Empty([gates * hiddenSize, hiddenSize], dtype)));
        if (bias)
        {
            BiasIh = RegisterParameter("bias_ih", new Parameter(Torch.Empty([gates * hiddenSize], dtype)));
            BiasHh = RegisterParameter("bias_hh", new Parameter(Torch.Empty([gates * hiddenSize], dtype)));
        }
        ResetParameters(generator);
    }

    /// <summary>The cell's name in messages ("LSTMCell" or "GRUCell").</summary>
    public string Mode { get; }

    /// <summary>Input features.</summary>
    public long InputSize { get; }

    /// <summary>Hidden-state features (H).</summary>
    public long HiddenSize { get; }

    /// <summary>Input-to-hidden weight (G·H, in).</summary>
    public Parameter WeightIh { get; }

    /// <summary>Hidden-to-hidden weight (G·H, H).</summary>
    public Parameter WeightHh { get; }

    /// <summary>Input-to-hidden bias (G·H), or null.</summary>
    public Parameter? BiasIh { get; }

    /// <summary>Hidden-to-hidden bias (G·H), or null.</summary>
    public Parameter? BiasHh { get; }

    /// <summary>
    /// Re-draws every parameter from U(−1/√H, 1/√H) in registration order (<c>reset_parameters</c>);
    /// from <paramref name="generator"/> when given, else from the default generator.
    /// </summary>
    public void ResetParameters(Generator? generator = null)
    {
        double stdv = 1.0 / Math.Sqrt(HiddenSize);
        foreach (var p in Parameters(recurse: false)) Init.Uniform_(p, -stdv, stdv, generator);
    }

    /// <summary>
    /// Checks the input (N, in) or unbatched (in) and the given states, and brings an unbatched
    /// input to a batch of one. Returns the batched input, the batch size and whether it was unbatched.
    /// </summary>
    private protected (Tensor Input, long Batch, bool Unbatched) PrepareInput(Tensor input, params (string Name, Tensor? State)[] states)
    {
        ArgumentNullException.ThrowIfNull(input);
        var shape = input.Shape;
        if (shape.Length is not (1 or 2))
            throw new ArgumentException($"{Mode}: expected the input to be 1-D (in) or 2-D (N, in), got shape {F.ShapeText(shape)}", nameof(input));
        if (shape[^1] != InputSize)
            throw new ArgumentException($"{Mode}: input.size(-1) must be equal to input_size. Expected {InputSize}, got {shape[^1]}", nameof(input));
        if (input.DType != WeightIh.DType)
            throw new ArgumentException($"{Mode}: the input is {input.DType.TorchName()} but the parameters are {WeightIh.DType.TorchName()}; convert one of them", nameof(input));
        bool unbatched = shape.Length == 1;
        long batch = unbatched ? 1 : shape[0];
        long[] expected = unbatched ? [HiddenSize] : [batch, HiddenSize];
        foreach (var (name, state) in states)
        {
            if (state is null) continue;
            var s = state.Shape;
            if (!s.AsSpan().SequenceEqual(expected))
                throw new ArgumentException($"{Mode}: expected {name} of shape {F.ShapeText(expected)}, got {F.ShapeText(s)}", name);
            if (state.DType != WeightIh.DType)
                throw new ArgumentException($"{Mode}: {name} is {state.DType.TorchName()} but the parameters are {WeightIh.DType.TorchName()}", name);
        }
        return (unbatched ? input.Unsqueeze(0) : input, batch, unbatched);
    }

    /// <summary>A state given for an unbatched input made batched, or zeros (N, H) when none is given.</summary>
    private protected Tensor StateOrZeros(Tensor? state, long batch, bool unbatched) =>
        state is null ? Torch.Zeros([batch, HiddenSize], WeightIh.DType) : unbatched ? state.Unsqueeze(0) : state;

    /// <inheritdoc />
    protected override string ExtraRepr() =>
        $"{Repr.Int(InputSize)}, {Repr.Int(HiddenSize)}" + (BiasIh is null ? ", bias=False" : "");
}

/// <summary>
/// <c>nn.LSTMCell</c>: one LSTM step on libtorch's kernel (<see cref="F.LstmCell"/>). Gates i, f,
/// g, o in the rows of the weights, as in <see cref="LSTM"/>.
/// </summary>
public sealed class LSTMCell : RNNCellBase
{
    /// <summary>Creates the cell with PyTorch's defaults; <paramref name="generator"/> (optional) drives the initialisation.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public LSTMCell(long inputSize, long hiddenSize, bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
        : base("LSTMCell", 4, inputSize, hiddenSize, bias, dtype, generator) { }

    /// <summary>
    /// One step: input (N, in) or unbatched (in), states <paramref name="h"/> and <paramref name="c"/>
    /// (N, H) or (H), both or neither (zeros). Returns the next (h, c), shaped like the states.
    /// </summary>
    /// <exception cref="ArgumentException">A shape or dtype does not fit the cell, or only one of h and c is given.</exception>
    public (Tensor H, Tensor C) Forward(Tensor input, Tensor? h, Tensor? c)
    {
        if ((h is null) != (c is null))
            throw new ArgumentException("LSTMCell: pass both states h and c, or neither (zeros)", h is null ? nameof(h) : nameof(c));
        var (x, batch, unbatched) = PrepareInput(input, ("h", h), ("c", c));
        var hx = StateOrZeros(h, batch, unbatched);
        var cx = StateOrZeros(c, batch, unbatched);
        try
        {
            var (h1, c1) = F.LstmCell(x, hx, cx, WeightIh, WeightHh, BiasIh, BiasHh);
            if (!unbatched) return (h1, c1);
            using (h1)
            using (c1)
                return (h1.Squeeze(0), c1.Squeeze(0));
        }
        finally
        {
            if (!ReferenceEquals(x, input)) x.Dispose();
            if (!ReferenceEquals(hx, h)) hx.Dispose();
            if (!ReferenceEquals(cx, c)) cx.Dispose();
        }
    }

    /// <summary>One step from zero states: <c>Forward(input, null, null)</c>.</summary>
    public (Tensor H, Tensor C) Forward(Tensor input) => Forward(input, null, null);

    /// <summary>Runs the cell (<c>cell(input, (h, c))</c>); see <see cref="Forward(Tensor, Tensor?, Tensor?)"/>.</summary>
    public (Tensor H, Tensor C) Call(Tensor input, Tensor? h = null, Tensor? c = null) => Forward(input, h, c);
}

/// <summary>
/// <c>nn.GRUCell</c>: one GRU step on libtorch's kernel (<see cref="F.GruCell"/>). Gates r, z, n
/// in the rows of the weights, as in <see cref="GRU"/>.
/// </summary>
public sealed class GRUCell : RNNCellBase
{
    /// <summary>Creates the cell with PyTorch's defaults; <paramref name="generator"/> (optional) drives the initialisation.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public GRUCell(long inputSize, long hiddenSize, bool bias = true, DType dtype = DType.Float32, Generator? generator = null)
        : base("GRUCell", 3, inputSize, hiddenSize, bias, dtype, generator) { }

    /// <summary>
    /// One step: input (N, in) or unbatched (in), state <paramref name="h"/> (N, H) or (H), zeros
    /// when absent. Returns the next h, shaped like the state.
    /// </summary>
    /// <exception cref="ArgumentException">A shape or dtype does not fit the cell.</exception>
    public Tensor Forward(Tensor input, Tensor? h)
    {
        var (x, batch, unbatched) = PrepareInput(input, ("h", h));
        var hx = StateOrZeros(h, batch, unbatched);
        try
        {
            var h1 = F.GruCell(x, hx, WeightIh, WeightHh, BiasIh, BiasHh);
            if (!unbatched) return h1;
            using (h1) return h1.Squeeze(0);
        }
        finally
        {
            if (!ReferenceEquals(x, input)) x.Dispose();
            if (!ReferenceEquals(hx, h)) hx.Dispose();
        }
    }

    /// <summary>One step from a zero state: <c>Forward(input, null)</c>.</summary>
    public Tensor Forward(Tensor input) => Forward(input, null);

    /// <summary>Runs the cell (<c>cell(input, h)</c>); see <see cref="Forward(Tensor, Tensor?)"/>.</summary>
    public Tensor Call(Tensor input, Tensor? h = null) => Forward(input, h);
}
