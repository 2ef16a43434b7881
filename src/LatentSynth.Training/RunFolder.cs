using LatentSynth.Data;
using LatentSynth.Models;
using LatentSynth.Torch;

namespace LatentSynth.Training;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// A run folder written by the <see cref="Trainer"/>:
/// <list type="bullet">
/// <item><c>run.json</c>: the resolved config, <c>{"model": {"model": NAME, ...}, "training": {...}}</c>;</item>
/// <item><c>environment.json</c>: versions, BLAS, threads and git commit of each session (<see cref="RunEnvironment"/>);</item>
/// <item><c>model.safetensors</c>: the weights of the latest checkpoint (a copy for other tools);</item>
/// <item><c>metrics.csv</c>, <c>metrics.jsonl</c>: one row per epoch (<see cref="MetricsLog"/>);</item>
/// <item><c>checkpoints/</c>: the last complete checkpoints and the <c>latest</c> pointer (<see cref="CheckpointStore"/>).</item>
/// </list>
/// </summary>
public sealed class RunFolder
{
    /// <summary>Resolved config file name.</summary>
    public const string ConfigFile = "run.json";

    /// <summary>Weights file name (latest checkpoint's weights).</summary>
    public const string WeightsFile = "model.safetensors";

    private RunFolder(string dir, RunConfig config)
    {
        Dir = dir;
        Config = config;
        Checkpoints = new CheckpointStore(dir);
        Metrics = new MetricsLog(dir);
    }

    /// <summary>The folder.</summary>
    public string Dir { get; }

    /// <summary>Its resolved config.</summary>
    public RunConfig Config { get; }

    /// <summary>Its checkpoints.</summary>
    public CheckpointStore Checkpoints { get; }

    /// <summary>Its metrics files.</summary>
    public MetricsLog Metrics { get; }

    /// <summary>Path of <c>run.json</c>.</summary>
    public string ConfigPath => Path.Combine(Dir, ConfigFile);

    /// <summary>Path of <c>model.safetensors</c>.</summary>
    public string WeightsPath => Path.Combine(Dir, WeightsFile);

    /// <summary>Whether <paramref name="dir"/> holds a run (has a <c>run.json</c>).</summary>
    public static bool Exists(string dir) => File.Exists(Path.Combine(dir, ConfigFile));

    /// <summary>Opens the run in <paramref name="dir"/> and validates its config.</summary>
    /// <exception cref="ArgumentException">No such folder, no run.json, or an invalid config.</exception>
    public static RunFolder Open(string dir)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        if (!Directory.Exists(dir)) throw new ArgumentException($"run folder '{dir}' does not exist");
        if (!Exists(dir)) throw new ArgumentException($"'{dir}' is not a run folder: it has no {ConfigFile}");
        var config = RunConfig.Load(Path.Combine(dir, ConfigFile)) with { InputShapeFromData = false };
        return new RunFolder(dir, config);
    }

    /// <summary>The latest complete checkpoint.</summary>
    /// <exception cref="InvalidOperationException">The run has none yet.</exception>
    public Checkpoint LatestCheckpoint() =>
        Checkpoints.Latest() ?? throw new InvalidOperationException(
            $"run '{Dir}' has no complete checkpoint yet (it stopped before the end of its first epoch): train it again");

    /// <summary>
    /// Builds the run's model and loads the weights of its latest checkpoint. The caller owns the
    /// model.
    /// </summary>
    /// <exception cref="InvalidOperationException">No checkpoint.</exception>
    /// <exception cref="IOException">The weights are unreadable or do not fit the model.</exception>
    public AutoencoderModel LoadModel(out Checkpoint checkpoint)
    {
        checkpoint = LatestCheckpoint();
        var model = ModelRegistry.Create(Config.Model);
        try
        {
            LoadWeights(model, checkpoint.ModelPath);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>Loads weights into <paramref name="model"/>; a mismatch becomes an <see cref="IOException"/> naming the file.</summary>
    internal static void LoadWeights(AutoencoderModel model, string path)
    {
        try { model.Load(path); }
        catch (StateDictException e) { throw new IOException($"weights '{path}' do not fit the model: {e.Message}", e); }
    }

    /// <summary>
    /// The test-set loss and each term per example of the latest checkpoint, computed on the run's
    /// test split (its <c>limit_test</c> applies), with the default generator seeded by the run's
    /// seed so that stochastic terms give the same numbers every time.
    /// </summary>
    public (EvaluationResult Result, Checkpoint Checkpoint) Evaluate(IDatasetSource source, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var model = LoadModel(out var checkpoint);
        using var data = Trainer.LoadData(source, Config.Training, warn);
        Trainer.CheckShape(model, data, Config.Training.Data);
        Torch.ManualSeed((ulong)Config.Training.Seed);
        return (Evaluator.Evaluate(model, data.Test, Config.Training.EvalBatchSize), checkpoint);
    }
}
