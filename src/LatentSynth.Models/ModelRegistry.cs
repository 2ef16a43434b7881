using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LatentSynth.Models;

/// <summary>
/// Marks a model class for the registry: its name (as typed on the command line) and config
/// type. The class needs a public constructor taking that config. Adding a model touches no switch.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ModelAttribute(string name, Type configType, string description) : Attribute
{
    /// <summary>Registry name, for example <c>wae-mmd</c>.</summary>
    public string Name { get; } = name;
    /// <summary>The model's config record type (derived from <see cref="ModelConfig"/>).</summary>
    public Type ConfigType { get; } = configType;
    /// <summary>One line for help texts.</summary>
    public string Description { get; } = description;
}

/// <summary>One registered model.</summary>
/// <param name="Name">Registry name.</param>
/// <param name="ModelType">The model class.</param>
/// <param name="ConfigType">Its config record.</param>
/// <param name="Description">One line for help texts.</param>
public sealed record ModelInfo(string Name, Type ModelType, Type ConfigType, string Description);

/// <summary>
/// Finds the models marked with <see cref="ModelAttribute"/> (in this assembly, and in any other
/// registered with <see cref="RegisterAssembly"/>), builds them from configs, and reads and writes
/// configs as JSON (snake_case keys, with the model's name).
/// </summary>
public static class ModelRegistry
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, ModelInfo> Models = new(StringComparer.Ordinal);
    private static readonly HashSet<Assembly> Scanned = new();

    /// <summary>JSON settings of configs: snake_case, indented, enums as strings.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    static ModelRegistry() => RegisterAssembly(typeof(ModelRegistry).Assembly);

    /// <summary>Adds the models of <paramref name="assembly"/> (custom models plug in this way).</summary>
    public static void RegisterAssembly(Assembly assembly)
    {
        lock (Gate)
        {
            if (!Scanned.Add(assembly)) return;
            foreach (var type in assembly.GetTypes())
            {
                var attr = type.GetCustomAttribute<ModelAttribute>();
                if (attr is null) continue;
                if (!typeof(AutoencoderModel).IsAssignableFrom(type))
                    throw new InvalidOperationException($"{type.Name} has [Model] but is not an AutoencoderModel");
                if (!typeof(ModelConfig).IsAssignableFrom(attr.ConfigType))
                    throw new InvalidOperationException($"{type.Name}: config type {attr.ConfigType.Name} does not derive from ModelConfig");
                if (type.GetConstructor([attr.ConfigType]) is null)
                    throw new InvalidOperationException($"{type.Name} needs a public constructor taking {attr.ConfigType.Name}");
                if (Models.TryGetValue(attr.Name, out var existing) && existing.ModelType != type)
                    throw new InvalidOperationException($"model name '{attr.Name}' is used by {existing.ModelType.Name} and {type.Name}");
                Models[attr.Name] = new ModelInfo(attr.Name, type, attr.ConfigType, attr.Description);
            }
        }
    }

    /// <summary>Every registered model, by name.</summary>
    public static IReadOnlyList<ModelInfo> All
    {
        get { lock (Gate) return Models.Values.OrderBy(m => m.Name, StringComparer.Ordinal).ToList(); }
    }

    /// <summary>The model called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static ModelInfo Get(string name)
    {
        lock (Gate)
        {
            if (Models.TryGetValue(name, out var info)) return info;
            throw new ArgumentException($"unknown model '{name}'; known models: {string.Join(", ", Models.Keys.Order())}", nameof(name));
        }
    }

    /// <summary>The default config of model <paramref name="name"/>.</summary>
    public static ModelConfig DefaultConfig(string name)
    {
        var info = Get(name);
        var config = (ModelConfig)Activator.CreateInstance(info.ConfigType)!;
        return config with { Model = name };
    }

    /// <summary>Validates <paramref name="config"/> and builds its model.</summary>
    /// <exception cref="ArgumentException">The config is invalid: every problem, each naming its key.</exception>
    public static AutoencoderModel Create(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var info = Get(config.Model);
        if (!info.ConfigType.IsInstanceOfType(config))
            throw new ArgumentException($"model '{config.Model}' needs a {info.ConfigType.Name}, got a {config.GetType().Name}");
        config.EnsureValid();
        try
        {
            return (AutoencoderModel)Activator.CreateInstance(info.ModelType, config)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    /// <summary>The config as JSON (with its model name).</summary>
    public static string ToJson(ModelConfig config) => JsonSerializer.Serialize(config, config.GetType(), JsonOptions);

    /// <summary>Reads a config written by <see cref="ToJson"/> (the "model" key picks the type).</summary>
    /// <exception cref="ArgumentException">Malformed JSON, missing or unknown model, unknown keys or wrong value types.</exception>
    public static ModelConfig FromJson(string json)
    {
        JsonNode? node;
        try { node = JsonNode.Parse(json); }
        catch (JsonException e) { throw new ArgumentException("config is not valid JSON: " + e.Message); }
        var name = node?["model"]?.GetValue<string>() ?? throw new ArgumentException("config has no \"model\" key naming the model");
        var info = Get(name);
        try
        {
            return (ModelConfig)JsonSerializer.Deserialize(json, info.ConfigType, JsonOptions)!;
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"config for model '{name}': {e.Message}");
        }
    }
}
