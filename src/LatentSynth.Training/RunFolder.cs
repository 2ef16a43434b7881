using LatentSynth.Data;
using LatentSynth.Models;
using LatentSynth.Torch;
using LatentSynth.Torch.IO;

namespace LatentSynth.Training;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// A run folder written by the <see cref="Trainer"/>, and what every reader of runs (<c>eval</c>,
/// <c>--resume</c>, the generation verbs) opens it with:
/// <list type="bullet">
/// <item><c>run.json</c>: the resolved config, <c>{"model": {"model": NAME, ...}, "training": {...}}</c>;</item>
/// <item><c>environment.json</c>: versions, BLAS, threads and git commit of each session (<see cref="RunEnvironment"/>);</item>
/// <item><c>checkpoints/</c>: the last complete checkpoints and the <c>latest</c> pointer (<see cref="CheckpointStore"/>);</item>
/// <item><c>model.safetensors</c>: a copy of the latest checkpoint's weights, for other tools;</item>
/// <item><c>metrics.csv</c>, <c>metrics.jsonl</c>: one row per epoch (<see cref="MetricsLog"/>).</item>
/// </list>
/// </summary>
/// <remarks>
/// <para><b>Which weights.</b> The latest complete checkpoint (<c>checkpoints/latest</c>) is the
/// authoritative record: it is committed atomically and its files' sizes are checked when it is
/// read. After each commit the trainer copies its <c>model.safetensors</c> over the run folder's
/// (copy to a temporary file, then rename), so the two are byte-identical; only a crash between
/// the commit and that copy can leave the run folder's copy one checkpoint behind, and the next
/// checkpoint refreshes it. <see cref="LoadModel(out Checkpoint?)"/> therefore reads the latest
/// checkpoint, and falls back to the run folder's <c>model.safetensors</c> only when the folder has
/// no checkpoints at all (a run shared or archived as <c>run.json</c> + <c>model.safetensors</c>).
/// <see cref="ModelWeightsPath"/> says which file that is.</para>
/// <para><b>Errors.</b> Everything a user can get wrong surfaces as an <see cref="ArgumentException"/>
/// (no such folder, not a run folder, an invalid <c>run.json</c>: <see cref="ConfigException"/>,
/// data of another shape) or an <see cref="IOException"/> (no weights, an incomplete checkpoint,
/// corrupt weights, weights that do not fit the model), with a one-line message naming the folder,
/// the file and, for weights, the tensor.</para>
/// </remarks>
public sealed class RunFolder
{
    /// <summary>Resolved config file name.</summary>
    public const string ConfigFile = "run.json";

    /// <summary>Name of the run folder's copy of the latest checkpoint's weights.</summary>
    public const string WeightsFile = "model.safetensors";

    private RunFolder(string dir, RunConfig config)
    {
        Dir = dir;
        Config = config;
        Checkpoints = new CheckpointStore(dir);
        Metrics = new MetricsLog(dir);
    }

    /// <summary>The folder (as given).</summary>
    public string Dir { get; }

    /// <summary>Its resolved config.</summary>
    public RunConfig Config { get; }

    /// <summary>The dataset the run was trained on (<c>training.data</c> of run.json).</summary>
    public string DataName => Config.Training.Data;

    /// <summary>Its checkpoints.</summary>
    public CheckpointStore Checkpoints { get; }

    /// <summary>Its metrics files.</summary>
    public MetricsLog Metrics { get; }

    /// <summary>Path of <c>run.json</c>.</summary>
    public string ConfigPath => Path.Combine(Dir, ConfigFile);

    /// <summary>Path of the run folder's <c>model.safetensors</c> (a copy of the latest checkpoint's weights).</summary>
    public string WeightsPath => Path.Combine(Dir, WeightsFile);

    /// <summary>Whether <paramref name="dir"/> holds a run (has a <c>run.json</c>).</summary>
    public static bool Exists(string dir) => File.Exists(Path.Combine(dir, ConfigFile));

