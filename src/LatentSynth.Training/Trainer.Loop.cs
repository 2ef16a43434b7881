using System.Diagnostics;
using LatentSynth.Data;
using LatentSynth.Models;
using LatentSynth.Torch;
using LatentSynth.Torch.Optim;

namespace LatentSynth.Training;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>The training loop: steps, the non-finite guard, validation, the divergence warning and checkpoints.</summary>
public sealed partial class Trainer
{
    private TrainingResult Loop(Session session, CancellationToken cancel)
    {
        var (config, runDir, data, model, optimizers, sampler, state, resumedFrom) =
            (session.Config, session.RunDir, session.Data, session.Model, session.Optimizers, session.Sampler, session.State, session.ResumedFrom);
        var training = config.Training;
        int epochs = training.Epochs;
        long stepsPerEpoch = sampler.BatchesPerEpoch;
        long totalSteps = epochs * stepsPerEpoch;
        var store = new CheckpointStore(runDir) { Hook = CheckpointHook };
        var metrics = new MetricsLog(runDir);
        var firstOptimizer = optimizers.Keys.Order(StringComparer.Ordinal).First();
        model.Train();

        long step = state.Step;
        double totalSeconds = state.TotalSeconds;
        string? latest = store.LatestName;
        EvaluationResult? lastValidation = null;
        // The first epoch's validation loss, the yardstick of the divergence warning (from
        // metrics.csv when resuming past epoch 1).
        double? firstValidation = state.EpochsDone >= 1
            ? metrics.ReadCsv().FirstOrDefault(r => r.GetValueOrDefault("epoch") == 1)?.GetValueOrDefault("val_loss", double.NaN)
            : null;
        bool warnedDivergence = false;
        observer.OnStart(new TrainingStarted(runDir, config.Model.Model, training.Data, data.Train.Count, data.Test.Count,
            epochs, stepsPerEpoch, step, resumedFrom, model.ParameterCount));

        var clock = Stopwatch.StartNew();
        long sessionSteps = 0;
        for (int epoch = state.EpochsDone; epoch < epochs; epoch++)
        {
            bool continuing = epoch == state.EpochsDone && state.Partial;
            var samplerAtStart = sampler.GetState();
            using var order = sampler.EpochOrder().DetachFromScope();
            var sums = continuing ? new Dictionary<string, double>(state.TrainSums, StringComparer.Ordinal) : new Dictionary<string, double>(StringComparer.Ordinal);
            long examples = continuing ? state.TrainExamples : 0;
            double epochSecondsBefore = continuing ? state.EpochSeconds : 0;
            var epochClock = Stopwatch.StartNew();

            // After a step: the guard, the sums, the report; true when the run stops here (mid-epoch).
            // stopHere is read after the report (an observer may ask to stop from OnStep).
            bool Report(Dictionary<string, double> values, long n, Func<bool> stopHere, long s, long stepNumber)
            {
                GuardFinite(values, epoch + 1, s + 1, stepsPerEpoch, stepNumber, runDir, latest);
                foreach (var (k, v) in values) sums[k] = sums.GetValueOrDefault(k) + v * n;
                examples += n;
                var elapsed = clock.Elapsed;
                TimeSpan? eta = sessionSteps > 0 ? TimeSpan.FromSeconds(elapsed.TotalSeconds / sessionSteps * (totalSteps - step)) : null;
                observer.OnStep(new StepReport(epoch + 1, epochs, s + 1, stepsPerEpoch, stepNumber, totalSteps, values,
                    Means(sums, examples), elapsed, eta));
                return stopHere() && s + 1 < stepsPerEpoch;
            }

            // Data-parallel: each step's losses and stop request are summed over the ranks while the next step computes
            // (one collective fewer to wait for per step: measured 0.87x the whole command's time for the MLP VAE with
            // --nproc 2), and acted on one step later, the same on every rank. So a stop request or a non-finite loss
            // takes effect after the step following the one that saw it.
            StepAgreement? pending = null;
            try
            {
                for (long s = continuing ? state.StepInEpoch : 0; s < stepsPerEpoch; s++)
                {
                    long n;
                    Dictionary<string, double> values;
                    using (Torch.NewScope())
                    {
                        var indices = sampler.BatchOf(order, s);
                        n = indices.Shape[0];
                        session.Share = sampler.Share(s);
                        session.Noise?.ManualSeed(NoiseSeed(training.Seed, step, sampler.Rank));
                        var (x, _) = data.Train.Batch(indices);
                        var loss = model.TrainStep(x, new TrainingProgress(epoch, step, stepsPerEpoch, epochs), optimizers);
                        values = loss.Values();
                    }
                    step++;
                    sessionSteps++;
                    bool stopNow;
                    if (session.Group is { } group)
                    {
                        var current = StepAgreement.Start(group, values, n, cancel.IsCancellationRequested, s, step);
                        stopNow = false;
                        if (pending is not null)
                        {
                            var previous = pending.Finish();
                            pending.Dispose();
                            pending = current;
                            if (Report(previous.Values, previous.N, () => previous.Stop, previous.StepInEpoch, previous.StepNumber))
                            {
                                // Agreed to stop after the previous step: this one ran too, so it is reported and saved.
                                var latestStep = current.Finish();
                                pending = null;
                                current.Dispose();
                                stopNow = Report(latestStep.Values, latestStep.N, () => true, s, step);
                            }
                        }
                        else pending = current;
                    }
                    else stopNow = Report(values, n, () => cancel.IsCancellationRequested, s, step);

                    if (stopNow)
                    {
                        double epochSeconds = epochSecondsBefore + epochClock.Elapsed.TotalSeconds;
                        var partial = new TrainerState
                        {
                            EpochsDone = epoch, Step = step, StepInEpoch = s + 1,
                            SamplerRng = Convert.ToBase64String(samplerAtStart),
                            TrainSums = sums, TrainExamples = examples,
                            EpochSeconds = epochSeconds, TotalSeconds = totalSeconds + epochClock.Elapsed.TotalSeconds,
                            WorldSize = sampler.WorldSize,
                        };
                        var saved = Save(session, store, partial);
                        return new TrainingResult(TrainingOutcome.Interrupted, runDir, epoch, step, saved.Path, lastValidation);
                    }
                }
                // The epoch's last step: its agreement is waited for here (a stop request then acts at the epoch's end).
                if (pending is not null)
                {
                    var final = pending.Finish();
                    Report(final.Values, final.N, () => final.Stop, final.StepInEpoch, final.StepNumber);
                }
            }
            finally
            {
                pending?.Dispose();
            }

            // End of the epoch: validation, metrics, checkpoint. Data-parallel: rank 0's buffers (batch-norm
            // statistics) for every rank, so that every rank validates and saves the same model.
            double trainSeconds = epochSecondsBefore + epochClock.Elapsed.TotalSeconds;
            session.SyncBuffersFromRankZero();
            lastValidation = ValidationPass(model, data.Test, training);
            double seconds = epochSecondsBefore + epochClock.Elapsed.TotalSeconds;
            totalSeconds += epochClock.Elapsed.TotalSeconds;
            var report = new EpochReport(epoch + 1, epochs, step, Means(sums, examples), lastValidation.Means,
                optimizers[firstOptimizer].LearningRate, seconds, trainSeconds);
            if (IsWriter) metrics.Append(report);
            observer.OnEpochEnd(report);
            double valLoss = lastValidation.Means.GetValueOrDefault("loss", double.NaN);
            if (epoch == 0) firstValidation = valLoss;
            else if (!warnedDivergence && firstValidation is { } first && double.IsFinite(first) && first != 0 &&
                     double.IsFinite(valLoss) && valLoss > DivergenceFactor * Math.Abs(first))
            {
                warnedDivergence = true;
                observer.OnWarning(
                    $"training is diverging: validation loss {G4(valLoss)} at epoch {epoch + 1} is more than {DivergenceFactor:0} times " +
                    $"that of epoch 1 ({G4(first)}); lower the learning rate (--lr) and train again (run '{runDir}')");
            }
            bool last = epoch + 1 == epochs;
            bool stopRequested = cancel.IsCancellationRequested;
            if (session.Group is { } g) stopRequested = Agree(g, [], 0, stopRequested).Stop;
            bool stop = stopRequested && !last;
            if (last || stop || (epoch + 1) % training.CheckpointEvery == 0)
            {
                var full = new TrainerState
                {
                    EpochsDone = epoch + 1, Step = step, StepInEpoch = 0,
                    SamplerRng = Convert.ToBase64String(sampler.GetState()),
                    TotalSeconds = totalSeconds, WorldSize = sampler.WorldSize,
                };
                latest = Save(session, store, full).Name;
            }
            if (stop)
                return new TrainingResult(TrainingOutcome.Interrupted, runDir, epoch + 1, step, Path.Combine(store.Dir, latest!), lastValidation);
        }
        return new TrainingResult(TrainingOutcome.Completed, runDir, epochs, step, Path.Combine(store.Dir, latest!), lastValidation);
    }

