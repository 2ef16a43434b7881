using LatentSynth.Models.Likelihoods;
using LatentSynth.Models.Networks;
using LatentSynth.Models.Priors;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;

namespace LatentSynth.Models;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// The common shape of the zoo's models: an encoder and a decoder from the network registry
/// (<see cref="ModelConfig.Arch"/>), a reconstruction <see cref="Likelihoods.Likelihood"/>
/// (<see cref="ModelConfig.Recon"/>) and a latent <see cref="IPrior"/> (<see cref="ModelConfig.Prior"/>).
/// Children (state-dict prefixes): <c>encoder</c>, <c>decoder</c>, <c>likelihood</c>.
/// </summary>
public abstract class EncoderDecoderModel : AutoencoderModel
{
    /// <summary>Validates <paramref name="config"/> and builds the networks; the encoder gets <paramref name="encoderOutputs"/> outputs.</summary>
    /// <exception cref="ArgumentException">The config is invalid: every problem, each naming its key.</exception>
    protected EncoderDecoderModel(ModelConfig config, long encoderOutputs) : base(config)
    {
        Network = NetworkRegistry.Get(config.Arch);
        Encoder = RegisterModule("encoder", Network.CreateEncoder(config, encoderOutputs));
        Decoder = RegisterModule("decoder", Network.CreateDecoder(config));
        Likelihood = RegisterModule("likelihood", LikelihoodRegistry.Create(config));
        Prior = PriorRegistry.Create(config);
    }

    /// <summary>The factory that built the networks.</summary>
    public INetworkFactory Network { get; }

    /// <summary>The networks' workload (<see cref="INetworkFactory.Workload"/>).</summary>
    public override Workload Workload => Network.Workload;

    /// <summary>The encoder network ([B, …InputShape] → [B, outputs]).</summary>
    public Module<Tensor, Tensor> Encoder { get; }

    /// <summary>The decoder network ([B, LatentDim] → likelihood parameters [B, …InputShape]).</summary>
    public Module<Tensor, Tensor> Decoder { get; }

    /// <summary>The reconstruction objective.</summary>
    public Likelihood Likelihood { get; }

    /// <summary>The prior over the latent space.</summary>
    public IPrior Prior { get; }

    /// <inheritdoc />
    public override Tensor Decode(Tensor z)
    {
        CheckLatent(z);
        using var scope = Torch.NewScope();
        return Likelihood.Mean(Decoder.Call(z)).MoveToOuterScope();
    }

    /// <inheritdoc />
    public override Tensor SamplePrior(long n, Generator? generator = null) => Prior.Sample(n, LatentDim, generator ?? NoiseGenerator);

    /// <summary>Runs the encoder after checking the input's shape.</summary>
    protected Tensor EncoderOutput(Tensor x)
    {
        CheckInput(x);
        return Encoder.Call(x);
    }

    /// <summary>The reconstruction term: −log p(x|z) summed over each example's elements, averaged over the batch (0-d).</summary>
    protected Tensor ReconstructionLoss(Tensor decoderOutput, Tensor x)
    {
        using var scope = Torch.NewScope();
        return Likelihood.MeanNegLogLikelihood(decoderOutput, x).MoveToOuterScope();
    }

    /// <summary>
    /// Builds the <see cref="LossTerms"/>: Total = Σ weight·term over the terms with a weight;
    /// terms with a null weight are reported but not part of the total (listed with weight 0).
    /// Call inside the loss's own dispose scope: the total and the terms move to the enclosing one.
    /// </summary>
    protected static LossTerms Combine(params (string Name, Tensor Term, double? Weight)[] terms)
    {
        Tensor? total = null;
        var dict = new Dictionary<string, Tensor>();
        var weights = new Dictionary<string, double>();
        foreach (var (name, term, weight) in terms)
        {
            dict[name] = term;
            weights[name] = weight ?? 0.0;
            if (weight is not { } w) continue;
            var part = w == 1.0 ? term : term.Mul(w);
            total = total is null ? part : total + part;
        }
        if (total is null) throw new InvalidOperationException("a loss needs at least one weighted term");
        if (dict.Values.Any(t => ReferenceEquals(t, total))) total = total.Alias();
        total.MoveToOuterScope();
        foreach (var t in dict.Values) t.MoveToOuterScope();
        return new LossTerms(total, dict, weights);
    }

    /// <summary>Throws unless <paramref name="x"/> is [B, …InputShape].</summary>
    protected void CheckInput(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var shape = x.Shape;
        if (shape.Length != InputShape.Length + 1 || !shape.AsSpan(1).SequenceEqual(InputShape))
            throw new ArgumentException(
                $"input has shape [{string.Join(", ", shape)}]; the model expects [batch, {string.Join(", ", InputShape)}] (input_shape)", nameof(x));
        if (!x.DType.IsFloatingPoint())
            throw new ArgumentException($"input has dtype {x.DType.TorchName()}; the model expects float32 data", nameof(x));
    }

    /// <summary>Throws unless <paramref name="z"/> is [B, LatentDim].</summary>
    protected void CheckLatent(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (z.Dim != 2 || z.Size(1) != LatentDim)
            throw new ArgumentException($"latent codes have shape [{string.Join(", ", z.Shape)}]; the model expects [batch, {LatentDim}] (latent_dim)", nameof(z));
    }
}

/// <summary>Moves a loss's tensors to the enclosing dispose scope.</summary>
internal static class LossTermsScope
{
    public static LossTerms MoveToOuterScope(this LossTerms loss)
    {
        loss.Total.MoveToOuterScope();
        foreach (var t in loss.Terms.Values) t.MoveToOuterScope();
        return loss;
    }
}
