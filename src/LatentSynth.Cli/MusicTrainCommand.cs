using System.CommandLine;
using System.Text.Json.Nodes;
using LatentSynth.Models;
using LatentSynth.Music.Data;
using LatentSynth.Music.Models;
using LatentSynth.Training;

namespace LatentSynth.Cli;

/// <summary>
/// <c>latentsynth music train</c>: <c>latentsynth train</c> (the same options, run folders, checkpoints, <c>--resume</c>,
/// progress and Ctrl-C: built by <see cref="TrainCommands"/>) with melody defaults and checks. <c>--model</c> defaults to
/// <c>musicvae</c>; <c>--data</c> to <c>nottingham</c> for <c>musicvae</c> and <c>nottingham-16</c> for <c>musicvae-hier</c>;
/// <c>--out</c> to <c>runs/music</c>. A model that is not one of the music models (<see cref="MelodyModels"/>) or a dataset that is not a
/// melody dataset (<see cref="MusicData.IsMusicDataset"/>) is refused, and so are the image models' flags
/// (<see cref="ImageOnlyFlags"/>), which the help does not show.
/// </summary>
public static class MusicTrainCommand
{
    /// <summary>The model trained when none is named.</summary>
    public const string DefaultModel = "musicvae";

    /// <summary>The run folder written when <c>--out</c> is not given.</summary>
    public const string DefaultOut = "runs/music";

    /// <summary>The flags of <c>train</c> that set an image model's key; melody models have no use for them.</summary>
    public static IReadOnlyList<string> ImageOnlyFlags { get; } =
        ["--arch", "--hidden", "--prior", "--recon", "--kernel", "--beta", "--lambda", "--warmup-epochs"];

    /// <summary>The music models (those of the LatentSynth.Music assembly: MusicVAE, the bar VAEs, InpaintNet), by name, sorted.</summary>
    public static IReadOnlyList<string> MelodyModels() =>
        ModelRegistry.All.Where(m => IsMusicModel(m.Name)).Select(m => m.Name).Order(StringComparer.Ordinal).ToList();

    /// <summary>Whether <paramref name="model"/> names a model of the LatentSynth.Music assembly (melody models, and the
    /// polyphonic ones of <see cref="IsPolyModel"/>).</summary>
    public static bool IsMusicModel(string model) =>
        ModelRegistry.All.Any(m => string.Equals(m.Name, model, StringComparison.OrdinalIgnoreCase) && m.ModelType.Assembly == typeof(MusicModels).Assembly);

    /// <summary>Whether <paramref name="model"/> names a model of polyphonic tree tensors (<see cref="MusicModels.IsPolyModel"/>):
    /// they train only on the poly datasets (<see cref="PolyData.IsPolyDataset"/>), and the melody models only on the others.</summary>
    public static bool IsPolyModel(string model) => MusicModels.IsPolyModel(model);

    private static string ModelList() => "one of " + string.Join(", ", MelodyModels());

    /// <summary>The dataset trained on when none is given: <c>nottingham-16</c> for <c>musicvae-hier</c>, <c>nottingham-bars24</c>
    /// (single 24-step bars) for <c>measurevae</c> and <c>sketchvae</c>, <c>nottingham-inpaint</c> for <c>inpaintnet</c> and <c>sketchnet</c>,
    /// <c>nottingham-poly</c> (PianoTree trees) for <c>pianotree</c>, <c>pianoroll-vae</c> and <c>midi-event-vae</c>, else <c>nottingham</c>.</summary>
    public static string DefaultData(string model) => IsPolyModel(model) ? "nottingham-poly" : model.ToLowerInvariant() switch
    {
        "musicvae-hier" => "nottingham-16",
        "measurevae" or "sketchvae" => "nottingham-bars24",
        "inpaintnet" or "sketchnet" => "nottingham-inpaint",
        _ => "nottingham",
    };

