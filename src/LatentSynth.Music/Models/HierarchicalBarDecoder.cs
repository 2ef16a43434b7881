using LatentSynth.Torch;
using LatentSynth.Torch.NN;

namespace LatentSynth.Music.Models;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// The hierarchical beat → tick GRU decoder of one 24-tick bar shared by <see cref="MeasureVaeModel"/> (InpaintNet's
/// <c>HierarchicalDecoder</c>) and <see cref="SketchVaeModel"/> (Music SketchNet's <c>SketchVAE.final_decoder</c>,
/// <c>forward_beat</c>, <c>forward_tick</c>): the two references have the same structure layer for layer.
/// </summary>
/// <remarks>
/// The beat GRU runs one step per beat fed a learned scalar (<see cref="BeatStart"/>) from the initial state
/// SELU(Linear(z)) split over its layers. Each beat output sets, through SELU(Linear), the initial state of the tick GRU,
/// and, through another SELU(Linear), a beat embedding concatenated to every tick input (the previous token's embedding;
/// the learned <see cref="TickStart"/> before the first tick of the bar). The tick GRU's outputs go through
/// Linear → ReLU to the logits (both references end in a ReLU). It is not a module of its own: the owning model
/// registers its layers under its own names (<see cref="RegisterIn"/>), so state dicts keep their flat prefixes.
/// </remarks>
internal sealed class HierarchicalBarDecoder
{
    private const double SeluAlpha = 1.6732632423543772, SeluScale = 1.0507009873554805;

    private readonly long latentDim, hidden;
    private readonly int layers, embeddingDim, vocabulary;

    /// <summary>Builds the layers (not yet registered with a module).</summary>
    public HierarchicalBarDecoder(long latentDim, int vocabulary, int embeddingDim, long hidden, int layers, double dropout, int beats, int ticksPerBeat)
    {
        this.latentDim = latentDim;
        this.hidden = hidden;
        this.layers = layers;
        this.embeddingDim = embeddingDim;
        this.vocabulary = vocabulary;
        Beats = beats;
        TicksPerBeat = ticksPerBeat;
        double p = layers > 1 ? dropout : 0;
        BeatInitialState = new Linear(latentDim, layers * hidden);
        BeatRnn = new GRU(1, hidden, layers, batchFirst: true, dropout: p);
        TickInitialState = new Linear(hidden, layers * hidden);
        BeatToTickInput = new Linear(hidden, hidden);
        DecoderEmbedding = new Embedding(vocabulary, embeddingDim);
        TickRnn = new GRU(embeddingDim + hidden, hidden, layers, batchFirst: true, dropout: p);
        OutputLayer = new Linear(hidden, vocabulary);
        BeatStart = new Parameter(Torch.Zeros(1));
        TickStart = new Parameter(Torch.Zeros(embeddingDim));
    }

    /// <summary>Beats per bar.</summary>
    public int Beats { get; }

    /// <summary>Ticks per beat.</summary>
    public int TicksPerBeat { get; }

    /// <summary>Ticks per bar.</summary>
    public int Length => Beats * TicksPerBeat;

    public Linear BeatInitialState { get; }
    public GRU BeatRnn { get; }
    public Linear TickInitialState { get; }
    public Linear BeatToTickInput { get; }
    public Embedding DecoderEmbedding { get; }
    public GRU TickRnn { get; }
    public Linear OutputLayer { get; }
    public Parameter BeatStart { get; }
    public Parameter TickStart { get; }

    /// <summary>Registers the layers with <paramref name="owner"/> under the names both models use.</summary>
    public void RegisterIn(Module owner)
    {
        owner.RegisterModule("beat_initial_state", BeatInitialState);
        owner.RegisterModule("beat_rnn", BeatRnn);
        owner.RegisterModule("tick_initial_state", TickInitialState);
        owner.RegisterModule("beat_to_tick_input", BeatToTickInput);
        owner.RegisterModule("decoder_embedding", DecoderEmbedding);
        owner.RegisterModule("tick_rnn", TickRnn);
        owner.RegisterModule("output", OutputLayer);
        owner.RegisterParameter("beat_start", BeatStart);
        owner.RegisterParameter("tick_start", TickStart);
    }

    /// <summary>SELU.</summary>
    public static Tensor Selu(Tensor x) => x.Elu(SeluAlpha) * SeluScale;

