using LatentSynth.Torch.IO;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using LatentSynth.Data;
using LatentSynth.Models;
using LatentSynth.Torch;
using LatentSynth.Torch.Optim;

namespace LatentSynth.Training;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>How a call to the trainer ended.</summary>
public enum TrainingOutcome
{
    /// <summary>Every planned epoch ran.</summary>
    Completed,

    /// <summary>Cancelled (Ctrl-C): the current step finished and a checkpoint was saved.</summary>
    Interrupted,
}

/// <summary>The end of a training call.</summary>
/// <param name="Outcome">Completed or interrupted.</param>
/// <param name="RunDir">The run folder.</param>
/// <param name="EpochsDone">Complete epochs.</param>
/// <param name="Step">Steps done in the whole run.</param>
/// <param name="Checkpoint">The latest checkpoint's folder.</param>
/// <param name="LastValidation">The last validation pass of this call, or null when none ran.</param>
public sealed record TrainingResult(TrainingOutcome Outcome, string RunDir, int EpochsDone, long Step, string Checkpoint,
    EvaluationResult? LastValidation)
{
    /// <summary>The command that continues the run.</summary>
    public string ResumeCommand => $"latentsynth train --resume {RunDir}";
}

/// <summary>
/// Trains a model of the zoo: a one-batch sanity check, then epochs of
/// <see cref="AutoencoderModel.TrainStep"/> over shuffled batches, a validation pass per epoch,
/// metrics, atomic checkpoints, exact resume, a NaN guard and clean cancellation.
/// </summary>
/// <remarks>
/// <para><b>Randomness.</b> <see cref="TrainingConfig.Seed"/> seeds the default generator before
/// the model is built (initial weights, then every random draw of the losses) and, through
/// <see cref="SamplerSeed"/>, the batch sampler's own generator (the order of the batches). Both
/// states go into every checkpoint, so a resumed run draws exactly the numbers the uninterrupted
/// run would have drawn and ends with bit-identical weights. The sanity check leaves the default
/// generator as it found it, and so does the validation pass, which draws from the default generator
/// seeded by the run's seed, exactly as <see cref="RunFolder.Evaluate"/> does: <c>eval</c> of the
/// latest checkpoint prints the last validation numbers.</para>
/// <para><b>Cancellation.</b> When the token is cancelled the trainer finishes the current step,
/// saves a checkpoint (mid-epoch if need be, with the partial sums of the epoch's metrics) and
/// returns <see cref="TrainingOutcome.Interrupted"/>.</para>
/// <para><b>Memory.</b> Every step and every validation batch runs in its own dispose scope, so
/// the number of live tensors does not grow from one epoch to the next.</para>
/// </remarks>
public sealed class Trainer
{
    private readonly IDatasetSource datasets;
    private readonly ITrainingObserver observer;
    private readonly Action<string>? warn;

    /// <summary>Creates a trainer that loads data from <paramref name="datasets"/> and reports to <paramref name="observer"/>.</summary>
    public Trainer(IDatasetSource datasets, ITrainingObserver? observer = null, Action<string>? warn = null)
    {
        this.datasets = datasets ?? throw new ArgumentNullException(nameof(datasets));
        this.observer = observer ?? NullTrainingObserver.Instance;
        this.warn = warn;
    }

    /// <summary>
    /// A validation loss more than this many times its first epoch's (in absolute value) draws one
    /// warning naming the epoch. A healthy run's validation loss falls or levels off after epoch 1,
    /// and even noisy runs stay within a small multiple of it; three orders of magnitude above an
    /// untrained-ish first epoch is no fluctuation but divergence (a learning rate far too high:
    /// <c>--lr 1.0</c> gives 1e22 and more without ever reaching NaN, so the NaN guard never fires).
    /// </summary>
    public const double DivergenceFactor = 1e3;

    /// <summary>Test hook passed to the checkpoint store (see <see cref="CheckpointStore.Hook"/>).</summary>
    internal Action<string>? CheckpointHook { get; set; }

