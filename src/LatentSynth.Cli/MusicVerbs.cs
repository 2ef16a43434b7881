using System.CommandLine;
using LatentSynth.Audio.Notes;
using LatentSynth.Data;
using LatentSynth.Evaluation.Imaging;
using LatentSynth.Music;
using LatentSynth.Music.Evaluation;
using Spectre.Console;

namespace LatentSynth.Cli;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>What the music verbs that write files share (<see cref="MusicGenerateCommands"/>, <see cref="MusicInpaintCommand"/>):
/// the --out/--seed/--force options, the output checks, WAV rendering and the piano-roll PNG.</summary>
internal static class MusicVerbs
{
    internal static Option<string> OutOption() => new("--out")
    {
        Description = "Folder to write the MIDI, WAV and PNG files into (created when missing)",
        Required = true,
    };

    internal static Option<int> SeedOption() => new("--seed")
    {
        Description = "Random seed: the same seed gives the same melodies",
        DefaultValueFactory = _ => 0,
    };

    internal static Option<bool> ForceOption() => new("--force")
    {
        Description = "Replace output files that already exist in --out",
    };

    internal static void Between(string flag, long value, long min, long max)
    {
        if (value < min || value > max)
            throw new ArgumentException($"{flag} must be between {min} and {max}, got {value}");
    }

    /// <summary><paramref name="count"/> distinct indices of 0..n−1 in an order drawn with <paramref name="seed"/> (the test windows or segments a verb shows).</summary>
    internal static int[] PickWindows(int n, int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).OrderBy(_ => rng.Next()).Take(count).ToArray();
    }

    /// <summary>Checks <c>--from</c> and <c>--to</c> (already resolved to <paramref name="to"/>) against the last index of the test <paramref name="what"/>.</summary>
    internal static void CheckPair(int from, int to, int last, string what, string setName)
    {
        if (from > last) throw new ArgumentException($"--from {from} is past the last of the {last + 1} test {what} of {setName} (0–{last})");
        if (to > last) throw new ArgumentException($"--to {to} is past the last of the {last + 1} test {what} of {setName} (0–{last})");
        if (to == from) throw new ArgumentException($"--from and --to both name test {what.TrimEnd('s')} {from}; choose two different {what}");
    }

    internal static void Warn(string message) => AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(message)}");

    /// <summary>Checks --out and every file the verb will write there (before any work).</summary>
    internal static void CheckOutputs(string dir, bool force, IEnumerable<string> files)
    {
        UserPaths.CheckOutputFolder("--out", dir);
        foreach (var f in files)
        {
            var ext = Path.GetExtension(f).TrimStart('.');
            UserPaths.CheckOutputFile("--out", Path.Combine(dir, f), ext, force);
        }
    }

    /// <summary>Renders each MIDI file to the WAV file beside it, or warns once and skips when FluidSynth or the font is missing.</summary>
    internal static void RenderWavs(string dir, IEnumerable<string> midiNames)
    {
        if (NoteRenderer.MissingRenderer() is { } why)
        {
            Warn($"no WAV files: {why}");
            return;
        }
        foreach (var m in midiNames)
            NoteRenderer.RenderMidi(Path.Combine(dir, m), Path.Combine(dir, Path.ChangeExtension(m, ".wav")));
    }

    /// <summary>Writes a piano-roll PNG of <paramref name="rows"/>; <paramref name="poly"/>: the polyphonic rolls of <see cref="PolyDecode.RollOptions"/>.</summary>
    internal static void SaveRoll(string dir, string name, IReadOnlyList<PianoRollRow> rows, string title, bool inpaint24 = false, int firstBarNumber = 1, bool poly = false)
    {
        var path = Path.Combine(dir, name);
        var options = poly ? PolyDecode.RollOptions(title) : new PianoRollOptions { Title = title, Inpaint24 = inpaint24, FirstBarNumber = firstBarNumber };
        var image = PianoRoll.Save(path, rows, options,
            new Dictionary<string, string> { ["Software"] = $"LatentSynth {Torch.Version}", ["Description"] = Png.ToLatin1(title) });
        AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(path)}[/] ({image.Width}×{image.Height} px)");
    }
}
