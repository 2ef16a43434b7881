using LatentSynth.Music.Models;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;

namespace LatentSynth.Music.Evaluation;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// Reconstruction accuracy of a melody model on a set of windows, the measure of MusicVAE's Table 1 (Roberts et al.
/// 2018): the share of steps whose token the decoder gets right, given the code of the window.
/// </summary>
/// <param name="Windows">Windows evaluated.</param>
/// <param name="Steps">Steps evaluated (windows × T).</param>
/// <param name="TeacherForced">Teacher-forced accuracy: each step's argmax given the true previous tokens (Table 1, "teacher-forced").</param>
/// <param name="Sampled">Sampled accuracy: the decoder runs on its own samples at temperature 1 (Table 1, "sampling"), compared step by step with the window.</param>
/// <param name="Greedy">Greedy accuracy: as <paramref name="Sampled"/> but with argmax decoding (what <c>music reconstruct</c> shows).</param>
/// <param name="TeacherForcedEvents">Teacher-forced accuracy on the steps whose target is an event (note-on or note-off, not "no event").
/// About two thirds of the Nottingham steps are "no event", so a model that never plays a note already scores
/// ≈ 0.67 on <paramref name="TeacherForced"/>; this column cannot be won that way.</param>
/// <param name="SampledEvents">Sampled accuracy on the event steps.</param>
/// <param name="NllPerStep">Teacher-forced negative log-likelihood of the true token, nats per step, at z = μ.</param>
/// <param name="Kl">KL(q(z|x) ‖ N(0, I)) per window, nats (the information z carries).</param>
public sealed record MelodyAccuracy(int Windows, long Steps, double TeacherForced, double Sampled, double Greedy,
    double TeacherForcedEvents, double SampledEvents, double NllPerStep, double Kl)
{
    /// <summary>The values by the names the benchmark and <c>music eval</c> use (tf_acc, sampled_acc, …).</summary>
    public IReadOnlyDictionary<string, double> ToDictionary() => new Dictionary<string, double>
    {
        ["tf_acc"] = TeacherForced,
        ["sampled_acc"] = Sampled,
        ["greedy_acc"] = Greedy,
        ["tf_event_acc"] = TeacherForcedEvents,
        ["sampled_event_acc"] = SampledEvents,
        ["nll_step"] = NllPerStep,
        ["kl"] = Kl,
    };

    /// <summary>
    /// Evaluates <paramref name="model"/> on <paramref name="windows"/> ([N, T] melody tokens, int64 or float32 holding
    /// whole ids). Every window is encoded to its posterior mean μ (not a draw from q(z|x): the accuracy then measures
    /// the decoder and the code, not the posterior noise; Magenta's evaluation draws z, so its figures include that
    /// noise). From μ: the teacher-forced logits give <see cref="TeacherForced"/> and <see cref="NllPerStep"/>; an
    /// autoregressive decode at temperature 1 with a generator seeded by <paramref name="seed"/> gives
    /// <see cref="Sampled"/>; an argmax decode gives <see cref="Greedy"/>. Runs in inference mode, in batches of
    /// <paramref name="batchSize"/>; <paramref name="progress"/> receives (windows done, windows).
    /// </summary>
    /// <exception cref="ArgumentException">No windows, a batch size below 1, or windows the model cannot take.</exception>
    public static MelodyAccuracy Evaluate(MelodyVaeModel model, Tensor windows, ulong seed = 0, int batchSize = 256,
        Action<long, long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(windows);
        if (batchSize < 1) throw new ArgumentException($"batch size must be at least 1, got {batchSize}", nameof(batchSize));
        if (windows.Dim != 2 || windows.Size(0) == 0)
            throw new ArgumentException($"windows must be [N, T] with N ≥ 1, got [{string.Join(", ", windows.Shape)}]", nameof(windows));
        long n = windows.Size(0), t = windows.Size(1);
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            using var generator = new Generator(seed);
            using var inference = Torch.NoGrad();
            double tf = 0, sampled = 0, greedy = 0, tfEvents = 0, sampledEvents = 0, events = 0, nll = 0, kl = 0;
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = Torch.NewScope();
                long b = Math.Min(batchSize, n - start);
                var tokens = model.Tokens(windows.Narrow(0, start, b), "windows");
                var (mu, sigma) = model.Posterior(tokens);
                var logits = model.TeacherForcedLogits(mu, tokens);
                var isEvent = tokens.Ne((long)MelodyTokens.NoEvent);
                var tfHits = logits.Argmax(-1).Eq(tokens);
                var sampledHits = model.DecodeTokens(mu, 1.0, generator).Eq(tokens);
                var greedyHits = model.DecodeTokens(mu).Eq(tokens);
                tf += Count(tfHits);
                sampled += Count(sampledHits);
                greedy += Count(greedyHits);
                tfEvents += Count(tfHits.LogicalAnd(isEvent));
                sampledEvents += Count(sampledHits.LogicalAnd(isEvent));
                events += Count(isEvent);
                nll += F.CrossEntropy(logits.Reshape(-1, MelodyTokens.Count), tokens.Reshape(-1), reduction: Reduction.Sum).Item();
                kl += MelodyVaeModel.KlDivergence(mu, sigma).Sum().Item();
                progress?.Invoke(start + b, n);
            }
            double steps = (double)n * t;
            return new MelodyAccuracy((int)n, n * t, tf / steps, sampled / steps, greedy / steps,
                events > 0 ? tfEvents / events : double.NaN, events > 0 ? sampledEvents / events : double.NaN, nll / steps, kl / n);
        }
        finally
        {
            if (wasTraining) model.Train();
        }
    }

    private static double Count(Tensor mask) => mask.To(DType.Float64).Sum().Item();
}
