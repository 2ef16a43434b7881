using LatentSynth.Models.Regularizers;
using LatentSynth.Torch;

namespace LatentSynth.Models.WaeMmd;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// "wae-mmd": the Wasserstein autoencoder with an MMD penalty (Tolstikhin et al. 2018, Alg. 2). A
/// deterministic encoder; the loss is recon + λ·MMD²(encodings, prior draws) with the unbiased
/// estimator and a multi-scale RBF or IMQ kernel (base bandwidth C = 2·d·σ², σ² the prior's
/// per-coordinate variance). λ may warm up linearly. The prior enters only through samples, so
/// every prior works. Loss terms: <c>recon</c>, <c>mmd</c>; batches need at least 2 examples.
/// </summary>
[Model("wae-mmd", typeof(WaeMmdConfig), "Wasserstein autoencoder with an MMD penalty (rbf or imq kernel, multi-scale, unbiased)")]
public sealed class WaeMmdModel : EncoderDecoderModel
{
    /// <summary>Builds the model.</summary>
    /// <exception cref="ArgumentException">The config is invalid.</exception>
    public WaeMmdModel(WaeMmdConfig config) : base(config, config.LatentDim)
    {
        Settings = config;
        Kernel = KernelRegistry.Get(config.Kernel);
        Bandwidth = Mmd.DefaultBandwidth(config.LatentDim, Prior.MeanSquare(config.LatentDim));
    }

    /// <summary>The WAE-MMD settings.</summary>
    public WaeMmdConfig Settings { get; }

    /// <summary>The kernel.</summary>
    public KernelInfo Kernel { get; }

    /// <summary>The base bandwidth C = 2·d·σ².</summary>
    public double Bandwidth { get; }

    /// <inheritdoc />
    public override Tensor Encode(Tensor x) => EncoderOutput(x);

    /// <summary>λ at <paramref name="progress"/> (after warm-up).</summary>
    public double MmdWeight(TrainingProgress progress) => Warmup.Weight(Settings.Lambda, Settings.WarmupEpochs, progress);

    /// <inheritdoc />
    public override LossTerms Loss(Tensor x, TrainingProgress progress)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Dim > 0 && x.Size(0) < 2)
            throw new ArgumentException($"wae-mmd needs batches of at least 2 examples (the unbiased MMD estimate), got {x.Size(0)}", nameof(x));
        using var scope = Torch.NewScope();
        var z = Encode(x);
        var recon = ReconstructionLoss(Decoder.Call(z), x);
        var zPrior = SamplePrior(z.Size(0));
        // WAE objective recon + λ·MMD(Q_Z, P_Z) (Tolstikhin et al. 2018, Eq. 4 and Alg. 2).
        var mmd = Mmd.Compute(z, zPrior, Kernel, Bandwidth, Settings.KernelScales, unbiased: true);
        return Combine(("recon", recon, 1.0), ("mmd", mmd, MmdWeight(progress)));
    }
}
