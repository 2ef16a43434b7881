using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using LatentSynth.Models;

namespace LatentSynth.Training;

/// <summary>
/// Everything a training run needs: the model's config (with its registry name) and the training
/// settings. Its JSON form, <c>{"model": {...}, "training": {...}}</c>, is the run folder's
/// <c>run.json</c> and what <c>--config FILE</c> reads. Build one with <see cref="RunConfigBuilder"/>,
/// which validates every key and value before anything runs.
/// </summary>
/// <param name="Model">The model's configuration (its <see cref="ModelConfig.Model"/> names the model).</param>
/// <param name="Training">The training settings.</param>
public sealed record RunConfig(ModelConfig Model, TrainingConfig Training)
{
    /// <summary>
    /// True when the config does not set <c>model.input_shape</c>: the trainer then takes it from
    /// the data, and the checks that depend on it (a network's needs, such as <c>conv</c>'s C×H×W)
    /// run once the data are loaded. When it is set and differs from the data, training refuses to start.
    /// </summary>
    [JsonIgnore]
    public bool InputShapeFromData { get; init; } = true;

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<RunConfig, object> Validated = new();

    /// <summary>
    /// Every problem of the config (model keys prefixed "model.", training keys "training."). While
    /// <see cref="InputShapeFromData"/> is true, the model's <see cref="ModelConfig.InputShapeProblems"/>
    /// wait until the data's shape is known: the default shape says nothing about the data.
    /// </summary>
    public IReadOnlyList<string> Problems()
    {
        var deferred = InputShapeFromData ? Model.InputShapeProblems().ToHashSet(StringComparer.Ordinal) : [];
        return Model.Validate().Where(p => !deferred.Contains(p)).Select(p => "model." + p)
            .Concat(Training.Validate().Select(p => "training." + p)).ToList();
    }

    /// <summary>
    /// Throws a <see cref="ConfigException"/> listing every problem (<see cref="Problems"/>); remembers this
    /// instance as valid, so a config built by <see cref="RunConfigBuilder"/> (which validates with richer
    /// messages) is not checked again by the trainer. A changed copy (<c>with</c>) is checked again.
    /// </summary>
    public RunConfig EnsureValid()
    {
        if (Validated.TryGetValue(this, out _)) return this;
        var problems = Problems();
        if (problems.Count > 0) throw new ConfigException(problems);
        MarkValid();
        return this;
    }

    /// <summary>Records this instance as valid; when its input shape is final, its model config too.</summary>
    internal void MarkValid()
    {
        Validated.AddOrUpdate(this, this);
        if (!InputShapeFromData) Model.MarkValid();
    }

    /// <summary>The JSON form (indented, snake_case keys, the model's registry name under <c>model.model</c>).</summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["model"] = JsonNode.Parse(ModelRegistry.ToJson(Model)),
            ["training"] = JsonSerializer.SerializeToNode(Training, ModelRegistry.JsonOptions),
        };
        return root.ToJsonString(ModelRegistry.JsonOptions);
    }

    /// <summary>Reads and validates a run config from JSON (see <see cref="RunConfigBuilder.Build"/>).</summary>
    /// <exception cref="ConfigException">Malformed JSON, unknown keys, wrong types or invalid values.</exception>
    public static RunConfig FromJson(string json, string source = "<json>") => RunConfigBuilder.FromJson(json, source).Build();

    /// <summary>Reads and validates a run config file (for example a run folder's <c>run.json</c>).</summary>
    /// <exception cref="ConfigException">Unreadable file, malformed JSON or invalid content.</exception>
    public static RunConfig Load(string path) => RunConfigBuilder.FromFile(path).Build();
}

/// <summary>
/// A configuration the user got wrong. <see cref="Exception.Message"/> lists every problem on one
/// line, each naming the key (and where it was set: a flag, <c>--set</c>, or the config file).
/// </summary>
public sealed class ConfigException : ArgumentException
{
    /// <summary>Creates the exception from its problems.</summary>
    public ConfigException(IReadOnlyList<string> problems)
        : this(problems, "invalid configuration: ")
    {
    }

    /// <summary>Creates the exception from its problems, the message starting with <paramref name="lead"/>.</summary>
    public ConfigException(IReadOnlyList<string> problems, string lead)
        : base(lead + string.Join("; ", problems))
    {
        Problems = problems;
    }

    /// <summary>Every problem found, one per entry.</summary>
    public IReadOnlyList<string> Problems { get; }
}
