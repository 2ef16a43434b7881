namespace LatentSynth.Models.Regularizers;

/// <summary>
/// Deterministic warm-up of a regularizer's weight (Sønderby et al. 2016): the weight rises
/// linearly from 0 to its target over the first N epochs, measured by
/// <see cref="TrainingProgress.EpochFraction"/> (so it moves every step, not once per epoch),
/// then stays at the target.
/// </summary>
public static class Warmup
{
    /// <summary>target · min(1, epochFraction / N); the target itself when N = 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="warmupEpochs"/> is negative or not finite.</exception>
    public static double Weight(double target, double warmupEpochs, TrainingProgress progress)
    {
        if (!(warmupEpochs >= 0) || double.IsInfinity(warmupEpochs))
            throw new ArgumentOutOfRangeException(nameof(warmupEpochs), warmupEpochs, "warmup_epochs must be finite and ≥ 0");
        if (warmupEpochs == 0) return target;
        // Linear warm-up of the KL/regularizer weight from 0 (Sønderby et al. 2016, deterministic warm-up).
        double f = Math.Clamp(progress.EpochFraction / warmupEpochs, 0.0, 1.0);
        return target * f;
    }
}
