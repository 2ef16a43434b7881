using System.Text.Json.Serialization;
using System.Globalization;
using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using LatentSynth.Data;
using LatentSynth.Models;

namespace LatentSynth.Training;

/// <summary>
/// Assembles a <see cref="RunConfig"/> from, in order of precedence (later wins): a config file,
/// command-line flags, and <c>--set key=value</c> overrides, then validates everything at once.
/// </summary>
/// <remarks>
/// <para><b>Keys.</b> A key is qualified (<c>model.beta</c>, <c>training.lr</c>) or bare
/// (<c>beta</c>, <c>lr</c>): a bare key goes to whichever section has it (an error when both or
/// neither do). Keys are snake_case; dashes are accepted for underscores (<c>latent-dim</c>).
/// The bare key <c>model</c> (or <c>model.model</c>) chooses the model; the keys available in the
/// model section are those of that model's config record.</para>
/// <para><b>Values</b> are JSON literals (<c>2.5</c>, <c>true</c>, <c>null</c>, <c>[512,256]</c>,
/// <c>"text"</c>); anything that is not valid JSON is taken as a string (<c>prior=normal</c>).
/// A single number is accepted where a list is expected (<c>hidden=400</c>).</para>
/// <para><b>Errors.</b> <see cref="Build"/> collects every problem (unknown keys, wrong types,
/// values a config's <c>Validate()</c> refuses, an unknown model) and throws one
/// <see cref="ConfigException"/> naming each key and where it was set.</para>
/// </remarks>
public sealed class RunConfigBuilder
{
    private readonly List<Assignment> assignments = new();

    private sealed record Assignment(string Key, JsonNode? Value, string Origin, bool FromFile = false);

    /// <summary>An empty builder (model and training defaults).</summary>
    public RunConfigBuilder() { }

    /// <summary>A builder starting from the JSON of a run config file (see <see cref="RunConfig.ToJson"/>).</summary>
    /// <param name="json">The file's text.</param>
    /// <param name="source">Name of the file, used in error messages.</param>
    /// <exception cref="ConfigException">The text is not a JSON object with only "model" and "training" objects.</exception>
    public static RunConfigBuilder FromJson(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        var builder = new RunConfigBuilder();
        JsonNode? root;
        try { root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new ConfigException([$"{source}: not valid JSON: {e.Message}"]); }
        if (root is not JsonObject obj)
            throw new ConfigException([$"{source}: expected a JSON object {{\"model\": {{...}}, \"training\": {{...}}}}"]);
        var problems = new List<string>();
        foreach (var (section, node) in obj)
        {
            if (section is not ("model" or "training"))
            {
                problems.Add($"{source}: unknown top-level key '{section}' (a run config has \"model\" and \"training\")");
                continue;
            }
            if (node is not JsonObject values)
            {
                problems.Add($"{source}: '{section}' must be a JSON object");
                continue;
            }
            foreach (var (key, value) in values)
                builder.assignments.Add(new Assignment(section + "." + key, value?.DeepClone(), source, FromFile: true));
        }
        if (problems.Count > 0) throw new ConfigException(problems);
        return builder;
    }

    /// <summary>
    /// A builder starting from a config file, read by <see cref="UserPaths.ReadConfigText"/> (a regular
    /// file of at most 1 MiB); <paramref name="flag"/> names the option that gave it, for messages.
    /// </summary>
    /// <exception cref="UserPathException">The path is not a readable regular file within the size limit.</exception>
    /// <exception cref="ConfigException">The file is not a valid run config.</exception>
    public static RunConfigBuilder FromFile(string path, string flag = "--config")
    {
        ArgumentNullException.ThrowIfNull(path);
        return FromJson(UserPaths.ReadConfigText(flag, path), path);
    }

