using LatentSynth.Torch.IO;
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
public sealed partial class Trainer
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

    /// <summary>
    /// The process group of data-parallel training, or null (default) to train alone. With a group, every rank runs
    /// the same Train or Resume call on the same run folder (which must be on a file system every rank reads): the
    /// parameters start from rank 0's, each rank trains on its share of every global batch (batch_size per rank;
    /// <see cref="BatchSampler"/>), gradients are averaged before every optimizer step, the step's losses and the
    /// stop request are agreed over the ranks, and rank 0 alone writes run.json, metrics and checkpoints. A resume
    /// needs the world size the run was trained with. See docs/distributed.md.
    /// </summary>
    public IDataParallelGroup? Group { get; init; }

    /// <summary>
    /// Whether Train and Resume apply the thread plan of the model's workload (<see cref="ThreadPlans.Apply"/>,
    /// environment overrides included) before the first step. Default true; false keeps the caller's threads.
    /// </summary>
    public bool ApplyThreadPlan { get; init; } = true;

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
        if (IsWriter && RunFolder.Exists(runDir))
            throw new ArgumentException($"'{runDir}' already holds a run ({RunFolder.ConfigFile}); continue it with --resume {runDir}, or choose another --out");

        using var data = LoadData(datasets, config.Training, warn);
        if (config.InputShapeFromData) config = WithShapeOf(config, data);
        using var session = Prepare(config, runDir, data, resumedFrom: null, DataHash(data.Train), Group);
        PlanThreads(session.Model);
        if (IsWriter)
        {
            Directory.CreateDirectory(runDir);
            AtomicFile.WriteAllText(Path.Combine(runDir, RunFolder.ConfigFile), config.ToJson());
            RunEnvironment.Record(runDir, RunEnvironment.Capture("start", group: Group));
        }
        Group?.Barrier();
        session.State = new TrainerState { SamplerRng = Convert.ToBase64String(session.Sampler.GetState()), WorldSize = WorldSize };
        return Loop(session, cancel);
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
        if (state.WorldSize != WorldSize)
            throw new InvalidOperationException(
                $"run '{runDir}' was trained on {state.WorldSize} process(es) and this resume has {WorldSize}: the batches and their split among the processes " +
                $"would differ, so it would not continue the same run; resume with --nproc {state.WorldSize} (or the same WORLD_SIZE), or start a new run from its weights");
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
        using var session = Prepare(config, runDir, data, checkpoint.Name, dataHash, Group);
        PlanThreads(session.Model);
        session.State = state;
        run.LoadCheckpointWeights(session.Model, checkpoint);
        var names = session.Optimizers.Keys.Order(StringComparer.Ordinal).ToList();
        if (!names.SequenceEqual(state.Optimizers.Order(StringComparer.Ordinal)))
            throw new IOException($"checkpoint '{checkpoint.Path}' holds optimizers [{string.Join(", ", state.Optimizers)}] but the model uses [{string.Join(", ", names)}]");
        foreach (var (name, opt) in session.Optimizers)
        {
            try { opt.Load(checkpoint.OptimizerPath(name)); }
            catch (StateDictException ex) { throw new IOException($"optimizer '{name}' state in '{checkpoint.Path}' does not fit: {ex.Message}", ex); }
        }
        try
        {
            session.Sampler.SetState(Convert.FromBase64String(state.SamplerRng));
            Torch.SetRngState(Convert.FromBase64String(state.DefaultRng));
        }
        catch (Exception ex) when (ex is FormatException or TorchException)
        {
            throw new IOException($"checkpoint '{checkpoint.Path}': random generator states are unreadable: {ex.Message}", ex);
        }
        if (IsWriter)
        {
            if (config.Training.Epochs != run.Config.Training.Epochs || run.Config.Training.Out != runDir)
                AtomicFile.WriteAllText(run.ConfigPath, config.ToJson());
            run.Metrics.Truncate(state.EpochsDone);
            RunEnvironment.Record(runDir, RunEnvironment.Capture("resume", checkpoint.Name, Group));
        }
        // Every rank loaded the same checkpoint; rank 0's copy is made the one truth all the same.
        session.SyncFromRankZero();
        Group?.Barrier();
        return Loop(session, cancel);
    }

    /// <summary>
    /// What one training call works on: the config, the run folder, the data (owned by the caller), the
    /// model, its optimizers and the batch sampler (owned here), the trainer state to start from, the
    /// checkpoint resumed from and the data's fingerprint. Train and Resume build it with the same
    /// <see cref="Prepare"/>, then differ only in where the state comes from.
    /// </summary>
    private sealed class Session(RunConfig config, string runDir, DatasetSplits data, AutoencoderModel model,
        IReadOnlyDictionary<string, Optimizer> optimizers, BatchSampler sampler, string? resumedFrom, string dataHash,
        IDataParallelGroup? group) : IDisposable
    {
        public IDataParallelGroup? Group { get; } = group;
        /// <summary>This rank's share of the current global batch (<see cref="BatchSampler.Share"/>), the weight of its gradients.</summary>
        public double Share { get; set; } = 1;
        /// <summary>Data-parallel: the training noise's generator, re-seeded every step from (seed, step, rank).</summary>
        public Generator? Noise { get; set; }

        /// <summary>Data-parallel: makes every rank's buffers rank 0's (batch-norm statistics differ by shard).</summary>
        public void SyncBuffersFromRankZero()
        {
            if (Group is null) return;
            var buffers = Model.Buffers().ToList();
            if (buffers.Count > 0) Group.Broadcast(buffers, 0);
        }

        /// <summary>Data-parallel: makes every rank's parameters and buffers rank 0's.</summary>
        public void SyncFromRankZero()
        {
            if (Group is null) return;
            var tensors = Model.Parameters().Cast<Tensor>().Concat(Model.Buffers()).ToList();
            using (Torch.NoGrad()) Group.Broadcast(tensors, 0);
        }

        public RunConfig Config { get; } = config;
        public string RunDir { get; } = runDir;
        public DatasetSplits Data { get; } = data;
        public AutoencoderModel Model { get; } = model;
        public IReadOnlyDictionary<string, Optimizer> Optimizers { get; } = optimizers;
        public BatchSampler Sampler { get; } = sampler;
        public string? ResumedFrom { get; } = resumedFrom;
        public string DataHash { get; } = dataHash;
        public TrainerState State { get; set; } = new();

        /// <summary>Data-parallel: the optimizers' gradient averaging (<see cref="IDataParallelGroup.AverageGradientsOf"/>), detached first on dispose.</summary>
        public List<IDisposable> Attachments { get; } = [];

        public void Dispose()
        {
            foreach (var a in Attachments) a.Dispose();
            foreach (var o in Optimizers.Values) o.Dispose();
            Sampler.Dispose();
            Model.Dispose();
            Noise?.Dispose();
        }
    }

    /// <summary>Whether this process writes the run folder: alone, or rank 0 of a group.</summary>
    private bool IsWriter => Group is null || Group.Rank == 0;

    /// <summary>The number of processes training the run (1 alone).</summary>
    private int WorldSize => Group?.WorldSize ?? 1;

    /// <summary>The training processes on this machine (data-parallel: LOCAL_WORLD_SIZE); they share its cores in the thread plan. Default 1.</summary>
    public int LocalWorkers { get; init; } = 1;

    private void PlanThreads(AutoencoderModel model)
    {
        if (ApplyThreadPlan) ThreadPlans.Apply(model.Workload, Math.Max(1, LocalWorkers), warn);
    }

    /// <summary>The set-up Train and Resume share: seed, model, sampler, the one-batch sanity check, optimizers.</summary>
    private static Session Prepare(RunConfig config, string runDir, DatasetSplits data, string? resumedFrom, string dataHash, IDataParallelGroup? group)
    {
        Torch.ManualSeed((ulong)config.Training.Seed);
        var model = ModelRegistry.Create(config.Model);
        BatchSampler? sampler = null;
        try
        {
            sampler = new BatchSampler(data.Train.Count, config.Training.BatchSize, shuffle: true, SamplerSeed(config.Training.Seed),
                rank: group?.Rank ?? 0, worldSize: group?.WorldSize ?? 1);
            if (sampler.BatchesPerEpoch == 0)
                throw new ArgumentException($"data '{config.Training.Data}' has {data.Train.Count} training examples, too few for {sampler.WorldSize} processes (each needs at least one per batch)");
            SanityCheck(model, data, config);
            var session = new Session(config, runDir, data, model, model.CreateOptimizers(config.Training.Lr), sampler, resumedFrom, dataHash, group);
            if (group is not null)
            {
                session.SyncFromRankZero();
                foreach (var opt in session.Optimizers.Values)
                    session.Attachments.Add(group.AverageGradientsOf(opt, () => session.Share));
                session.Noise = new Generator((ulong)config.Training.Seed);
                model.NoiseGenerator = session.Noise;
            }
            return session;
        }
        catch
        {
            sampler?.Dispose();
            model.Dispose();
            throw;
        }
    }
}
