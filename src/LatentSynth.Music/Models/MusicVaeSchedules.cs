namespace LatentSynth.Music.Models;

/// <summary>
/// The schedules and KL shaping of MusicVAE training as closed forms of the global step, so that a resumed run
/// (which knows only its step) continues them exactly. Each cites the Magenta code or paper it comes from.
/// </summary>
public static class MusicVaeSchedules
{
    /// <summary>
    /// The KL weight at <paramref name="step"/>: β = (1 − <paramref name="betaRate"/>^step)·<paramref name="maxBeta"/>
    /// (Magenta <c>base_model.py</c>, <c>_compute_model_loss</c>: <c>beta = (1 - beta_rate^global_step) * max_beta</c>;
    /// Roberts et al. 2018 §3.1 on β &lt; 1). 0 at step 0 (0⁰ = 1, as in TensorFlow's pow).
    /// </summary>
    public static double Beta(long step, double maxBeta, double betaRate) => (1.0 - Math.Pow(betaRate, step)) * maxBeta;

    /// <summary>Free bits in nats: <c>free_bits · ln 2</c> (Magenta <c>base_model.py</c>: <c>free_nats = free_bits * log(2)</c>).</summary>
    public static double FreeNats(double freeBits) => freeBits * Math.Log(2.0);

    /// <summary>
    /// The KL cost of one sequence whose KL is <paramref name="klNats"/>: max(KL − free nats, 0) (Magenta
    /// <c>base_model.py</c>: <c>kl_cost = max(kl_div - free_nats, 0)</c>; free bits after Kingma et al. 2016, used by
    /// Roberts et al. 2018 §3.1 to keep the reconstruction good under a strong prior).
    /// </summary>
    public static double KlCost(double klNats, double freeBits) => Math.Max(klNats - FreeNats(freeBits), 0);

    /// <summary>
    /// The probability of feeding the decoder the ground-truth previous token at <paramref name="step"/>
    /// (teacher forcing) rather than its own sample — one minus Magenta's "sampling probability"
    /// (<c>lstm_utils.get_sampling_probability</c>; scheduled sampling of Bengio et al. 2015, §2.4):
    /// "constant": 1 − k; "inverse_sigmoid": k / (k + exp(step / k)); "exponential": k^step.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown schedule.</exception>
    public static double TeacherForcingProbability(string schedule, double k, long step) => schedule switch
    {
        "constant" => 1.0 - k,
        "inverse_sigmoid" => k / (k + Math.Exp(step / k)),
        "exponential" => Math.Pow(k, step),
        _ => throw new ArgumentException($"sampling_schedule must be 'constant', 'inverse_sigmoid' or 'exponential', got '{schedule}'", nameof(schedule)),
    };

    /// <summary>
    /// The learning rate at <paramref name="step"/>: (lr − min)·decay^step + min (Magenta <c>base_model.py</c>,
    /// <c>train</c>: <c>lr = (learning_rate - min_learning_rate) * decay_rate^global_step + min_learning_rate</c>);
    /// it decays exponentially towards its floor <paramref name="minLearningRate"/> and never goes below it.
    /// </summary>
    public static double LearningRate(long step, double learningRate, double decayRate, double minLearningRate) =>
        (learningRate - minLearningRate) * Math.Pow(decayRate, step) + minLearningRate;
}
