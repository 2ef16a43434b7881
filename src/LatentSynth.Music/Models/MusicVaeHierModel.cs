using LatentSynth.Models;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;

namespace LatentSynth.Music.Models;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// "musicvae-hier": the hierarchical MusicVAE of Roberts et al. 2018 (§3.2, Fig. 2; Magenta's <c>hierdec-mel_16bar</c>:
/// <c>HierarchicalLstmDecoder(CategoricalLstmDecoder, level_lengths=[16, 16], disable_autoregression=True)</c>). The
/// encoder is the flat model's. The conductor, an LSTM whose initial state is dense + tanh of z, runs one step per
/// bar fed zeros; each of its outputs, through dense + tanh, sets the initial state of the bar's decoder, an LSTM
/// that sees that conductor output concatenated to every input (the previous token, one-hot) and emits a 90-way
/// softmax per step. Children: those of <see cref="MelodyVaeModel"/>, then <c>conductor_initial_state</c>,
/// <c>conductor</c>, <c>initial_state</c>, <c>decoder</c>, <c>output</c>.
/// </summary>
/// <remarks>
/// <para><b>Batching.</b> In training and evaluation the bar decoders run as one batch of B·bars sequences of
/// <see cref="MelodyVaeConfig.StepsPerBar"/> steps ([B·bars, 16, …]); each bar's first input is the previous bar's last
/// target token (the zero vector for the first bar), as Magenta's shifted inputs split per bar give. Generation
/// decodes bar after bar, each starting from the previous bar's last generated token (Magenta's <c>start_inputs</c>).</para>
/// <para><b>Scheduled sampling</b>, when enabled (Magenta's 16-bar configs leave it off), applies within bars; a bar's
/// first input is always the ground truth, since the previous bar is decoded in the same batch.</para>
/// </remarks>
[Model("musicvae-hier", typeof(MusicVaeHierConfig), "MusicVAE, hierarchical: 16-bar melodies, conductor LSTM over bars + per-bar LSTM decoder (Roberts et al. 2018)")]
public sealed class MusicVaeHierModel : MelodyVaeModel
{
    private readonly MusicVaeHierConfig config;

    /// <summary>Builds the model.</summary>
    /// <exception cref="ArgumentException">The config is invalid.</exception>
    public MusicVaeHierModel(MusicVaeHierConfig config) : base(config)
    {
        this.config = config;
        Bars = Length / config.StepsPerBar;
        ConductorInitialStateLayer = RegisterModule("conductor_initial_state", new Linear(config.LatentDim, 2L * config.ConductorLayers * config.ConductorSize));
        Conductor = RegisterModule("conductor", new LSTM(1, config.ConductorSize, config.ConductorLayers, batchFirst: true));
        InitialStateLayer = RegisterModule("initial_state", new Linear(config.ConductorSize, 2L * config.DecoderLayers * config.DecoderSize));
        DecoderLstm = RegisterModule("decoder", new LSTM(MelodyTokens.Count + config.ConductorSize, config.DecoderSize, config.DecoderLayers, batchFirst: true));
        OutputLayer = RegisterModule("output", new Linear(config.DecoderSize, MelodyTokens.Count));
    }

    /// <summary>Bars of one example (conductor steps).</summary>
    public long Bars { get; }

    /// <summary>Dense layer from z to the conductor's initial states (followed by tanh).</summary>
    public Linear ConductorInitialStateLayer { get; }

    /// <summary>The conductor LSTM, fed one zero per bar (Magenta's <c>disable_autoregression</c>).</summary>
    public LSTM Conductor { get; }

    /// <summary>Dense layer from a conductor output to its bar decoder's initial states (followed by tanh).</summary>
    public Linear InitialStateLayer { get; }

    /// <summary>The bar decoder LSTM (shared by all bars): input the previous token's one-hot vector concatenated with the bar's conductor output.</summary>
    public LSTM DecoderLstm { get; }

    /// <summary>The output projection to the 90 token logits.</summary>
    public Linear OutputLayer { get; }

    /// <summary>The conductor's outputs for codes <paramref name="z"/> [B, LatentDim]: one embedding per bar, [B, bars, conductor_size].</summary>
    public Tensor ConductorOutputs(Tensor z)
    {
        CheckLatent(z);
        using var scope = Torch.NewScope();
        var (h, c) = InitialState(ConductorInitialStateLayer, z, config.ConductorLayers, config.ConductorSize);
        var (output, _, _) = Conductor.Call(Torch.Zeros(z.Size(0), Bars, 1), h, c);
        return output.MoveToOuterScope();
    }

    private DecoderRun RunWith(Tensor embedding) => (inputs, h, c) =>
    {
        using var scope = Torch.NewScope();
        long n = inputs.Size(0), s = inputs.Size(1);
        var conditioned = Torch.Cat([inputs, embedding.Unsqueeze(1).Expand(n, s, embedding.Size(1))], 2);
        var (output, h2, c2) = DecoderLstm.Call(conditioned, h, c);
        return (OutputLayer.Call(output).MoveToOuterScope(), h2.MoveToOuterScope(), c2.MoveToOuterScope());
    };

    /// <inheritdoc />
    protected override Tensor DecoderLogits(Tensor z, Tensor tokens, double samplingProbability)
    {
        using var scope = Torch.NewScope();
        long b = z.Size(0), perBar = config.StepsPerBar;
        var embeddings = ConductorOutputs(z).Reshape(b * Bars, config.ConductorSize);                 // [B·bars, C]
        var (h, c) = InitialState(InitialStateLayer, embeddings, config.DecoderLayers, config.DecoderSize);
        var inputs = ShiftedInputs(tokens).Reshape(b * Bars, perBar, MelodyTokens.Count);              // bar-major per example
        var logits = RunScheduled(RunWith(embeddings), inputs, h, c, samplingProbability);              // [B·bars, 16, 90]
        return logits.Reshape(b, Length, MelodyTokens.Count).MoveToOuterScope();
    }

    /// <inheritdoc />
    protected override Tensor GenerateFrom(Tensor z, double? temperature, Generator? generator)
    {
        using var scope = Torch.NewScope();
        long b = z.Size(0);
        var embeddings = ConductorOutputs(z);
        var input = Torch.Zeros(b, MelodyTokens.Count);
        var bars = new List<Tensor>();
        for (long bar = 0; bar < Bars; bar++)
        {
            var embedding = embeddings.Select(1, bar);
            var (h, c) = InitialState(InitialStateLayer, embedding, config.DecoderLayers, config.DecoderSize);
            var (tokens, _, _) = Autoregress(RunWith(embedding), input, h, c, config.StepsPerBar, temperature, generator);
            bars.Add(tokens);
            input = OneHot(tokens.Select(1, config.StepsPerBar - 1));
        }
        return Torch.Cat(bars, 1).MoveToOuterScope();
    }
}
