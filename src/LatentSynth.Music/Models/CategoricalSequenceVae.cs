using LatentSynth.Models;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;
using LatentSynth.Torch.Optim;

namespace LatentSynth.Music.Models;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// The pieces every categorical sequence VAE of this assembly shares (<see cref="MelodyVaeModel"/>'s MusicVAEs and
/// <see cref="MeasureVaeModel"/>): checking token batches, checking latent codes, the loss (summed per-step
/// cross-entropy, analytic KL with free bits, β, accuracy) and the decayed, clipped Adam step. One place for each.
/// </summary>
internal static class CategoricalSequenceVae
{
    /// <summary>
    /// The tokens of <paramref name="x"/> ([B, <paramref name="length"/>], int64 or floating point holding whole ids
    /// 0..vocabulary−1) as int64. <paramref name="examples"/> names what a row is ("melodies", "bars") in messages.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong shape, non-integral values or ids outside the vocabulary.</exception>
    public static Tensor Tokens(Tensor x, long length, int vocabulary, string model, string examples, string name)
    {
        ArgumentNullException.ThrowIfNull(x, name);
        var s = x.Shape;
        if (s.Length != 2 || s[1] != length)
            throw new ArgumentException($"{name} has shape [{string.Join(", ", s)}]; model '{model}' expects {examples} [batch, {length}] (input_shape) of tokens 0..{vocabulary - 1}", name);
        using var scope = Torch.NewScope();
        Tensor tokens;
        if (x.DType == DType.Int64) tokens = x.Alias();
        else if (x.DType.IsFloatingPoint())
        {
            if (s[0] > 0 && !x.Round().Equal(x))
                throw new ArgumentException($"{name} holds non-integral values; model '{model}' expects token ids 0..{vocabulary - 1} (stored as float32 by the datasets)", name);
            tokens = x.To(DType.Int64);
        }
        else tokens = x.To(DType.Int64);
        if (s[0] > 0)
        {
            long min = (long)tokens.Min().Item(), max = (long)tokens.Max().Item();
            if (min < 0 || max >= vocabulary)
                throw new ArgumentException($"{name} holds token ids from {min} to {max}; model '{model}' takes tokens 0..{vocabulary - 1}", name);
        }
        return tokens.MoveToOuterScope();
    }

    /// <summary>Throws unless <paramref name="z"/> is [B, <paramref name="latentDim"/>].</summary>
    public static void CheckLatent(Tensor z, long latentDim)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (z.Dim != 2 || z.Size(1) != latentDim)
            throw new ArgumentException($"latent codes have shape [{string.Join(", ", z.Shape)}]; the model expects [batch, {latentDim}] (latent_dim)", nameof(z));
    }

    /// <summary>Throws unless <paramref name="temperature"/> is null (greedy) or a positive finite number.</summary>
    public static void CheckTemperature(double? temperature)
    {
        if (temperature is { } t && !(t > 0 && double.IsFinite(t)))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be a positive finite number (null for greedy decoding)");
    }

    /// <summary>
    /// The loss terms of a categorical sequence VAE from the decoder's <paramref name="logits"/> [B, T, V], the targets
    /// <paramref name="tokens"/> [B, T] and the posterior (<paramref name="mu"/>, <paramref name="sigma"/>) [B, z]:
    /// <c>recon</c> (weight 1), <c>kl_cost</c> (weight <paramref name="beta"/>), and, reported only (weight 0), <c>kl</c>
    /// and <c>accuracy</c>. The callers' docs cite where their β and free bits come from.
    /// </summary>
    public static LossTerms Loss(Tensor logits, Tensor tokens, Tensor mu, Tensor sigma, double freeBits, double beta)
    {
        using var scope = Torch.NewScope();
        long b = tokens.Size(0), vocabulary = logits.Size(-1);
        // Reconstruction: categorical cross-entropy summed over the T steps, mean over the batch, i.e. −log p(x|z) per
        // sequence (Magenta CategoricalLstmDecoder._flat_reconstruction_loss summed per sequence in
        // BaseLstmDecoder.reconstruction_loss; Roberts et al. 2018 Eq. 2's E[log p(x|z)]; InpaintNet's
        // Trainer.mean_crossentropy_loss is the same cross-entropy averaged over the steps too, see MeasureVaeConfig.MaxBeta).
        var recon = F.CrossEntropy(logits.Reshape(-1, vocabulary), tokens.Reshape(-1), reduction: Reduction.Sum) / Math.Max(1, b);
        var kl = MelodyVaeModel.KlDivergence(mu, sigma);
        // KL with free bits: max(KL − free_bits·ln 2, 0) per sequence, mean over the batch (Magenta base_model.py
        // kl_cost; Roberts et al. 2018 §3.1, after Kingma et al. 2016). With free_bits 0 it is the plain KL, batch mean
        // (InpaintNet VAETrainer.compute_kld_loss: kl_divergence(...).sum(1).mean()).
        var klCost = (kl - MusicVaeSchedules.FreeNats(freeBits)).ClampMin(0.0).Mean();
        // Per-step accuracy of the argmax against the target (Roberts et al. 2018 Table 1; InpaintNet Trainer.mean_accuracy).
        var accuracy = logits.Argmax(-1).Eq(tokens).To(DType.Float32).Mean();
        var total = recon + klCost * beta;
        var terms = new Dictionary<string, Tensor>
        {
            ["recon"] = recon.MoveToOuterScope(),
            ["kl_cost"] = klCost.MoveToOuterScope(),
            ["kl"] = kl.Mean().MoveToOuterScope(),
            ["accuracy"] = accuracy.MoveToOuterScope(),
        };
        var weights = new Dictionary<string, double> { ["recon"] = 1.0, ["kl_cost"] = beta, ["kl"] = 0.0, ["accuracy"] = 0.0 };
        return new LossTerms(total.MoveToOuterScope(), terms, weights);
    }

    /// <summary>
    /// One Adam step at learning rate <paramref name="learningRate"/>: zero grads, <paramref name="loss"/>, backward, clip
    /// the global gradient norm of <paramref name="parameters"/> to <paramref name="gradClip"/> (0: no clipping; Magenta
    /// <c>clip_mode='global_norm'</c>), step.
    /// </summary>
    public static LossTerms Step(Optimizer optimizer, double learningRate, Func<LossTerms> loss, IEnumerable<Parameter> parameters, double gradClip)
    {
        optimizer.LearningRate = learningRate;
        optimizer.ZeroGrad();
        var terms = loss();
        terms.Total.Backward();
        optimizer.PrepareGradients(); // averaged over the ranks (data-parallel) before the norm is taken
        if (gradClip > 0) GradClip.ClipGradNorm_(parameters, gradClip);
        optimizer.Step();
        return terms;
    }
}
