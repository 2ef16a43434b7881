using LatentSynth.Models;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;

namespace LatentSynth.Music.Models;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// "musicvae": the flat MusicVAE of Roberts et al. 2018 (§3, Fig. 1 without the conductor; Magenta's
/// <c>cat-mel_2bar</c> models: <c>BidirectionalLstmEncoder</c> + <c>CategoricalLstmDecoder</c>). The encoder's final
/// states give μ and σ; the decoder is an LSTM whose initial state is dense + tanh of z and which sees z
/// concatenated to every input (the previous token, one-hot), with a 90-way softmax per step.
/// Children: those of <see cref="MelodyVaeModel"/>, then <c>initial_state</c>, <c>decoder</c>, <c>output</c>.
/// </summary>
[Model("musicvae", typeof(MusicVaeConfig), "MusicVAE, flat: 2-bar melodies, bidirectional LSTM encoder, LSTM decoder (Roberts et al. 2018)")]
public sealed class MusicVaeModel : MelodyVaeModel
{
    private readonly MusicVaeConfig config;

    /// <summary>Builds the model.</summary>
    /// <exception cref="ArgumentException">The config is invalid.</exception>
    public MusicVaeModel(MusicVaeConfig config) : base(config)
    {
        this.config = config;
        InitialStateLayer = RegisterModule("initial_state", new Linear(config.LatentDim, 2L * config.DecoderLayers * config.DecoderSize));
        DecoderLstm = RegisterModule("decoder", new LSTM(MelodyTokens.Count + config.LatentDim, config.DecoderSize, config.DecoderLayers, batchFirst: true));
        OutputLayer = RegisterModule("output", new Linear(config.DecoderSize, MelodyTokens.Count));
    }

    /// <summary>Dense layer from z to the decoder's initial states (followed by tanh).</summary>
    public Linear InitialStateLayer { get; }

    /// <summary>The decoder LSTM: input the previous token's one-hot vector concatenated with z.</summary>
    public LSTM DecoderLstm { get; }

    /// <summary>The output projection to the 90 token logits (Magenta's <c>output_projection</c>).</summary>
    public Linear OutputLayer { get; }

    private DecoderRun RunWith(Tensor z) => (inputs, h, c) =>
    {
        using var scope = Torch.NewScope();
        long n = inputs.Size(0), s = inputs.Size(1);
        var conditioned = Torch.Cat([inputs, z.Unsqueeze(1).Expand(n, s, LatentDim)], 2);
        var (output, h2, c2) = DecoderLstm.Call(conditioned, h, c);
        return (OutputLayer.Call(output).MoveToOuterScope(), h2.MoveToOuterScope(), c2.MoveToOuterScope());
    };

    /// <inheritdoc />
    protected override Tensor DecoderLogits(Tensor z, Tensor tokens, double samplingProbability)
    {
        using var scope = Torch.NewScope();
        var (h, c) = InitialState(InitialStateLayer, z, config.DecoderLayers, config.DecoderSize);
        return RunScheduled(RunWith(z), ShiftedInputs(tokens), h, c, samplingProbability).MoveToOuterScope();
    }

    /// <inheritdoc />
    protected override Tensor GenerateFrom(Tensor z, double? temperature, Generator? generator)
    {
        using var scope = Torch.NewScope();
        var (h, c) = InitialState(InitialStateLayer, z, config.DecoderLayers, config.DecoderSize);
        var start = Torch.Zeros(z.Size(0), MelodyTokens.Count);
        return Autoregress(RunWith(z), start, h, c, Length, temperature, generator).Tokens.MoveToOuterScope();
    }
}