    /// <summary>Opens the run in <paramref name="dir"/> and validates its config.</summary>
    /// <exception cref="ArgumentException">No such folder, a file instead of a folder, no run.json.</exception>
    /// <exception cref="ConfigException">run.json is unreadable, malformed or invalid (the message names it and each key).</exception>
    public static RunFolder Open(string dir)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        if (!Directory.Exists(dir))
            throw new ArgumentException(File.Exists(dir)
                ? $"run '{dir}' is a file; give the run folder (the one holding {ConfigFile} and {WeightsFile})"
                : $"run folder '{dir}' does not exist");
        if (!Exists(dir))
            throw new ArgumentException($"'{dir}' is not a run folder: it has no {ConfigFile} (is it a folder written by `latentsynth train`?)");
        var path = Path.Combine(dir, ConfigFile);
        RunConfig config;
        try
        {
            config = RunConfig.Load(path) with { InputShapeFromData = false };
        }
        catch (ConfigException e)
        {
            // Every problem names run.json (most already do, through the origin of their key).
            throw new ConfigException(e.Problems.Select(p => p.Contains(path, StringComparison.Ordinal) ? p : $"{path}: {p}").ToList(),
                $"run folder '{dir}' has an invalid {ConfigFile}: ");
        }
        return new RunFolder(dir, config);
    }

    /// <summary>The latest complete checkpoint.</summary>
    /// <exception cref="InvalidOperationException">The run has none yet.</exception>
    /// <exception cref="IOException">The checkpoint <c>latest</c> names is missing, incomplete or unreadable.</exception>
    public Checkpoint LatestCheckpoint() =>
        LatestOrNull() ?? throw new InvalidOperationException(NoCheckpointMessage());

    /// <summary>
    /// The latest checkpoint, or null when none was committed; a damaged one (incomplete,
    /// truncated, unreadable trainer.json) is an <see cref="IOException"/> that also names the
    /// newest intact earlier checkpoint and how to make it the latest.
    /// </summary>
    private Checkpoint? LatestOrNull()
    {
        if (Checkpoints.LatestName is not { } name) return null;
        try { return Checkpoints.Read(name); }
        catch (IOException e) { throw new IOException(e.Message + Checkpoints.FallbackAdvice(name), e); }
    }

    /// <summary>
    /// Loads the weights of <paramref name="checkpoint"/> into <paramref name="model"/> (see
    /// <see cref="LoadWeights"/>); when they are corrupt or not finite the message also names the
    /// newest intact earlier checkpoint and how to make it the latest.
    /// </summary>
    internal void LoadCheckpointWeights(AutoencoderModel model, Checkpoint checkpoint)
    {
        try { LoadWeights(model, checkpoint.ModelPath); }
        catch (IOException e) { throw new IOException(e.Message + Checkpoints.FallbackAdvice(checkpoint.Name), e); }
    }

    /// <summary>
    /// Why the run has no checkpoint: by its metrics.csv either it never finished an epoch, or it
    /// did and its checkpoints were removed (then say so, rather than blame the training).
    /// </summary>
    private string NoCheckpointMessage()
    {
        int logged = Metrics.EpochsLogged();
        if (logged == 0)
            return $"run '{Dir}' has no complete checkpoint yet (it stopped before the end of its first epoch): train it again";
        var weights = File.Exists(WeightsPath) ? $"; {WeightsPath} still serves eval and the generation verbs, but resuming needs a checkpoint" : "";
        return $"{Checkpoints.Dir} is missing or empty although {Metrics.CsvPath} records {Epochs(logged)}; " +
               $"put the run's checkpoints back (with {CheckpointStore.LatestFile} naming one) or start a new run{weights}";
    }

    /// <summary>
    /// The weights file <see cref="LoadModel(out Checkpoint?)"/> reads: the latest checkpoint's
    /// <c>model.safetensors</c>, or the run folder's <c>model.safetensors</c> when the run has no
    /// checkpoint (see the remarks of <see cref="RunFolder"/>).
    /// </summary>
    /// <exception cref="IOException">The run has neither, or its latest checkpoint is damaged.</exception>
    public string ModelWeightsPath => ResolveWeights(out _);

    private string ResolveWeights(out Checkpoint? checkpoint)
    {
        checkpoint = LatestOrNull();
        if (checkpoint is not null) return checkpoint.ModelPath;
        if (File.Exists(WeightsPath)) return WeightsPath;
        int logged = Metrics.EpochsLogged();
        throw new IOException(
            $"run folder '{Dir}' has no weights: no complete checkpoint in {Checkpoints.Dir} and no {WeightsFile} " +
            (logged == 0
                ? "(was training stopped before the end of its first epoch? train it again)"
                : $"although {Metrics.CsvPath} records {Epochs(logged)} (were they deleted or moved? put them back or train again)"));
    }

    private static string Epochs(int n) => n == 1 ? "1 epoch" : $"{n} epochs";

    /// <summary>
    /// Builds the run's model and loads its weights (see <see cref="ModelWeightsPath"/>), in
    /// evaluation mode. The caller owns the model.
    /// </summary>
    /// <exception cref="ArgumentException">The model cannot be built from run.json.</exception>
    /// <exception cref="IOException">No weights, a damaged checkpoint, corrupt weights, or weights that do not fit the model.</exception>
    public AutoencoderModel LoadModel() => LoadModel(out _);

    /// <summary>
    /// As <see cref="LoadModel()"/>; <paramref name="checkpoint"/> is the checkpoint the weights came
    /// from, or null when they came from the run folder's <c>model.safetensors</c>.
    /// </summary>
    public AutoencoderModel LoadModel(out Checkpoint? checkpoint)
    {
        var weights = ResolveWeights(out checkpoint);
        AutoencoderModel model;
        try
        {
            model = ModelRegistry.Create(Config.Model);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or TorchException)
        {
            throw new ArgumentException($"{ConfigPath}: cannot build model '{Config.Model.Model}': {e.Message}", e);
        }
        try
        {
            if (checkpoint is not null) LoadCheckpointWeights(model, checkpoint);
            else LoadWeights(model, weights);
            model.Eval();
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>
    /// Loads weights into <paramref name="model"/>. Problems become one-line
    /// <see cref="IOException"/>s naming the file and the tensor: corrupt or truncated files,
    /// weights that do not fit the model (every mismatching tensor), and weights holding NaN or
    /// infinite values (a model that computes nothing but NaN, caught here rather than as a
    /// <c>null</c> loss or NaN pictures later).
    /// </summary>
    internal static void LoadWeights(AutoencoderModel model, string path)
    {
        try
        {
            model.Load(path);
            using var state = model.StateDict();
            if (CheckpointStore.FirstNonFinite(state) is { } bad)
                throw new IOException($"{path}: tensor '{bad.Tensor}' holds {bad.Count} NaN or infinite value{(bad.Count == 1 ? "" : "s")}; these weights are unusable");
        }
        catch (StateDictException e)
        {
            throw new IOException($"{path} does not fit model '{model.Config.Model}' of {ConfigFile}: {string.Join("; ", e.Problems)}", e);
        }
        catch (SafeTensorsException e)
        {
            throw new IOException($"corrupt weights: {e.Message}", e); // the message names the file and the tensor
        }
        catch (TorchException e)
        {
            throw new IOException($"{path} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// The whole train and test splits of dataset <paramref name="name"/> (default: the run's
    /// <see cref="DataName"/>), loaded from <paramref name="source"/> and checked against the model's
    /// <c>input_shape</c>. Unlike <see cref="Evaluate"/>, the run's <c>limit_train</c>/<c>limit_test</c>
    /// do not apply: the generation verbs pick examples from the whole dataset. The caller owns the splits.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown dataset, or examples of another shape than the model takes.</exception>
    /// <exception cref="IOException">The data cannot be read.</exception>
    public DatasetSplits LoadData(IDatasetSource source, string? name = null, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var dataName = string.IsNullOrWhiteSpace(name) ? DataName : name.Trim();
        var splits = source.Load(dataName, warn);
        var expected = Config.Model.InputShape;
        foreach (var split in new[] { splits.Train, splits.Test })
        {
            if (split.ItemShape.AsSpan().SequenceEqual(expected)) continue;
            var shape = Shape(split.ItemShape);
            splits.Dispose();
            throw new ArgumentException(
                $"dataset '{dataName}' has examples of shape {shape} but the model of run '{Dir}' takes {Shape(expected)}" +
                (dataName == DataName ? "" : $"; choose data shaped like the run's own ('{DataName}')"));
        }
        return splits;
    }

    private static string Shape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>
    /// The test-set loss and each term per example of the run's weights (see
    /// <see cref="ModelWeightsPath"/>), computed on the run's test split (its <c>limit_test</c>
    /// applies), with the default generator seeded by the run's seed so that stochastic terms give
    /// the same numbers every time. The checkpoint is null when the weights came from the run
    /// folder's <c>model.safetensors</c>.
    /// </summary>
    public (EvaluationResult Result, Checkpoint? Checkpoint) Evaluate(IDatasetSource source, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var model = LoadModel(out var checkpoint);
        using var data = Trainer.LoadData(source, Config.Training, warn);
        Trainer.CheckShape(model, data, Config.Training.Data);
        Torch.ManualSeed((ulong)Config.Training.Seed);
        return (Evaluator.Evaluate(model, data.Test, Config.Training.EvalBatchSize), checkpoint);
    }
}