    /// <summary>
    /// The validation pass, with the default generator seeded by the run's seed (as
    /// <see cref="RunFolder.Evaluate"/> does) and restored afterwards: stochastic terms (a VAE's
    /// sampled code) give the numbers <c>eval</c> prints for the same weights, and validation does
    /// not shift the random stream of training.
    /// </summary>
    private static EvaluationResult ValidationPass(AutoencoderModel model, TensorDataset test, TrainingConfig training)
    {
        var rng = Torch.GetRngState();
        try
        {
            Torch.ManualSeed((ulong)training.Seed);
            return Evaluator.Evaluate(model, test, training.EvalBatchSize);
        }
        finally
        {
            Torch.SetRngState(rng);
        }
    }

    /// <summary>
    /// Commits a checkpoint of the session with <paramref name="state"/> and refreshes the run folder's weights; on a
    /// rank other than 0 writes nothing and returns the checkpoint rank 0 writes (name and path).
    /// </summary>
    private (string Name, string Path) Save(Session session, CheckpointStore store, TrainerState state)
    {
        if (!IsWriter)
        {
            var name = CheckpointStore.NameFor(state);
            return (name, System.IO.Path.Combine(store.Dir, name));
        }
        var (model, optimizers, runDir, keep) = (session.Model, session.Optimizers, session.RunDir, session.Config.Training.KeepCheckpoints);
        state = state with
        {
            TrainDataHash = session.DataHash,
            DefaultRng = Convert.ToBase64String(Torch.GetRngState()),
            Optimizers = optimizers.Keys.ToList(),
            TrainCount = session.Data.Train.Count,
            TestCount = session.Data.Test.Count,
        };
        var files = new List<(string, Action<string>)> { (CheckpointStore.ModelFile, path => model.Save(path)) };
        foreach (var (name, opt) in optimizers)
            files.Add((CheckpointStore.OptimizerFile(name), path => opt.Save(path)));
        var checkpoint = store.Commit(CheckpointStore.NameFor(state), files, state, keep);
        // The run folder's copy for other tools: a plain copy then a rename, so it is byte-identical
        // to the checkpoint's weights (no second serialization; the checkpoint is the durable record
        // and what RunFolder.LoadModel reads).
        var weights = Path.Combine(runDir, RunFolder.WeightsFile);
        var tmp = Path.Combine(runDir, $".{RunFolder.WeightsFile}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.Copy(checkpoint.ModelPath, tmp);
            File.Move(tmp, weights, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw new IOException($"checkpoint '{checkpoint.Path}' was saved, but copying its weights to '{weights}' failed: {e.Message}", e);
        }
        observer.OnCheckpoint(new CheckpointReport(checkpoint.Path, state.EpochsDone, state.Step, state.Partial));
        return (checkpoint.Name, checkpoint.Path);
    }

    /// <summary>The seed of a data-parallel rank's training noise at <paramref name="step"/>: a fixed mix of the run's
    /// seed, the step and the rank, so that ranks draw different noise and a resumed run draws the same at any step
    /// without per-rank generator states in the checkpoint (which rank 0 alone writes).</summary>
    internal static ulong NoiseSeed(long seed, long step, int rank) =>
        unchecked(SamplerSeed(seed) ^ ((ulong)step * 0xBF58476D1CE4E5B9UL) ^ ((ulong)(rank + 1) * 0x94D049BB133111EBUL));

    /// <summary>
    /// Data-parallel: one step's <see cref="Agree"/> in flight, started right after the step and finished during the
    /// next: [v·n for each term (sorted by name), n, stop] summed over the ranks.
    /// </summary>
    private sealed class StepAgreement : IDisposable
    {
        private readonly List<string> keys;
        private readonly LatentSynth.Torch.Tensor buffer;
        private readonly IPendingCollective work;

        private StepAgreement(List<string> keys, LatentSynth.Torch.Tensor buffer, IPendingCollective work, long stepInEpoch, long stepNumber)
        {
            (this.keys, this.buffer, this.work, StepInEpoch, StepNumber) = (keys, buffer, work, stepInEpoch, stepNumber);
        }

        /// <summary>The step's index in its epoch (0-based).</summary>
        public long StepInEpoch { get; }

        /// <summary>The run's step count after the step.</summary>
        public long StepNumber { get; }

        public static StepAgreement Start(IDataParallelGroup group, Dictionary<string, double> values, long n, bool stop, long stepInEpoch, long stepNumber)
        {
            var keys = values.Keys.Order(StringComparer.Ordinal).ToList();
            var sums = new double[keys.Count + 2];
            for (int i = 0; i < keys.Count; i++) sums[i] = values[keys[i]] * n;
            sums[^2] = n;
            sums[^1] = stop ? 1 : 0;
            var buffer = LatentSynth.Torch.Tensor.From(sums, sums.Length).DetachFromScope();
            try
            {
                return new StepAgreement(keys, buffer, group.StartAllReduceSum([buffer]), stepInEpoch, stepNumber);
            }
            catch
            {
                buffer.Dispose();
                throw;
            }
        }

        /// <summary>Waits for the sums and returns the global batch's values, examples and stop request.</summary>
        public (Dictionary<string, double> Values, long N, bool Stop, long StepInEpoch, long StepNumber) Finish()
        {
            work.Wait();
            var (agreed, total, stop) = Read(keys, buffer.ToArray<double>());
            return (agreed, total, stop, StepInEpoch, StepNumber);
        }

        public void Dispose()
        {
            work.Dispose();
            buffer.Dispose();
        }
    }

    /// <summary>
    /// Data-parallel: the step's loss values as the whole global batch gives them (each rank's weighted by its
    /// examples), the global batch's examples, and whether any rank was asked to stop. One allreduce of
    /// [v·n for each term (sorted by name), n, stop]: a non-finite term on any rank is non-finite on all, so every
    /// rank stops at the same step with the same message.
    /// </summary>
    private static (Dictionary<string, double> Values, long N, bool Stop) Agree(IDataParallelGroup group, Dictionary<string, double> values, long n, bool stop)
    {
        var keys = values.Keys.Order(StringComparer.Ordinal).ToList();
        var buffer = new double[keys.Count + 2];
        for (int i = 0; i < keys.Count; i++) buffer[i] = values[keys[i]] * n;
        buffer[^2] = n;
        buffer[^1] = stop ? 1 : 0;
        using (Torch.NewScope())
        {
            var t = LatentSynth.Torch.Tensor.From(buffer, buffer.Length);
            group.AllReduceSum([t]);
            buffer = t.ToArray<double>();
        }
        return Read(keys, buffer);
    }

    /// <summary>The per-example means, examples and stop request from the summed [v·n …, n, stop].</summary>
    private static (Dictionary<string, double> Values, long N, bool Stop) Read(List<string> keys, double[] buffer)
    {
        long total = (long)Math.Round(buffer[^2]);
        var agreed = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < keys.Count; i++) agreed[keys[i]] = total == 0 ? double.NaN : buffer[i] / total;
        return (agreed, total, buffer[^1] > 0);
    }

