using LatentSynth.Data;
using LatentSynth.Music.Data;
using LatentSynth.Training;

namespace LatentSynth.Music.Inpainting;

/// <summary>
/// From the command line's RUN to an <see cref="IGapFiller"/>: the word <see cref="RepeatContextFiller.Word"/> (<c>baseline</c>) gives the
/// baseline; otherwise RUN is a run folder, and the filler is made by the opener registered for the run's model name
/// (<see cref="Register"/>). The model authors (InpaintNet, SketchNet) register their openers, for example in
/// <c>MusicModels.Register()</c>: <c>GapFillers.Register("sketchnet", SketchNetGapFiller.Open)</c>.
/// A run of a model without an opener is refused by name.
/// </summary>
public static class GapFillers
{
    private static readonly Dictionary<string, Func<RunFolder, IGapFiller>> Openers = new(StringComparer.OrdinalIgnoreCase);
    private static readonly Lock Gate = new();

    /// <summary>Registers (or replaces) the opener of runs of model <paramref name="modelName"/> (the run config's model name).</summary>
    public static void Register(string modelName, Func<RunFolder, IGapFiller> open)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        ArgumentNullException.ThrowIfNull(open);
        lock (Gate) Openers[modelName.Trim()] = open;
    }

    /// <summary>The model names with a registered opener, sorted.</summary>
    public static IReadOnlyList<string> Models
    {
        get { lock (Gate) return Openers.Keys.Order(StringComparer.Ordinal).ToList(); }
    }

    /// <summary>Whether <paramref name="run"/> is the baseline's word.</summary>
    public static bool IsBaseline(string run) => string.Equals(run?.Trim(), RepeatContextFiller.Word, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The filler of <paramref name="run"/> and the run folder (null for the baseline): <c>baseline</c>, or a run folder whose model has a
    /// registered opener. The caller disposes the filler when it is <see cref="IDisposable"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The run's model is not an inpainting model (no opener), named with the models that are.</exception>
    public static (IGapFiller Filler, RunFolder? Run) Open(string run)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(run);
        if (IsBaseline(run)) return (new RepeatContextFiller(), null);
        var folder = RunFolder.Open(run);
        var model = folder.Config.Model.Model;
        Func<RunFolder, IGapFiller>? open;
        lock (Gate) Openers.TryGetValue(model, out open);
        if (open is null)
        {
            var known = Models;
            throw new ArgumentException($"RUN: '{run}' holds model '{model}', not an inpainting model; music inpaint takes '{RepeatContextFiller.Word}' or a run of " +
                (known.Count == 0 ? "an inpainting model (none is built in yet)" : string.Join(", ", known)));
        }
        return (open(folder), folder);
    }
}

/// <summary>Whole tunes of an inpainting dataset's test split, by file name (for <c>music inpaint --tune</c>).</summary>
public static class InpaintTunes
{
    /// <summary>
    /// The test tunes of inpainting dataset <paramref name="dataName"/> (<c>nottingham-inpaint</c>, <c>midi-inpaint:DIR</c>, …): the same
    /// files, grid and seeded split by tune as the dataset's windows (<see cref="MelodyDataset.Load"/>), tokens of the whole tune.
    /// </summary>
    /// <exception cref="ArgumentException">Not an inpainting dataset.</exception>
    /// <exception cref="DatasetException">The files cannot be found or none is usable.</exception>
    public static IReadOnlyList<GridTune> TestTunes(string dataName, DatasetOptions? data = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataName);
        var name = dataName.Trim();
        if (!MusicData.IsInpaintDataset(name))
            throw new ArgumentException($"--data '{name}' is not a score-inpainting dataset: use nottingham-inpaint or midi-inpaint:DIR (or the bar sets nottingham-bars24, midi-bars24:DIR)");
        MusicData.TryOptions(name, out _, out var dir);
        // Whole tunes on the window datasets' grid and split (the bar datasets read the same files the same way).
        var options = MusicData.Inpaint;
        var folder = dir ?? MusicData.LocateNottingham(data).Folder;
        var files = MelodyDataset.Files(folder, options.Recursive);
        if (files.Count == 0) throw new DatasetException($"dataset '{name}': no .mid files in '{folder}'");
        var tunes = MelodyDataset.ReadTunes(files, options, [], data?.Warn);
        if (tunes.Count == 0) throw new DatasetException($"dataset '{name}': none of the {files.Count} MIDI files in '{folder}' is usable");
        var (_, test) = MelodyWindows.SplitByTune(tunes.Select(t => t.Name).ToList(), options.TestFraction, options.Seed);
        return test.Select(i => tunes[i]).ToList();
    }
}
