using System.Text.Json;
using System.Text.Json.Nodes;
using LatentSynth.Data;
using LatentSynth.Models;
using LatentSynth.Torch;
using LatentSynth.Torch.IO;

namespace LatentSynth.Evaluation;


/// <summary>A run folder that can't be opened: the message names the folder, the file and what is wrong.</summary>
public sealed class RunFolderException : IOException
{
    /// <summary>Creates the exception.</summary>
    public RunFolderException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// A trained run, opened: the folder written by the trainer holds <c>run.json</c>
/// (<c>{"model": {…model config with its "model" name…}, "training": {"data": "…", …}}</c>) and
/// <c>model.safetensors</c> (the model's state dict). <see cref="Open"/> rebuilds the model from the
/// config through <see cref="ModelRegistry"/>, loads the weights and puts it in evaluation mode.
/// Disposing the run disposes the model.
/// </summary>
public sealed class RunFolder : IDisposable
{
    /// <summary>Name of the configuration file in a run folder.</summary>
    public const string ConfigFileName = "run.json";

    /// <summary>Name of the weights file in a run folder.</summary>
    public const string WeightsFileName = "model.safetensors";

    private RunFolder(string path, JsonObject run, ModelConfig config, AutoencoderModel model, string? dataName)
    {
        Path = path;
        Run = run;
        Config = config;
        Model = model;
        DataName = dataName;
    }

    /// <summary>The folder (as given).</summary>
    public string Path { get; }

    /// <summary>The whole of run.json.</summary>
    public JsonObject Run { get; }

    /// <summary>The model's configuration (from run.json's "model").</summary>
    public ModelConfig Config { get; }

    /// <summary>The model with its trained weights, in evaluation mode.</summary>
    public AutoencoderModel Model { get; }

    /// <summary>The dataset the run trained on (run.json's "training"."data"), or null when not recorded.</summary>
    public string? DataName { get; }

    /// <summary>Opens the run folder at <paramref name="path"/>.</summary>
    /// <exception cref="RunFolderException">The folder or a file is missing, run.json is malformed or
    /// names an unknown model or bad settings, or the weights are corrupt or do not fit the model
    /// (the message names the file and the tensor).</exception>
    public static RunFolder Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!Directory.Exists(path))
            throw new RunFolderException(File.Exists(path)
                ? $"run '{path}' is a file; give the run folder (the one holding {ConfigFileName} and {WeightsFileName})"
                : $"run folder '{path}' does not exist");
        string configPath = System.IO.Path.Combine(path, ConfigFileName);
        string weightsPath = System.IO.Path.Combine(path, WeightsFileName);
        if (!File.Exists(configPath))
            throw new RunFolderException($"run folder '{path}' has no {ConfigFileName}; is it a folder written by `latentsynth train`?");
        if (!File.Exists(weightsPath))
            throw new RunFolderException($"run folder '{path}' has no {WeightsFileName} (the trained weights); was training stopped before the first checkpoint?");

        JsonObject run;
        try
        {
            run = JsonNode.Parse(File.ReadAllText(configPath)) as JsonObject
                ?? throw new RunFolderException($"{configPath}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new RunFolderException($"{configPath} is not valid JSON: {e.Message}", e);
        }
        if (run["model"] is not JsonObject modelNode)
            throw new RunFolderException($"{configPath} has no \"model\" object (the model's configuration)");
        ModelConfig config;
        try
        {
            config = ModelRegistry.FromJson(modelNode.ToJsonString());
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or JsonException)
        {
            throw new RunFolderException($"{configPath}: \"model\": {e.Message}", e);
        }
        string? dataName = null;
        if (run["training"] is JsonObject training && training["data"] is JsonNode dataNode)
        {
            if (dataNode.GetValueKind() != JsonValueKind.String)
                throw new RunFolderException($"{configPath}: \"training\".\"data\" must be a dataset name (a string), got {dataNode.ToJsonString()}");
            dataName = dataNode.GetValue<string>();
        }

        AutoencoderModel model;
        try
        {
            model = ModelRegistry.Create(config);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or TorchException)
        {
            throw new RunFolderException($"{configPath}: can't build model '{config.Model}': {e.Message}", e);
        }
        try
        {
            model.Load(weightsPath);
            model.Eval();
        }
        catch (Exception e) when (e is IOException or StateDictException or TorchException)
        {
            model.Dispose();
            throw new RunFolderException(e switch
            {
                StateDictException sd => $"{weightsPath} does not fit model '{config.Model}' of {ConfigFileName}: {string.Join("; ", sd.Problems)}",
                SafeTensorsException => $"corrupt weights: {e.Message}",   // names the file and the tensor
                _ => $"{weightsPath} can't be read: {e.Message}",
            }, e);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return new RunFolder(path, run, config, model, dataName);
    }

    /// <summary>
    /// The dataset to draw examples from: <paramref name="name"/> when given, else the run's
    /// <see cref="DataName"/>, loaded from <paramref name="source"/> and checked against the model's
    /// input shape. The caller owns the splits.
    /// </summary>
    /// <exception cref="ArgumentException">No name known, no source, or the examples have another shape.</exception>
    public DatasetSplits LoadData(IDatasetSource? source, string? name = null, Action<string>? warn = null)
    {
        var dataName = string.IsNullOrWhiteSpace(name) ? DataName : name;
        if (string.IsNullOrWhiteSpace(dataName))
            throw new ArgumentException($"{ConfigFileName} of run '{Path}' records no dataset (\"training\".\"data\"); name one with --data");
        if (source is null)
            throw new InvalidOperationException($"no dataset catalog is available to load '{dataName}' in this build");
        var splits = source.Load(dataName, warn);
        var item = splits.Test.ItemShape;
        if (!item.SequenceEqual(Model.InputShape))
        {
            splits.Dispose();
            throw new ArgumentException($"dataset '{dataName}' has examples of shape [{string.Join(", ", item)}] but the model of run '{Path}' takes [{string.Join(", ", Model.InputShape)}]");
        }
        return splits;
    }

    /// <summary>Disposes the model.</summary>
    public void Dispose() => Model.Dispose();
}