    private static Dictionary<string, double> Means(Dictionary<string, double> sums, long examples)
    {
        var means = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (k, v) in sums) means[k] = examples == 0 ? double.NaN : v / examples;
        return means;
    }

    private static void GuardFinite(Dictionary<string, double> values, int epoch, long stepInEpoch, long stepsPerEpoch, long step,
        string runDir, string? latest)
    {
        if (values.Values.All(double.IsFinite)) return;
        // Name a term when one is at fault; the total only when every term is finite.
        var (term, value) = values.Where(kv => kv.Key != "loss").FirstOrDefault(kv => !double.IsFinite(kv.Value)) is { Key: not null } bad
            ? (bad.Key, bad.Value)
            : ("loss", values["loss"]);
        var kept = latest is null
            ? "no checkpoint had been written yet"
            : $"the last good checkpoint '{Path.Combine(runDir, "checkpoints", latest)}' stays the latest";
        throw new NonFiniteLossException(
            $"training stopped: loss term '{term}' is {Show(value)} at epoch {epoch}, step {stepInEpoch} of {stepsPerEpoch} (step {step} of the run); " +
            $"{kept}. Lower the learning rate (--lr) or check the data and the model's settings, then train again.",
            epoch, stepInEpoch, step, term, value, latest);
    }
}
