using LatentSynth.Models.Priors;
using LatentSynth.Torch;

namespace LatentSynth.Models.Regularizers;

using Torch = LatentSynth.Torch.Torch;

/// <summary>KL divergence terms of the VAE objective, per example ([B]).</summary>
public static class Kl
{
    /// <summary>
    /// KL(N(μ, diag σ²) ‖ N(0, I)) = −½ Σⱼ (1 + log σⱼ² − μⱼ² − σⱼ²) for each row, with log σ² =
    /// <paramref name="logVar"/>; [B, d] → [B].
    /// </summary>
    public static Tensor DiagonalGaussianToStandardNormal(Tensor mu, Tensor logVar)
    {
        CheckPair(mu, logVar);
        using var scope = Torch.NewScope();
        // Analytic KL of a diagonal Gaussian from N(0, I) (Kingma & Welling 2013, Appendix B).
        var inner = logVar.Add(1.0) - mu.Square() - logVar.Exp();
        return inner.Sum(1).Mul(-0.5).MoveToOuterScope();
    }

    /// <summary>
    /// log q(z|x) for the reparameterised sample z = μ + σ·ε of a diagonal Gaussian, computed from ε:
    /// −½ Σⱼ (log 2π + log σⱼ² + εⱼ²); [B, d] → [B]. Its gradient equals that of the density evaluated at z.
    /// </summary>
    public static Tensor DiagonalGaussianLogProbAtSample(Tensor eps, Tensor logVar)
    {
        CheckPair(eps, logVar);
        using var scope = Torch.NewScope();
        return (logVar + eps.Square() + Math.Log(2 * Math.PI)).Sum(1).Mul(-0.5).MoveToOuterScope();
    }

    /// <summary>
    /// Single-sample Monte-Carlo estimate of KL(q(z|x) ‖ p(z)): log q(z|x) − log p(z) at the
    /// reparameterised sample z = μ + σ·ε; [B]. Unbiased; used when p has no closed-form KL.
    /// </summary>
    /// <exception cref="ArgumentException">The prior has no log-density.</exception>
    public static Tensor MonteCarlo(Tensor z, Tensor eps, Tensor logVar, IPrior prior)
    {
        ArgumentNullException.ThrowIfNull(prior);
        if (!prior.HasLogProb)
            throw new ArgumentException($"prior '{prior.Name}' has no log-density, so its KL divergence cannot be estimated", nameof(prior));
        using var scope = Torch.NewScope();
        // Generic SGVB estimator term log q(z|x) − log p(z) (Kingma & Welling 2013, Eq. 6).
        return (DiagonalGaussianLogProbAtSample(eps, logVar) - prior.LogProb(z)).MoveToOuterScope();
    }

    private static void CheckPair(Tensor a, Tensor logVar)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(logVar);
        if (a.Dim != 2 || !a.Shape.AsSpan().SequenceEqual(logVar.Shape))
            throw new ArgumentException($"expected two [batch, dim] tensors of the same shape, got [{string.Join(", ", a.Shape)}] and [{string.Join(", ", logVar.Shape)}]", nameof(logVar));
    }
}