    /// <summary>Dense + SELU of <paramref name="input"/> [N, F] as the initial state [layers, N, H] of a GRU (reference <c>hidden_init</c>).</summary>
    private Tensor StateFrom(Linear dense, Tensor input)
    {
        using var scope = Torch.NewScope();
        long n = input.Size(0);
        return Selu(dense.Call(input)).Reshape(n, layers, hidden).Transpose(0, 1).Contiguous().MoveToOuterScope();
    }

    /// <summary>The beat GRU's outputs for codes <paramref name="z"/> [B, latent]: [B, beats, hidden].</summary>
    public Tensor BeatOutputs(Tensor z)
    {
        using var scope = Torch.NewScope();
        long b = z.Size(0);
        var (output, _) = BeatRnn.Call(BeatStart.Reshape(1, 1, 1).Expand(b, Beats, 1), StateFrom(BeatInitialState, z));
        return output.MoveToOuterScope();
    }

    /// <summary>
    /// Teacher-forced logits [B, ticks, vocabulary] with the int64 ground truth <paramref name="tokens"/> [B, ticks] as inputs:
    /// the tick GRU runs once over all beats as a batch of B·beats sequences (each beat's first input is the previous beat's
    /// last target token, as in the references' sequential loops).
    /// </summary>
    public Tensor TeacherForced(Tensor z, Tensor tokens)
    {
        using var scope = Torch.NewScope();
        long b = z.Size(0), ticks = TicksPerBeat, n = b * Beats;
        var beats = BeatOutputs(z).Reshape(n, hidden);                                              // [B·beats, H]
        var h = StateFrom(TickInitialState, beats);
        var beatInput = Selu(BeatToTickInput.Call(beats));                                          // [B·beats, H]
        var start = TickStart.Reshape(1, 1, embeddingDim).Expand(b, 1, embeddingDim);
        var previous = Torch.Cat([start, DecoderEmbedding.Call(tokens.Narrow(1, 0, Length - 1))], 1);  // [B, ticks, E]
        var inputs = Torch.Cat([previous.Reshape(n, ticks, embeddingDim), beatInput.Unsqueeze(1).Expand(n, ticks, hidden)], 2);
        var (output, _) = TickRnn.Call(inputs, h);
        return OutputLayer.Call(output).Relu().Reshape(b, Length, vocabulary).MoveToOuterScope();
    }

    /// <summary>
    /// The sequential decoder: logits [B, ticks, vocabulary] and the tokens it chose [B, ticks] (argmax, or sampled from
    /// softmax(logits / <paramref name="temperature"/>) with <paramref name="generator"/>). When <paramref name="teacher"/>
    /// [B, ticks] is given, before each tick <paramref name="teacherCoin"/> decides whether the next input is the ground
    /// truth (true) or the token just chosen (false): SketchVAE's per-step scheduled sampling. No gradient flows through a
    /// chosen token.
    /// </summary>
    public (Tensor Logits, Tensor Tokens) Sequential(Tensor z, double? temperature, Generator? generator, Tensor? teacher = null, Func<bool>? teacherCoin = null)
    {
        using var scope = Torch.NewScope();
        long b = z.Size(0);
        var beats = BeatOutputs(z);
        var input = TickStart.Reshape(1, 1, embeddingDim).Expand(b, 1, embeddingDim);
        var logits = new List<Tensor>();
        var tokens = new List<Tensor>();
        int step = 0;
        for (int beat = 0; beat < Beats; beat++)
        {
            var beatOut = beats.Select(1, beat);
            var h = StateFrom(TickInitialState, beatOut);
            var beatInput = Selu(BeatToTickInput.Call(beatOut)).Unsqueeze(1);
            for (int tick = 0; tick < TicksPerBeat; tick++, step++)
            {
                var (output, h2) = TickRnn.Call(Torch.Cat([input, beatInput], 2), h);
                var logit = OutputLayer.Call(output.Select(1, 0)).Relu();                 // [B, V]
                Tensor token;
                using (Torch.NoGrad())
                    token = temperature is { } t ? F.SampleCategorical(logit.Detach(), t, generator) : logit.Detach().Argmax(-1);
                logits.Add(logit);
                tokens.Add(token);
                var next = teacher is not null && teacherCoin is not null && teacherCoin() ? teacher.Select(1, step) : token;
                input = DecoderEmbedding.Call(next.Unsqueeze(1));
                h = h2;
            }
        }
        return (Torch.Stack(logits, 1).MoveToOuterScope(), Torch.Stack(tokens, 1).MoveToOuterScope());
    }
}