    /// <summary>
    /// Sets <paramref name="key"/> (qualified or bare) to <paramref name="value"/>, overriding earlier
    /// settings. <paramref name="origin"/> says where it came from (a flag such as <c>--beta</c>) for
    /// error messages. Nothing is checked until <see cref="Build"/>.
    /// </summary>
    public RunConfigBuilder Set(string key, JsonNode? value, string origin)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(origin);
        assignments.Add(new Assignment(key, value?.DeepClone(), origin));
        return this;
    }

    /// <summary>
    /// Applies one <c>--set key=value</c> override (see the remarks of <see cref="RunConfigBuilder"/>
    /// for how keys and values are read).
    /// </summary>
    /// <exception cref="ConfigException">The text has no <c>=</c> or an empty key.</exception>
    public RunConfigBuilder SetAssignment(string assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        int eq = assignment.IndexOf('=');
        if (eq <= 0 || string.IsNullOrWhiteSpace(assignment[..eq]))
            throw new ConfigException([$"--set '{assignment}': expected key=value (for example --set beta=4 or --set training.lr=1e-4)"]);
        var key = assignment[..eq].Trim();
        return Set(key, ParseValue(assignment[(eq + 1)..]), $"--set {assignment}");
    }

    /// <summary>
    /// Whether <paramref name="key"/> (qualified, e.g. <c>training.data</c>) has been assigned so far, by a config file,
    /// a flag or a <c>--set</c>, under its qualified or its bare name (<c>model</c> also for <c>model.model</c>);
    /// <paramref name="value"/> is the last value assigned and <paramref name="origin"/> where it came from (a flag such as
    /// <c>--model</c>, <c>--set model=vae</c>, a config file's path). Lets a verb fill in a default that depends on other keys.
    /// </summary>
    public bool TryGetAssigned(string key, out JsonNode? value, out string? origin)
    {
        ArgumentNullException.ThrowIfNull(key);
        var qualified = Normalize(key);
        var bare = qualified[(qualified.IndexOf('.') + 1)..];
        value = null;
        origin = null;
        bool found = false;
        foreach (var a in assignments)
        {
            var k = Normalize(a.Key);
            if (k != qualified && k != bare) continue;
            value = a.Value;
            origin = a.Origin;
            found = true;
        }
        return found;
    }

    /// <summary>Reads an override value: a JSON literal when it parses as one, otherwise the text as a string.</summary>
    public static JsonNode? ParseValue(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Length == 0) return JsonValue.Create("");
        try
        {
            return JsonNode.Parse(trimmed);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }

    /// <summary>
    /// "NaN", "Infinity" or "-Infinity" when <paramref name="value"/> is a number that is not finite
    /// (a flag such as <c>--lr NaN</c> parses to one; JSON cannot hold one), else null. Checked for
    /// every key at once, so no numeric setting can reach the model as a NaN.
    /// </summary>
    private static string? NonFinite(JsonNode? value)
    {
        if (value is not JsonValue v) return null;
        double d;
        if (v.TryGetValue<double>(out var dv)) d = dv;
        else if (v.TryGetValue<float>(out var fv)) d = fv;
        else return null;
        return double.IsFinite(d) ? null : d.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Normalizes a key: lower case, dashes to underscores, spaces trimmed.</summary>
    private static string Normalize(string key) => key.Trim().ToLowerInvariant().Replace('-', '_');

    /// <summary>
    /// Resolves every assignment, checks keys and value types, deserializes both sections and runs
    /// their <c>Validate()</c>; throws one <see cref="ConfigException"/> listing every problem.
    /// </summary>
    public RunConfig Build()
    {
        var problems = new List<string>();

        // 1. The model name decides which keys the model section has.
        string? modelName = null;
        string modelOrigin = "model";
        foreach (var a in assignments)
        {
            var k = Normalize(a.Key);
            if (k is not ("model" or "model.model")) continue;
            if (a.Value is JsonValue v && v.TryGetValue<string>(out var s) && !string.IsNullOrWhiteSpace(s))
            {
                modelName = s.Trim();
                modelOrigin = a.Origin;
            }
            else problems.Add($"{a.Origin}: model must be a model name (a string), got {Show(a.Value)}");
        }
        ModelInfo? info = null;
        if (modelName is null)
        {
            if (problems.Count == 0)
                problems.Add($"model: no model chosen; pass --model NAME or set \"model\" in the config's model section (known models: {KnownModels()})");
        }
        else
        {
            try { info = ModelRegistry.Get(modelName); }
            catch (ArgumentException)
            {
                problems.Add($"{modelOrigin}: unknown model '{modelName}'; known models: {KnownModels()}");
            }
        }

        // 2. Place every other assignment in its section after checking the key and the value's type.
        var trainingKeys = Keys(typeof(TrainingConfig));
        var modelKeys = info is null ? null : Keys(info.ConfigType);
        var sections = new Dictionary<string, JsonObject> { ["model"] = new(), ["training"] = new() };
        var origins = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var a in assignments)
        {
            var k = Normalize(a.Key);
            if (k is "model" or "model.model") continue;
            string section, name;
            int dot = k.IndexOf('.');
            if (dot >= 0)
            {
                section = k[..dot];
                name = k[(dot + 1)..];
                if (section is not ("model" or "training"))
                {
                    problems.Add($"{a.Origin}: unknown section '{section}' in key '{a.Key}' (sections are 'model' and 'training')");
                    continue;
                }
                var keys = section == "model" ? modelKeys : trainingKeys;
                if (keys is null) continue; // unknown model: already reported
                if (!keys.ContainsKey(name))
                {
                    problems.Add(UnknownKey(a, section, name, keys, modelName));
                    continue;
                }
            }
            else
            {
                name = k;
                bool inTraining = trainingKeys.ContainsKey(name);
                bool inModel = modelKeys?.ContainsKey(name) ?? false;
                if (inTraining && inModel)
                {
                    problems.Add($"{a.Origin}: key '{name}' exists in both sections; write model.{name} or training.{name}");
                    continue;
                }
                if (!inTraining && !inModel)
                {
                    if (modelKeys is null) continue; // unknown model: can't tell yet
                    problems.Add(UnknownKey(a, null, name, modelKeys, modelName, trainingKeys));
                    continue;
                }
                section = inModel ? "model" : "training";
            }
            var property = (section == "model" ? modelKeys! : trainingKeys)[name];
            if (property.SetMethod is not { IsPublic: true })
            {
                // Computed settings are written to run.json for information; reading them back is a no-op.
                if (!a.FromFile) problems.Add($"{a.Origin}: {section}.{name} is computed from other settings and cannot be set");
                continue;
            }
            if (NonFinite(a.Value) is { } bad)
            {
                problems.Add($"{a.Origin}: {section}.{name} must be a finite number, got {bad}");
                continue;
            }
            var value = Coerce(a.Value, property.PropertyType);
            if (CheckType(value, property) is { } typeProblem)
            {
                problems.Add($"{a.Origin}: {section}.{name} {typeProblem}, got {Show(a.Value)}");
                continue;
            }
            sections[section][name] = value;
            origins[section + "." + name] = a.Origin;
        }

        if (info is null || problems.Count > 0) throw new ConfigException(problems);

        // 3. Deserialize and validate.
        sections["model"]["model"] = modelName;
        ModelConfig model;
        TrainingConfig training;
        try
        {
            model = (ModelConfig)sections["model"].Deserialize(info.ConfigType, ModelRegistry.JsonOptions)!;
            training = sections["training"].Deserialize<TrainingConfig>(ModelRegistry.JsonOptions)!;
        }
        catch (JsonException e)
        {
            throw new ConfigException([$"config does not fit model '{modelName}': {e.Message}"]);
        }
        bool shapeFromData = !sections["model"].ContainsKey("input_shape");
        var deferred = shapeFromData ? SafeValidate(model.InputShapeProblems).ToHashSet(StringComparer.Ordinal) : [];
        foreach (var p in SafeValidate(model.Validate))
            if (!deferred.Contains(p)) problems.Add(Attribute("model", p, modelKeys!, origins));
        foreach (var p in SafeValidate(training.Validate)) problems.Add(Attribute("training", p, trainingKeys, origins));
        if (problems.Count > 0) throw new ConfigException(problems);
        var config = new RunConfig(model, training) { InputShapeFromData = shapeFromData };
        config.MarkValid();
        return config;
    }

    private static IEnumerable<string> SafeValidate(Func<IEnumerable<string>> validate)
    {
        try { return validate().ToList(); }
        catch (Exception e) when (e is NullReferenceException or ArgumentException or InvalidOperationException)
        {
            return [$"validation failed: {e.Message}"];
        }
    }

    /// <summary>"model.latent_dim must be ... (set by --latent-dim)": prefix the section, name the origin.</summary>
    private static string Attribute(string section, string problem, IReadOnlyDictionary<string, PropertyInfo> keys, Dictionary<string, string> origins)
    {
        var key = keys.Keys.Where(k => problem.StartsWith(k, StringComparison.Ordinal) &&
                                       (problem.Length == k.Length || !char.IsLetterOrDigit(problem[k.Length]) && problem[k.Length] != '_'))
                           .OrderByDescending(k => k.Length).FirstOrDefault();
        if (key is null) return $"{section}: {problem}";
        var text = section + "." + problem;
        return origins.TryGetValue(section + "." + key, out var origin) ? $"{text} (set by {origin})" : text;
    }

    private static string UnknownKey(Assignment a, string? section, string name, IReadOnlyDictionary<string, PropertyInfo> keys,
        string? modelName, IReadOnlyDictionary<string, PropertyInfo>? trainingKeys = null)
    {
        string where = section switch
        {
            "model" => $"model '{modelName}' has no setting '{name}'",
            "training" => $"training has no setting '{name}'",
            _ => $"unknown key '{name}' (neither model '{modelName}' nor training has it)",
        };
        var candidates = keys.Keys.Concat(trainingKeys?.Keys ?? []).Where(k => k != "model").ToList();
        var near = candidates.Where(k => Distance(k, name) <= Math.Max(1, name.Length / 3)).ToList();
        var hint = near.Count > 0 ? $"; did you mean {string.Join(" or ", near)}?" : "";
        var list = section == "training"
            ? $"; training keys: {string.Join(", ", keys.Keys)}"
            : $"; model '{modelName}' keys: {string.Join(", ", keys.Keys.Where(k => k != "model"))}" +
              (trainingKeys is null ? "" : $"; training keys: {string.Join(", ", trainingKeys.Keys)}");
        return $"{a.Origin}: {where}{hint}{list}";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }

    private static string KnownModels() => string.Join(", ", ModelRegistry.All.Select(m => m.Name));

    private static string Show(JsonNode? value) => value is null ? "null" : value.ToJsonString();

    private static readonly NullabilityInfoContext Nullability = new();

    /// <summary>
    /// The keys a config type accepts (snake_case, settable ones only; for a model config without
    /// <c>model</c> itself), for example to tell which models a command-line flag applies to.
    /// </summary>
    public static IReadOnlyList<string> SettableKeys(Type configType)
    {
        ArgumentNullException.ThrowIfNull(configType);
        return Keys(configType).Where(kv => kv.Value.SetMethod is { IsPublic: true }).Select(kv => kv.Key).ToList();
    }

    /// <summary>The JSON keys of a config record's public properties (settable or computed), by name.</summary>
    internal static IReadOnlyDictionary<string, PropertyInfo> Keys(Type type)
    {
        var keys = new SortedDictionary<string, PropertyInfo>(StringComparer.Ordinal);
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetMethod is not { IsPublic: true } || p.GetIndexParameters().Length > 0) continue;
            if (p.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.Always }) continue;
            var name = p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name);
            if (name == "model" && typeof(ModelConfig).IsAssignableFrom(type)) continue;
            keys[name] = p;
        }
        return keys;
    }

    /// <summary>Conveniences: one number where a list is expected; a number or boolean where a string is.</summary>
    private static JsonNode? Coerce(JsonNode? value, Type type)
    {
        if (value is JsonValue v)
        {
            var kind = v.GetValueKind();
            if (IsList(type) && kind != JsonValueKind.Null) return new JsonArray(v.DeepClone());
            if (type == typeof(string) && kind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
                return JsonValue.Create(v.ToJsonString());
        }
        return value?.DeepClone();
    }

    private static bool IsList(Type type) => type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type);

    /// <summary>Null when <paramref name="value"/> fits the property; otherwise what was expected ("expects an integer").</summary>
    private static string? CheckType(JsonNode? value, PropertyInfo property)
    {
        var type = property.PropertyType;
        bool nullable = Nullable.GetUnderlyingType(type) is not null ||
                        !type.IsValueType && Nullability.Create(property).WriteState == NullabilityState.Nullable;
        if (value is null || value.GetValueKind() == JsonValueKind.Null)
            return nullable ? null : $"expects {Describe(type)} and cannot be null";
        try
        {
            var result = value.Deserialize(type, ModelRegistry.JsonOptions);
            if (result is IEnumerable list and not string && list.Cast<object?>().Any(x => x is null))
                return $"expects {Describe(type)} without nulls";
            return null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NotSupportedException)
        {
            return $"expects {Describe(type)}";
        }
    }

    private static string Describe(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(int) || type == typeof(long) || type == typeof(short)) return "an integer";
        if (type == typeof(double) || type == typeof(float)) return "a number";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(string)) return "a string";
        if (type.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(type).Select(n => JsonNamingPolicy.SnakeCaseLower.ConvertName(n)));
        if (type.IsArray) return "a list of " + Plural(type.GetElementType()!);
        if (type.IsGenericType && type.GetGenericArguments().Length == 1 && IsList(type)) return "a list of " + Plural(type.GetGenericArguments()[0]);
        return "a JSON value of type " + type.Name;
    }

    private static string Plural(Type element) => Describe(element) switch
    {
        "an integer" => "integers",
        "a number" => "numbers",
        "a string" => "strings",
        "true or false" => "booleans",
        var other => other,
    };
}