    /// <summary>"nottingham, nottingham-16, …, midi:DIR or midi16:DIR", then the PianoTree sets.</summary>
    public static string MelodyDatasets() => string.Join(", ", MusicData.NottinghamNames.Keys) + ", midi:DIR, midi16:DIR, midi-inpaint:DIR, midi-bars24:DIR, " +
                                             "or for pianotree, pianoroll-vae and midi-event-vae nottingham-poly, jsb-poly or midi-poly:DIR";

    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        MusicData.Register();
        MusicModels.Register();
        var models = ModelList();
        // --beta and --hidden are also keys of the poly baselines (pianoroll-vae, midi-event-vae): say how to set them there.
        var refused = ImageOnlyFlags.ToDictionary(f => f, f => f is "--beta" or "--hidden"
            ? $"{f} is a flag of the image models (latentsynth train); in music train set it with --set {f[2..]}=VALUE (pianoroll-vae and midi-event-vae use it)"
            : $"{f} is a setting of the image models (latentsynth train); music train takes {models}, set with --latent-dim and --set KEY=VALUE " +
              "(encoder_size, decoder_size, encoder_layers, decoder_layers, max_beta, free_bits, …)");
        return TrainCommands.Train("train",
            $"Train a melody model ({models}) into a run folder, as `latentsynth train` (same flags, checkpoints, --resume, Ctrl-C) with melody defaults.",
            complete: Complete, refused: refused, checkResume: CheckResume,
            help: new Dictionary<string, string>
            {
                ["--data"] = $"Melody dataset: {MelodyDatasets()} [default: nottingham for musicvae, nottingham-16 for musicvae-hier, nottingham-bars24 for measurevae and sketchvae, nottingham-inpaint for inpaintnet and sketchnet, nottingham-poly for pianotree, pianoroll-vae and midi-event-vae]",
                ["--model"] = $"Melody model: {models} [default: {DefaultModel}]",
                ["--latent-dim"] = "Latent dimensions [default: " + string.Join(", ", MelodyModels().Select(n => $"{n} {ModelRegistry.DefaultConfig(n).LatentDim}")) + "]",
                ["--out"] = $"Run folder to create [default: {DefaultOut}]",
            });
    }

    /// <summary>Refuses to continue a run of a model that is not a melody model.</summary>
    private static void CheckResume(string runDir)
    {
        var model = RunFolder.Open(runDir).Config.Model;
        if (!IsMusicModel(model.Model))
            throw new ArgumentException($"--resume: '{runDir}' holds model '{model.Model}', not a melody model; music train continues runs of " +
                                        $"{ModelList()} (other runs: latentsynth train --resume)");
    }

    /// <summary>"--model vae", "--set model=vae", "model 'vae' (run.json)": where a value came from, for a refusal.</summary>
    private static string Where(string? origin, string flag, string what, string value) =>
        origin == flag ? $"{flag} {value}" : origin?.StartsWith("--set", StringComparison.Ordinal) == true ? origin : $"{what} '{value}' ({origin})";

    /// <summary>Fills in the melody defaults for keys left unassigned and refuses a model or dataset that is not a melody one.</summary>
    private static void Complete(RunConfigBuilder builder)
    {
        var models = ModelList();
        if (!builder.TryGetAssigned("model.model", out var modelNode, out var modelOrigin)) builder.Set("model.model", DefaultModel, "music train default");
        var model = modelNode is JsonValue mv && mv.TryGetValue<string>(out var m) ? m.Trim() : DefaultModel;
        // An unknown name or a value that is no name is left to Build, which lists the known models.
        if (ModelRegistry.All.FirstOrDefault(i => string.Equals(i.Name, model, StringComparison.OrdinalIgnoreCase)) is { } info
            && !IsMusicModel(info.Name))
            throw new ArgumentException($"{Where(modelOrigin, "--model", "model", model)} is not a melody model; music train takes {models} (other models: latentsynth train)");

        if (!builder.TryGetAssigned("training.data", out var dataNode, out var dataOrigin)) builder.Set("training.data", DefaultData(model), "music train default");
        else if (dataNode is JsonValue dv && dv.TryGetValue<string>(out var data) && !MusicData.IsMusicDataset(data) && !PolyData.IsPolyDataset(data))
            throw new ArgumentException($"{Where(dataOrigin, "--data", "dataset", data)} is not a melody dataset; music train takes {MelodyDatasets()} (images: latentsynth train)");
        else if (dataNode is JsonValue pv && pv.TryGetValue<string>(out var named) && IsPolyModel(model) != PolyData.IsPolyDataset(named))
            throw new ArgumentException(IsPolyModel(model)
                ? $"{Where(dataOrigin, "--data", "dataset", named)} is melody data; model '{model}' reads polyphonic tree tensors: nottingham-poly, jsb-poly or midi-poly:DIR"
                : $"{Where(dataOrigin, "--data", "dataset", named)} is polyphonic tree data (pianotree, pianoroll-vae, midi-event-vae); model '{model}' reads melody data: {string.Join(", ", MusicData.NottinghamNames.Keys)}, midi:DIR, …");

        if (!builder.TryGetAssigned("training.out", out _, out _)) builder.Set("training.out", DefaultOut, "music train default");
    }
}
