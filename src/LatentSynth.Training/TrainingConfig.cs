using System.Globalization;

namespace LatentSynth.Training;

/// <summary>
/// How a model is trained: data, epochs, batch size, learning rate, seed and run folder. Saved in
/// the run folder's <c>run.json</c> under <c>"training"</c> (snake_case keys, which are also the keys of
/// <c>--set training.KEY=VALUE</c>). Warm-ups of regularizer weights belong to the models' configs.
/// </summary>
public sealed record TrainingConfig
{
    /// <summary>Dataset name as the dataset catalog knows it (for example <c>fashion-mnist</c>).</summary>
    public string Data { get; init; } = "fashion-mnist";

    /// <summary>Epochs to train (passes over the training split).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Examples per optimisation step (the last batch of an epoch may be smaller).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Learning rate given to the model's optimizers.</summary>
    public double Lr { get; init; } = 1e-3;

    /// <summary>
    /// Seed of the run: seeds the default generator (initial weights, reparameterization noise) and,
    /// through <see cref="Trainer.SamplerSeed"/>, the batch order.
    /// </summary>
    public long Seed { get; init; }

    /// <summary>Run folder receiving the config, checkpoints and metrics.</summary>
    public string Out { get; init; } = "runs/run";

    /// <summary>Use only the first N training examples (tiny runs and tests); null for all.</summary>
    public long? LimitTrain { get; init; }

    /// <summary>Use only the first N test examples (tiny runs and tests); null for all.</summary>
    public long? LimitTest { get; init; }

    /// <summary>Write a checkpoint every N epochs (the last epoch and an interruption always write one).</summary>
    public int CheckpointEvery { get; init; } = 1;

    /// <summary>Complete checkpoints kept in the run folder (older ones are deleted); at least 1.</summary>
    public int KeepCheckpoints { get; init; } = 2;

    /// <summary>Examples per batch in the validation pass and in <c>eval</c> (does not change results, only speed and memory).</summary>
    public int EvalBatchSize { get; init; } = 1000;

    /// <summary>
    /// Checks every value; one message per problem, each starting with its key (empty when valid).
    /// </summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Data)) yield return "data must name a dataset, got an empty value";
        if (Epochs < 1) yield return $"epochs must be at least 1, got {Epochs}";
        if (BatchSize < 1) yield return $"batch_size must be at least 1, got {BatchSize}";
        if (!(Lr > 0) || double.IsInfinity(Lr)) yield return $"lr must be a positive finite number, got {Lr.ToString("R", CultureInfo.InvariantCulture)}";
        if (Seed < 0) yield return $"seed must be non-negative, got {Seed}";
        if (string.IsNullOrWhiteSpace(Out)) yield return "out must name a run folder, got an empty value";
        if (LimitTrain is < 1) yield return $"limit_train must be at least 1 (or null for all examples), got {LimitTrain}";
        if (LimitTest is < 1) yield return $"limit_test must be at least 1 (or null for all examples), got {LimitTest}";
        if (CheckpointEvery < 1) yield return $"checkpoint_every must be at least 1, got {CheckpointEvery}";
        if (KeepCheckpoints < 1) yield return $"keep_checkpoints must be at least 1, got {KeepCheckpoints}";
        if (EvalBatchSize < 1) yield return $"eval_batch_size must be at least 1, got {EvalBatchSize}";
    }
}
