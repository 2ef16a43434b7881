using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LatentSynth.Data;
using LatentSynth.Music;
using LatentSynth.Music.Data;
using Spectre.Console;

namespace LatentSynth.Cli;

/// <summary><c>latentsynth music</c>: the symbolic-music verbs. <c>data info NAME</c> describes a melody dataset;
/// <c>train</c> (<see cref="MusicTrainCommand"/>) trains a melody model; <c>eval</c> measures a run's reconstruction accuracy;
/// <c>sample</c>, <c>reconstruct</c> and <c>interpolate</c> (<see cref="MusicGenerateCommands"/>) write melodies of a trained run;
/// <c>inpaint</c> (<see cref="MusicInpaintCommand"/>) fills a gap of bars; <c>benchmark</c> (<see cref="MusicBenchmarkCommand"/>) compares MusicVAE's decoders;
/// <c>inpaint-benchmark</c> (<see cref="MusicInpaintBenchmarkCommand"/>) compares the gap fillers; <c>poly-benchmark</c>
/// (<see cref="MusicPolyBenchmarkCommand"/>) compares PianoTree VAE with its baselines.</summary>
public static class MusicCommands
{
    /// <summary>How many skipped files <c>music data info</c> lists by name before summing up the rest.</summary>
    public const int SkippedListed = 25;

    /// <summary>Builds the <c>music</c> verb and its subcommands.</summary>
    public static Command Create()
    {
        MusicData.Register();
        LatentSynth.Music.Models.MusicModels.Register();
        var music = new Command("music", "Symbolic music: melody datasets from MIDI files (MusicVAE's 90-token melodies; 24-step bars for score inpainting); train musicvae, musicvae-hier, measurevae or sketchvae; evaluate a run's reconstruction accuracy; sample, reconstruct and interpolate it as MIDI, WAV and piano rolls; fill a gap of bars (inpaint); benchmark flat against hierarchical models.");
        var data = new Command("data", "Melody datasets: nottingham, nottingham-16 (-aug: transposed ±5), midi:DIR, midi16:DIR; score inpainting (24 steps per bar): nottingham-inpaint, nottingham-bars24, midi-inpaint:DIR, midi-bars24:DIR.");
        data.Subcommands.Add(InfoCommand());
        music.Subcommands.Add(data);
        music.Subcommands.Add(MusicTrainCommand.Create());
        foreach (var verb in MusicGenerateCommands.Create()) music.Subcommands.Add(verb);
        music.Subcommands.Add(MusicInpaintCommand.Create());
        music.Subcommands.Add(MusicBenchmarkCommand.Create());
        music.Subcommands.Add(MusicInpaintBenchmarkCommand.Create());
        music.Subcommands.Add(MusicPolyBenchmarkCommand.Create());
        return music;
    }

    private static Command InfoCommand()
    {
        var name = new Argument<string>("NAME")
        {
            Description = "Melody dataset: nottingham, nottingham-16, nottingham-aug, nottingham-16-aug, nottingham-16-hop4, nottingham-inpaint, nottingham-bars24, midi:DIR, midi16:DIR, midi-inpaint:DIR or midi-bars24:DIR",
        };
        var cache = new Option<string?>("--cache")
        {
            Description = $"Cache folder (default: ${DataCache.EnvironmentVariable}, else $XDG_CACHE_HOME/latentsynth, else ~/.cache/latentsynth)",
        };
        var cmd = new Command("info", "Read the MIDI files and print tunes, bars, windows, skipped files and why, the token histogram and the split.") { name, cache };
        cmd.SetAction(parse => Info(parse.GetValue(name)!, parse.GetValue(cache)));
        return cmd;
    }

    /// <summary>Runs <c>music data info</c>; returns the exit code.</summary>
    public static int Info(string name, string? cacheDir)
    {
        if (!MusicData.IsMusicDataset(name))
            throw new ArgumentException($"'{name}' is not a melody dataset: use nottingham, nottingham-16, nottingham-aug, nottingham-16-aug, nottingham-16-hop4, nottingham-inpaint, nottingham-bars24, midi:DIR, midi16:DIR, midi-inpaint:DIR or midi-bars24:DIR (images: `latentsynth data info`)");
        if (cacheDir is not null) UserPaths.CheckOutputFolder("--cache", cacheDir);
        var sw = Stopwatch.StartNew();
        int warnings = 0;
        var options = new DatasetOptions
        {
            CacheDir = cacheDir,
            Warn = _ => warnings++, // every skipped file is listed in the table below
            Status = s => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(s)}[/]"),
        };
        var (loaded, s) = MusicData.Load(name, options);
        using var _ = loaded;
        var elapsed = sw.Elapsed;
        var o = s.Options;
        string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