    /// <summary>The seed of the batch sampler's generator, derived from the run's seed (a fixed odd-multiplier mix, so the two streams differ).</summary>
    public static ulong SamplerSeed(long seed) => unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL);

    /// <summary>
    /// Starts a new run in <see cref="TrainingConfig.Out"/> (which must not hold a run yet) and
    /// trains it for <see cref="TrainingConfig.Epochs"/> epochs or until <paramref name="cancel"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The config is invalid, the folder holds a run, or the data do not fit the model.</exception>
    /// <exception cref="NonFiniteLossException">A loss became NaN or infinite.</exception>
    /// <exception cref="IOException">Data or checkpoint I/O failed.</exception>
    public TrainingResult Train(RunConfig config, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        Validate(config);
        var runDir = config.Training.Out;
        if (RunFolder.Exists(runDir))
            throw new ArgumentException($"'{runDir}' already holds a run ({RunFolder.ConfigFile}); continue it with --resume {runDir}, or choose another --out");

        using var data = LoadData(datasets, config.Training, warn);
        if (config.InputShapeFromData) config = WithShapeOf(config, data);
        Torch.ManualSeed((ulong)config.Training.Seed);
        using var model = ModelRegistry.Create(config.Model);
        using var sampler = new BatchSampler(data.Train.Count, config.Training.BatchSize, shuffle: true, SamplerSeed(config.Training.Seed));
        SanityCheck(model, data, config);

        Directory.CreateDirectory(runDir);
        AtomicFile.WriteAllText(Path.Combine(runDir, RunFolder.ConfigFile), config.ToJson());
        RunEnvironment.Record(runDir, RunEnvironment.Capture("start"));
        var optimizers = model.CreateOptimizers(config.Training.Lr);
        try
        {
            var state = new TrainerState { SamplerRng = Convert.ToBase64String(sampler.GetState()) };
            return Loop(config, runDir, data, model, optimizers, sampler, state, resumedFrom: null, DataHash(data.Train), cancel);
        }
        finally
        {
            foreach (var o in optimizers.Values) o.Dispose();
        }
    }

    /// <summary>
    /// Continues the run in <paramref name="runDir"/> from its latest checkpoint, exactly where it
    /// stopped; <paramref name="epochs"/>, when given, changes the planned number of epochs (to
    /// extend a finished run).
    /// </summary>
    /// <exception cref="ArgumentException">Not a run folder, an invalid config or epoch count.</exception>
    /// <exception cref="InvalidOperationException">No checkpoint yet, or the run already finished its epochs.</exception>
    /// <exception cref="NonFiniteLossException">A loss became NaN or infinite.</exception>
    /// <exception cref="IOException">Data or checkpoint I/O failed, or the checkpoint does not fit the model.</exception>
    public TrainingResult Resume(string runDir, int? epochs = null, CancellationToken cancel = default) =>
        Resume(runDir, epochs, allowDataChange: false, cancel);

    /// <summary>
    /// As <see cref="Resume(string, int?, CancellationToken)"/>; when the training data's fingerprint
    /// (<see cref="DataHash"/>) differs from the one the checkpoint recorded, the resume is refused
    /// unless <paramref name="allowDataChange"/>, which turns the refusal into one warning.
    /// </summary>
    /// <exception cref="InvalidOperationException">As above, or the data changed and <paramref name="allowDataChange"/> is false.</exception>
    public TrainingResult Resume(string runDir, int? epochs, bool allowDataChange, CancellationToken cancel = default)
    {
        var run = RunFolder.Open(runDir);
        var config = run.Config with { Training = run.Config.Training with { Out = runDir } };
        var checkpoint = run.LatestCheckpoint();
        var state = checkpoint.State;
        if (epochs is { } e)
        {
            if (e < 1) throw new ArgumentException($"--epochs must be at least 1, got {e}");
            config = config with { Training = config.Training with { Epochs = e } };
        }
        Validate(config);
        int total = config.Training.Epochs;
        if (state.EpochsDone >= total)
            throw new InvalidOperationException(state.EpochsDone > total
                ? $"--epochs {total}: run '{runDir}' has already done {state.EpochsDone} epochs"
                : $"run '{runDir}' already finished its {total} epochs; pass --epochs N with N > {total} to train it further");

        using var data = LoadData(datasets, config.Training, warn);
        if (state.TrainCount > 0 && (state.TrainCount != data.Train.Count || state.TestCount != data.Test.Count))
            throw new InvalidOperationException(
                $"data '{config.Training.Data}' now has {data.Train.Count} training / {data.Test.Count} test examples, but run '{runDir}' was trained on " +
                $"{state.TrainCount} / {state.TestCount}: resuming would not continue the same run (start a new run instead)");
        var dataHash = DataHash(data.Train);
        if (state.TrainDataHash.Length > 0 && state.TrainDataHash != dataHash)
        {
            var what = $"the training examples of data '{config.Training.Data}' changed since checkpoint '{checkpoint.Path}' was written " +
                       $"(it recorded {state.TrainDataHash}, the data now hash to {dataHash})";
            if (!allowDataChange)
                throw new InvalidOperationException($"{what}: resuming would train on different data; start a new run, or pass --allow-data-change to continue anyway");
            warn?.Invoke($"{what}; continuing on the new data (--allow-data-change)");
        }
        Torch.ManualSeed((ulong)config.Training.Seed);
        using var model = ModelRegistry.Create(config.Model);
        run.LoadCheckpointWeights(model, checkpoint);
        using var sampler = new BatchSampler(data.Train.Count, config.Training.BatchSize, shuffle: true, SamplerSeed(config.Training.Seed));
        SanityCheck(model, data, config);
        var optimizers = model.CreateOptimizers(config.Training.Lr);
        try
        {
            var names = optimizers.Keys.Order(StringComparer.Ordinal).ToList();
            if (!names.SequenceEqual(state.Optimizers.Order(StringComparer.Ordinal)))
                throw new IOException($"checkpoint '{checkpoint.Path}' holds optimizers [{string.Join(", ", state.Optimizers)}] but the model uses [{string.Join(", ", names)}]");
            foreach (var (name, opt) in optimizers)
            {
                try { opt.Load(checkpoint.OptimizerPath(name)); }
                catch (StateDictException ex) { throw new IOException($"optimizer '{name}' state in '{checkpoint.Path}' does not fit: {ex.Message}", ex); }
            }
            try
            {
                sampler.SetState(Convert.FromBase64String(state.SamplerRng));
                Torch.SetRngState(Convert.FromBase64String(state.DefaultRng));
            }
            catch (Exception ex) when (ex is FormatException or TorchException)
            {
                throw new IOException($"checkpoint '{checkpoint.Path}': random generator states are unreadable: {ex.Message}", ex);
            }
            if (config.Training.Epochs != run.Config.Training.Epochs || run.Config.Training.Out != runDir)
                AtomicFile.WriteAllText(run.ConfigPath, config.ToJson());
            run.Metrics.Truncate(state.EpochsDone);
            RunEnvironment.Record(runDir, RunEnvironment.Capture("resume", checkpoint.Name));
            return Loop(config, runDir, data, model, optimizers, sampler, state, checkpoint.Name, dataHash, cancel);
        }
        finally
        {
            foreach (var o in optimizers.Values) o.Dispose();
        }
    }

    /// <summary>
    /// The trainer's check of a config: free for one built by <see cref="RunConfigBuilder"/> (already
    /// validated), a real check for one a caller built or changed by hand (<see cref="RunConfig.EnsureValid"/>).
    /// </summary>
    private static void Validate(RunConfig config) => config.EnsureValid();

    /// <summary>Takes <c>input_shape</c> from the data and runs the checks that depend on it (the rest passed before).</summary>
    private static RunConfig WithShapeOf(RunConfig config, DatasetSplits data)
    {
        var shape = data.Train.ItemShape;
        config = config with { Model = config.Model with { InputShape = shape }, InputShapeFromData = false };
        var problems = config.Model.InputShapeProblems().ToList();
        if (problems.Count > 0)
            throw new ConfigException(problems.Select(p => $"model.{p} (input_shape {Shape(shape)} is that of the data '{config.Training.Data}')").ToList());
        config.MarkValid();
        return config;
    }

    /// <summary>
    /// Loads the splits named by <see cref="TrainingConfig.Data"/> and applies the limits; the caller
    /// owns the result.
    /// </summary>
    /// <exception cref="ArgumentException">A split is empty.</exception>
    public static DatasetSplits LoadData(IDatasetSource source, TrainingConfig training, Action<string>? warn)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(training);
        DatasetSplits splits;
        try { splits = source.Load(training.Data, warn); }
        catch (Exception e) when (e is InvalidDataException or FormatException or UnauthorizedAccessException)
        {
            throw new IOException($"data '{training.Data}' cannot be loaded: {e.Message}", e);
        }
        var train = splits.Train;
        var test = splits.Test;
        try
        {
            if (training.LimitTrain is { } lt && lt < train.Count) train = train.Take(lt);
            if (training.LimitTest is { } ls && ls < test.Count) test = test.Take(ls);
        }
        catch
        {
            if (!ReferenceEquals(train, splits.Train)) train.Dispose();
            splits.Dispose();
            throw;
        }
        if (!ReferenceEquals(train, splits.Train)) splits.Train.Dispose();
        if (!ReferenceEquals(test, splits.Test)) splits.Test.Dispose();
        var result = new DatasetSplits(train, test);
        if (train.Count == 0 || test.Count == 0)
        {
            result.Dispose();
            throw new ArgumentException($"data '{training.Data}': the {(train.Count == 0 ? "training" : "test")} split is empty; training needs examples in both");
        }
        return result;
    }

    /// <summary>
    /// The fingerprint of a training split, <c>sha256:HEX</c>: SHA-256 over its example shape
    /// (count and item dimensions, as little-endian 64-bit integers) and the float32 bytes of every
    /// example in order. Computed once per training call, in chunks (no copy of the whole split);
    /// SHA-256 because it is built into .NET and fast enough (hundreds of MB/s with the CPU's
    /// SHA instructions), so no package is needed.
    /// </summary>
    public static string DataHash(TensorDataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var shape = new long[] { train.Count }.Concat(train.ItemShape).ToArray();
        sha.AppendData(MemoryMarshal.AsBytes(shape.AsSpan()));
        long item = Math.Max(1, train.ItemSize);
        long chunk = Math.Max(1, (1L << 20) / item); // about 4 MB of floats at a time
        var buffer = new float[checked((int)(Math.Min(chunk, Math.Max(1, train.Count)) * item))];
        for (long start = 0; start < train.Count; start += chunk)
        {
            long n = Math.Min(chunk, train.Count - start);
            using var scope = Torch.NewScope();
            var part = train.Examples.Narrow(0, start, n);
            if (part.DType != DType.Float32) part = part.To(DType.Float32);
            var span = buffer.AsSpan(0, checked((int)(n * item)));
            part.Contiguous().CopyTo<float>(span);
            sha.AppendData(MemoryMarshal.AsBytes(span));
        }
        return "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Refuses data whose example shape differs from the model's <c>input_shape</c>.</summary>
    /// <exception cref="SanityCheckException">The shapes differ.</exception>
    internal static void CheckShape(AutoencoderModel model, DatasetSplits data, string dataName)
    {
        var shape = data.Train.ItemShape;
        if (!shape.AsSpan().SequenceEqual(model.InputShape) || !data.Test.ItemShape.AsSpan().SequenceEqual(model.InputShape))
            throw new SanityCheckException(
                $"the data '{dataName}' has examples of shape {Shape(shape)} but model '{model.Config.Model}' expects " +
                $"input_shape {Shape(model.InputShape)}: remove input_shape from the config (it is then taken from the data) or choose matching data");
    }

    /// <summary>
    /// Runs the loss on one batch before training, in evaluation mode and without gradients, and
    /// turns what goes wrong into a message naming the data's shape and the model's input_shape.
    /// The default generator is left as it was.
    /// </summary>
    private static void SanityCheck(AutoencoderModel model, DatasetSplits data, RunConfig config)
    {
        var dataName = config.Training.Data;
        CheckShape(model, data, dataName);
        long n = Math.Min(config.Training.BatchSize, data.Train.Count);
        var batchShape = Shape(new[] { n }.Concat(data.Train.ItemShape));
        string Where() => $"on one batch of '{dataName}' (batch shape {batchShape}; model '{model.Config.Model}' with input_shape {Shape(model.InputShape)})";
        var rng = Torch.GetRngState();
        try
        {
            using var mode = model.Inference();
            using var scope = Torch.NewScope();
            var (x, _) = data.Train.Range(0, n);
            LossTerms loss;
            try
            {
                loss = model.Loss(x, new TrainingProgress(0, 0, 1, config.Training.Epochs));
            }
            catch (Exception e) when (e is TorchException or ArgumentException or InvalidOperationException or IndexOutOfRangeException)
            {
                throw new SanityCheckException($"sanity check failed: the model could not compute its loss {Where()}: {e.Message}", e);
            }
            foreach (var (name, t) in loss.Terms.Prepend(new KeyValuePair<string, Tensor>("loss", loss.Total)))
                if (t.NumEl != 1)
                    throw new SanityCheckException($"sanity check failed: loss term '{name}' has shape {Shape(t.Shape)} {Where()}; every term must be one number (a per-example mean)");
            foreach (var (name, v) in loss.Values())
                if (!double.IsFinite(v))
                    throw new SanityCheckException($"sanity check failed: loss term '{name}' is {Show(v)} before any training {Where()}: check the data's value range (for example [0, 1] for recon=bce) and the model's settings");
        }
        finally
        {
            Torch.SetRngState(rng);
        }
    }

    private static string Shape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";

    private static string G4(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    private static string Show(double v) => double.IsNaN(v) ? "NaN" : double.IsPositiveInfinity(v) ? "+inf" : double.IsNegativeInfinity(v) ? "-inf" : v.ToString("R", CultureInfo.InvariantCulture);

    private TrainingResult Loop(RunConfig config, string runDir, DatasetSplits data, AutoencoderModel model,
        IReadOnlyDictionary<string, Optimizer> optimizers, BatchSampler sampler, TrainerState state, string? resumedFrom, string dataHash, CancellationToken cancel)
    {
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

        var session = Stopwatch.StartNew();
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

            for (long s = continuing ? state.StepInEpoch : 0; s < stepsPerEpoch; s++)
            {
                long start = s * training.BatchSize;
                long n = Math.Min(training.BatchSize, data.Train.Count - start);
                Dictionary<string, double> values;
                using (Torch.NewScope())
                {
                    var (x, _) = data.Train.Batch(order.Narrow(0, start, n));
                    var loss = model.TrainStep(x, new TrainingProgress(epoch, step, stepsPerEpoch, epochs), optimizers);
                    values = loss.Values();
                }
                GuardFinite(values, epoch + 1, s + 1, stepsPerEpoch, step + 1, runDir, latest);
                foreach (var (k, v) in values) sums[k] = sums.GetValueOrDefault(k) + v * n;
                examples += n;
                step++;
                sessionSteps++;

                var elapsed = session.Elapsed;
                TimeSpan? eta = sessionSteps > 0 ? TimeSpan.FromSeconds(elapsed.TotalSeconds / sessionSteps * (totalSteps - step)) : null;
                observer.OnStep(new StepReport(epoch + 1, epochs, s + 1, stepsPerEpoch, step, totalSteps, values,
                    Means(sums, examples), elapsed, eta));

                if (cancel.IsCancellationRequested && s + 1 < stepsPerEpoch)
                {
                    double epochSeconds = epochSecondsBefore + epochClock.Elapsed.TotalSeconds;
                    var partial = new TrainerState
                    {
                        EpochsDone = epoch, Step = step, StepInEpoch = s + 1,
                        SamplerRng = Convert.ToBase64String(samplerAtStart),
                        TrainSums = sums, TrainExamples = examples,
                        EpochSeconds = epochSeconds, TotalSeconds = totalSeconds + epochClock.Elapsed.TotalSeconds,
                    };
                    var saved = Save(store, model, optimizers, partial, training.KeepCheckpoints, runDir, data.Train.Count, data.Test.Count, dataHash);
                    return new TrainingResult(TrainingOutcome.Interrupted, runDir, epoch, step, saved.Path, lastValidation);
                }
            }

            // End of the epoch: validation, metrics, checkpoint.
            lastValidation = ValidationPass(model, data.Test, training);
            double seconds = epochSecondsBefore + epochClock.Elapsed.TotalSeconds;
            totalSeconds += epochClock.Elapsed.TotalSeconds;
            var report = new EpochReport(epoch + 1, epochs, step, Means(sums, examples), lastValidation.Means,
                optimizers[firstOptimizer].LearningRate, seconds);
            metrics.Append(report);
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
            bool stop = cancel.IsCancellationRequested && !last;
            if (last || stop || (epoch + 1) % training.CheckpointEvery == 0)
            {
                var full = new TrainerState
                {
                    EpochsDone = epoch + 1, Step = step, StepInEpoch = 0,
                    SamplerRng = Convert.ToBase64String(sampler.GetState()),
                    TotalSeconds = totalSeconds,
                };
                latest = Save(store, model, optimizers, full, training.KeepCheckpoints, runDir, data.Train.Count, data.Test.Count, dataHash).Name;
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

    private Checkpoint Save(CheckpointStore store, AutoencoderModel model, IReadOnlyDictionary<string, Optimizer> optimizers,
        TrainerState state, int keep, string runDir, long trainCount, long testCount, string dataHash)
    {
        state = state with
        {
            TrainDataHash = dataHash,
            DefaultRng = Convert.ToBase64String(Torch.GetRngState()),
            Optimizers = optimizers.Keys.ToList(),
            TrainCount = trainCount,
            TestCount = testCount,
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
        return checkpoint;
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
