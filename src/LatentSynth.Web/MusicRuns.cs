using LatentSynth.Models;
using LatentSynth.Music.Data;
using LatentSynth.Music.Evaluation;
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
    /// <summary>A model with a registered <see cref="IMusicSampler"/> (pianotree, pianoroll-vae, midi-event-vae): polyphonic sampling.</summary>
    Sampler,
}

/// <summary>
/// A sampler of new polyphonic segments for the page's sample tool, beyond the melody VAEs (which are built in). The
/// polyphonic models (pianotree, pianoroll-vae, midi-event-vae) register theirs (<see cref="PolySampler.Register"/>, done by
/// <see cref="MusicRuns.RoleOf"/> and so by <c>latentsynth serve</c>); another model can register its own with
/// <c>MusicSamplers.Register(name, run =&gt; sampler)</c>, and <c>latentsynth serve</c> then accepts its runs.
/// </summary>
public interface IMusicSampler : IDisposable
{
    /// <summary>Name shown on the page (the run's model name).</summary>
    string Name { get; }

    /// <summary>
    /// <paramref name="count"/> segments drawn at <paramref name="temperature"/>, each as its notes on the 16th grid
    /// (<see cref="PolyTree.PolyNote"/>: onset step 0..31, MIDI pitch, duration in steps; 2 bars of 4/4).
    /// </summary>
    IReadOnlyList<PolyTree.PolyNote>[] Sample(int count, double temperature, Generator generator);
}

/// <summary>
/// The sampler of a polyphonic run (pianotree, pianoroll-vae, midi-event-vae): z = T · ε with ε ~ N(0, I) (the temperature T
/// scales the latent code), decoded greedily as the poly benchmark decodes its prior samples (<see cref="PolyDecode.Sample"/>).
/// </summary>
public sealed class PolySampler : IMusicSampler
{
    private readonly AutoencoderModel model;

    /// <summary>The polyphonic models this sampler serves.</summary>
    public static readonly IReadOnlyList<string> Models = ["pianotree", "pianoroll-vae", "midi-event-vae"];

    /// <summary>Opens the run's model (in evaluation mode).</summary>
    /// <exception cref="ArgumentException">The run does not hold a polyphonic model.</exception>
    public PolySampler(RunFolder run)
    {
        ArgumentNullException.ThrowIfNull(run);
        Name = run.Config.Model.Model;
        model = PolyDecode.LoadModel(run.Dir);
    }

    /// <summary>Registers this sampler for each of <see cref="Models"/> (idempotent).</summary>
    public static void Register()
    {
        MusicModels.Register();
        foreach (var m in Models) MusicSamplers.Register(m, run => new PolySampler(run));
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public IReadOnlyList<PolyTree.PolyNote>[] Sample(int count, double temperature, Generator generator) =>
        PolyDecode.Sample(model, count, temperature, generator);

    /// <inheritdoc />
    public void Dispose() => model.Dispose();
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
    /// <summary>A run of a model with a registered <see cref="IMusicSampler"/> (pianotree, pianoroll-vae, midi-event-vae).</summary>
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
        PolySampler.Register();
        string model;
        try { model = RunFolder.Open(dir).Config.Model.Model; }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Text.Json.JsonException or ArgumentException) { return null; }
        if (MusicSamplers.Find(model) is not null) return MusicRole.Sampler;
        if (string.Equals(model, "sketchnet", StringComparison.OrdinalIgnoreCase)) return MusicRole.Inpaint;
        if (string.Equals(model, "inpaintnet", StringComparison.OrdinalIgnoreCase)) return MusicRole.Compare;
        var info = ModelRegistry.All.FirstOrDefault(m => string.Equals(m.Name, model, StringComparison.OrdinalIgnoreCase));
        if (info is null || info.ModelType.Assembly != typeof(MusicModels).Assembly) return null;
        if (typeof(MelodyVaeModel).IsAssignableFrom(info.ModelType)) return MusicRole.Melody;
        throw new ArgumentException($"RUN: '{dir}' holds model '{model}', which the music page does not serve; give runs of musicvae or musicvae-hier (interpolate, sample), sketchnet (inpaint), inpaintnet (compare) or pianotree, pianoroll-vae, midi-event-vae (polyphonic sampling)");
    }

    /// <summary>Sorts runs into their roles (<see cref="RoleOf"/>); two runs in one role, or a run that is not symbolic, are refused.</summary>
    /// <exception cref="ArgumentException">The first run that cannot be placed, by name.</exception>
    public static MusicRuns FromRuns(IEnumerable<string> dirs)
    {
        ArgumentNullException.ThrowIfNull(dirs);
        var runs = new MusicRuns();
        foreach (var dir in dirs)
        {
            var role = RoleOf(dir) ?? throw new ArgumentException($"RUN: '{dir}' is not a run of a music model; a symbolic page takes runs of musicvae, musicvae-hier, sketchnet, inpaintnet, pianotree, pianoroll-vae or midi-event-vae (an audio run is served alone)");
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
