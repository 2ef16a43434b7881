using LatentSynth.Models;
using LatentSynth.Music.Inpainting;
using LatentSynth.Music.Models;
using LatentSynth.Torch;
using LatentSynth.Training;

namespace LatentSynth.Web;

/// <summary>What a run does on the music page, from its model's name.</summary>
public enum MusicRole
{
    /// <summary>A melody VAE (musicvae, musicvae-hier): interpolation and sampling.</summary>
    Melody,
    /// <summary>SketchNet: inpainting steered by pitch and rhythm sketches.</summary>
    Inpaint,
    /// <summary>InpaintNet: the fill to compare SketchNet's with.</summary>
    Compare,
    /// <summary>A model with a registered <see cref="IMusicSampler"/> (the hook for PianoTree): sampling.</summary>
    Sampler,
}

/// <summary>
/// A sampler of new segments for the page's sample tool, beyond the melody VAEs (which are built in). The hook for PianoTree:
/// its author registers <c>MusicSamplers.Register("pianotree", run =&gt; new PianoTreeSampler(run))</c>, and
/// <c>latentsynth serve</c> then accepts a pianotree run and enables "pianotree" in the sample tool.
/// </summary>
public interface IMusicSampler : IDisposable
{
    /// <summary>Name shown on the page.</summary>
    string Name { get; }

    /// <summary>
    /// <paramref name="count"/> segments drawn at <paramref name="temperature"/>, each as <see cref="Music.MelodyTokens"/> on the 16-step
    /// grid (a polyphonic model gives its top voice until the page draws polyphonic rolls).
    /// </summary>
    int[][] Sample(int count, double temperature, Generator generator);
}

/// <summary>Openers of <see cref="IMusicSampler"/> by model name (the run config's model).</summary>
public static class MusicSamplers
{
    private static readonly Dictionary<string, Func<RunFolder, IMusicSampler>> Openers = new(StringComparer.OrdinalIgnoreCase);
    private static readonly Lock Gate = new();

    /// <summary>Registers (or replaces) the sampler opener of runs of model <paramref name="modelName"/>.</summary>
    public static void Register(string modelName, Func<RunFolder, IMusicSampler> open)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        ArgumentNullException.ThrowIfNull(open);
        lock (Gate) Openers[modelName.Trim()] = open;
    }

    /// <summary>The opener of <paramref name="modelName"/>, or null.</summary>
    public static Func<RunFolder, IMusicSampler>? Find(string modelName)
    {
        lock (Gate) return Openers.GetValueOrDefault(modelName.Trim());
    }
}

/// <summary>The runs the music page serves, each in its role (any may be missing: its tools are then disabled).</summary>
public sealed record MusicRuns
{
    /// <summary>A melody VAE run (musicvae, musicvae-hier): interpolate and sample.</summary>
    public string? Melody { get; init; }
    /// <summary>A sketchnet run: inpaint.</summary>
    public string? SketchNet { get; init; }
    /// <summary>An inpaintnet run: the comparison fill.</summary>
    public string? InpaintNet { get; init; }
    /// <summary>A run of a model with a registered <see cref="IMusicSampler"/> (PianoTree).</summary>
    public string? Sampler { get; init; }

    /// <summary>
    /// The role of a symbolic run from its config's model name (<see cref="ModelRegistry"/>, <see cref="GapFillers"/>,
    /// <see cref="MusicSamplers"/>); null when <paramref name="dir"/> is not a run or its model is not a music model (an audio run).
    /// </summary>
    /// <exception cref="ArgumentException">A music model the page cannot serve (a bar VAE), named with the ones it can.</exception>
    public static MusicRole? RoleOf(string dir)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dir);
        if (!RunFolder.Exists(dir)) return null;
        MusicModels.Register();
        string model;
        try { model = RunFolder.Open(dir).Config.Model.Model; }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException or ArgumentException) { return null; }
        if (MusicSamplers.Find(model) is not null) return MusicRole.Sampler;
        if (string.Equals(model, "sketchnet", StringComparison.OrdinalIgnoreCase)) return MusicRole.Inpaint;
        if (string.Equals(model, "inpaintnet", StringComparison.OrdinalIgnoreCase)) return MusicRole.Compare;
        var info = ModelRegistry.All.FirstOrDefault(m => string.Equals(m.Name, model, StringComparison.OrdinalIgnoreCase));
        if (info is null || info.ModelType.Assembly != typeof(MusicModels).Assembly) return null;
        if (typeof(MelodyVaeModel).IsAssignableFrom(info.ModelType)) return MusicRole.Melody;
        throw new ArgumentException($"RUN: '{dir}' holds model '{model}', which the music page does not serve; give runs of musicvae or musicvae-hier (interpolate, sample), sketchnet (inpaint) or inpaintnet (compare); a PianoTree model is served once it registers a sampler (MusicSamplers.Register)");
    }

    /// <summary>Sorts runs into their roles (<see cref="RoleOf"/>); two runs in one role, or a run that is not symbolic, are refused.</summary>
    /// <exception cref="ArgumentException">The first run that cannot be placed, by name.</exception>
    public static MusicRuns FromRuns(IEnumerable<string> dirs)
    {
        ArgumentNullException.ThrowIfNull(dirs);
        var runs = new MusicRuns();
        foreach (var dir in dirs)
        {
            var role = RoleOf(dir) ?? throw new ArgumentException($"RUN: '{dir}' is not a run of a music model; a symbolic page takes runs of musicvae, musicvae-hier, sketchnet or inpaintnet (an audio run is served alone)");
            string? Taken(string? old) => old is null ? dir : throw new ArgumentException($"RUN: '{dir}' and '{old}' are both {role.ToString().ToLowerInvariant()} runs; give one of each kind");
            runs = role switch
            {
                MusicRole.Melody => runs with { Melody = Taken(runs.Melody) },
                MusicRole.Inpaint => runs with { SketchNet = Taken(runs.SketchNet) },
                MusicRole.Compare => runs with { InpaintNet = Taken(runs.InpaintNet) },
                _ => runs with { Sampler = Taken(runs.Sampler) },
            };
        }
        return runs;
    }
}