        var t = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(s.Name)).AddColumn("item").AddColumn("value");
        t.AddRow("source", Markup.Escape(s.Source));
        t.AddRow("MIDI files", N(s.FilesRead));
        t.AddRow("tunes kept", N(s.Tunes));
        t.AddRow("files skipped", s.Skipped.Count == 0 ? "0" :
            $"[yellow]{N(s.Skipped.Count)}[/] (" + Markup.Escape(string.Join(", ", s.SkippedByReason.Select(g => $"{g.Count} {g.Reason}"))) + ")");
        bool inpaint = o.Representation == MelodyRepresentation.Inpaint24;
        t.AddRow("grid", inpaint ? "24 steps per 4/4 bar: 6 per quarter at 0, 1/4, 1/3, 1/2, 2/3, 3/4 (16ths and 8th-note triplets)" : "16 steps per 4/4 bar (16th notes)");
        t.AddRow("bars", $"{N(s.Bars)} {o.StepsPerBar}-step units ({N(s.TwoFourTunes)} tunes in 2/4, bars paired)");
        t.AddRow("melody", Markup.Escape($"{N(s.TunesWithChords)} tunes with chords reduced to the highest note; {N(s.TunesWithTrackChoice)} with the melody track chosen among several"));
        t.AddRow("pitch range", s.PitchRange.Min <= s.PitchRange.Max ? Markup.Escape($"{PitchName(s.PitchRange.Min)} ({s.PitchRange.Min}) – {PitchName(s.PitchRange.Max)} ({s.PitchRange.Max})") : "-");
        t.AddRow("windows", Markup.Escape($"{o.Bars} bars ({o.Steps} steps) every {o.HopBars} bar(s)" +
            (inpaint && o.Bars == InpaintGrid.WindowBars ? $" ({InpaintGrid.PastBars} past + {InpaintGrid.GapBars} gap + {InpaintGrid.FutureBars} future)" : "") +
            (o.KeepWindowsWithoutOnset ? "; windows without a note-on kept" : $"; {N(s.RestWindowsDropped)} without a note-on dropped") +
            $"; {N(s.TunesShorterThanWindow)} tunes shorter than a window give none"));
        t.AddRow("transposition", o.Transpose > 0 ? Markup.Escape($"training windows ±{o.Transpose} semitones within MIDI 21–108: {N(s.TrainWindowsUntransposed)} → {N(s.TrainWindows)}") : "none");
        t.AddRow("split (tunes)", $"train {N(s.TrainTunes)} / test {N(s.TestTunes)}, seed {o.Seed}");
        t.AddRow("split (windows)", $"train {N(s.TrainWindows)} / test {N(s.TestWindows)}");
        t.AddRow("tensors", Markup.Escape($"int64 [N, {o.Steps}], tokens 0..{o.VocabularySize - 1}" + (inpaint ? " (0–127 note-on, 128 hold, 129 rest)" : "") + ", no labels"));
        var phases = string.Join(", ", s.Timings.Select(kv => $"{kv.Key} {kv.Value.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)} s"));
        t.AddRow("time", Markup.Escape($"{elapsed.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)} s ({phases})"));
        AnsiConsole.Write(t);

        long total = s.TokenCounts.Sum();
        var h = new Table().Border(TableBorder.Rounded).Title("token histogram (kept tunes, untransposed; top 12)")
            .AddColumns("token", "meaning", "count", "%");
        foreach (var (tok, count) in s.TokenCounts.Select((c, i) => (i, c)).Where(x => x.c > 0).OrderByDescending(x => x.c).ThenBy(x => x.i).Take(12))
            h.AddRow(tok.ToString(CultureInfo.InvariantCulture), Markup.Escape(o.Meaning(tok)), N(count),
                total == 0 ? "-" : (100.0 * count / total).ToString("F2", CultureInfo.InvariantCulture));
        AnsiConsole.Write(h);
        AnsiConsole.MarkupLine($"{N(s.TokenCounts.Count(c => c > 0))} of {o.VocabularySize} tokens occur; {N(total)} steps in all.");

        if (s.Skipped.Count > 0)
        {
            var k = new Table().Border(TableBorder.Rounded).Title("skipped files").AddColumns("file", "reason", "detail");
            foreach (var f in s.Skipped.Take(SkippedListed))
                k.AddRow(Markup.Escape(Path.GetFileName(f.File)), Markup.Escape(f.Reason), Markup.Escape(f.Detail));
            AnsiConsole.Write(k);
            if (s.Skipped.Count > SkippedListed) AnsiConsole.MarkupLine($"… and {N(s.Skipped.Count - SkippedListed)} more skipped files.");
        }
        else AnsiConsole.MarkupLine("No file skipped.");
        return 0;
    }

    /// <summary>"C4", "F#5", … (MIDI 60 = C4).</summary>
    public static string PitchName(int pitch) => MelodyTokens.PitchName(pitch);
}
