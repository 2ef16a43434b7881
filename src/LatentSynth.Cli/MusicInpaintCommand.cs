using System.CommandLine;
using System.Globalization;
using LatentSynth.Data;
using LatentSynth.Music;
using LatentSynth.Music.Data;
using LatentSynth.Music.Inpainting;
using LatentSynth.Torch;
using Spectre.Console;
using static LatentSynth.Cli.MusicVerbs;

namespace LatentSynth.Cli;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// <c>latentsynth music inpaint RUN --tune T --gap 7-10 [--pitch-sketch …] [--rhythm-sketch …] --out DIR [--seed S] [--force]</c>:
/// fills 4 bars of a tune from the 6 bars before and the 6 after them and writes <c>inpainted.mid</c>, <c>inpainted.wav</c> and
/// <c>inpainted.png</c> (the original window above, the filled one below, the gap's bars marked). RUN is <c>baseline</c>
/// (<see cref="RepeatContextFiller"/>) or a run folder of an inpainting model (<see cref="GapFillers"/>). Sketch syntax:
/// <see cref="SketchSyntax"/>. Everything is checked before anything is written.
/// </summary>
public static class MusicInpaintCommand
{
    /// <summary>The files written into --out.</summary>
    public static readonly string[] Outputs = ["inpainted.mid", "inpainted.wav", "inpainted.png"];

    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var run = new Argument<string>("RUN") { Description = $"'{RepeatContextFiller.Word}' (repeat the nearest context bars; no model) or the run folder of an inpainting model" };
        var tune = new Option<string>("--tune") { Description = "A tune of the test split by file name (without .mid), or the path of a MIDI file", Required = true };
        var gap = new Option<string>("--gap") { Description = "The 4 bars to fill, 1-based and inclusive (7-10); 6 bars must lie before and 6 after them", DefaultValueFactory = _ => "7-10" };
        var pitch = new Option<string?>("--pitch-sketch") { Description = "Onset pitches of gap bars: \"7:C5 D5 E5 F5;8:G5\" (note names, C4 = 60, or MIDI numbers)" };
        var rhythm = new Option<string?>("--rhythm-sketch") { Description = "Rhythm of gap bars, 24 steps per bar (6 per quarter): \"7:x-----x-----x--x--x-----\" (x onset, - hold, . rest; spaces and | ignored)" };
        var data = new Option<string?>("--data") { Description = "Dataset whose test split --tune names (default: the run's; nottingham-inpaint for baseline)" };
        var outDir = OutOption();
        var seed = SeedOption();
        var force = ForceOption();
        var cmd = new Command("inpaint", "Fill 4 bars of a tune from its context (optionally steered by pitch and rhythm sketches): DIR/inpainted.mid, .wav and .png (original above, filled below, gap marked).")
        {
            run, tune, gap, pitch, rhythm, data, outDir, seed, force,
        };
        cmd.SetAction(p => Run(p.GetValue(run)!, p.GetValue(tune)!, p.GetValue(gap)!, p.GetValue(pitch), p.GetValue(rhythm),
            p.GetValue(data), p.GetValue(outDir)!, p.GetValue(seed), p.GetValue(force)));
        return cmd;
    }

    /// <summary>Runs <c>music inpaint</c>; returns the exit code.</summary>
    public static int Run(string runArg, string tuneArg, string gapText, string? pitchSketch, string? rhythmSketch,
        string? dataName, string dir, int seed, bool force)
    {
        Between("--seed", seed, 0, int.MaxValue);
        var gap = InpaintGap.Parse(gapText);
        var pitches = pitchSketch is null ? null : SketchSyntax.ParsePitchSketch(pitchSketch);
        var rhythms = rhythmSketch is null ? null : SketchSyntax.ParseRhythmSketch(rhythmSketch);
        var controls = SketchSyntax.ToControls(gap, pitches, rhythms); // bars outside the gap, sketches that do not fit
        CheckOutputs(dir, force, Outputs);

        var (filler, runFolder) = GapFillers.Open(runArg);
        try
        {
            var (tuneName, tokens) = LoadTune(tuneArg, dataName ?? runFolder?.DataName ?? "nottingham-inpaint");
            int bars = tokens.Length / InpaintTokens.StepsPerBar;
            try { gap.CheckInTune(bars); }
            catch (ArgumentException e) { throw new ArgumentException($"--tune {tuneName}: {e.Message}"); }
            var (window, startBar) = InpaintGap.WindowAround(tokens, gap);
            var windowGap = new InpaintGap(gap.FirstBar - startBar, gap.BarCount);
            int[] filled;
            using (Torch.NewScope())
            {
                Torch.ManualSeed((ulong)seed);
                using var generator = new Generator((ulong)seed);
                filled = filler.Fill(window, windowGap, controls, generator);
            }
            var whole = (int[])tokens.Clone();
            Array.Copy(filled, windowGap.StartStep, whole, gap.StartStep, gap.EndStep - gap.StartStep);

            Directory.CreateDirectory(dir);
            InpaintGrid.WriteMidi(Path.Combine(dir, "inpainted.mid"), whole);
            var truth = window.AsSpan(windowGap.StartStep, windowGap.EndStep - windowGap.StartStep);
            var fill = filled.AsSpan(windowGap.StartStep, windowGap.EndStep - windowGap.StartStep);
            string F(double? v) => v is double d ? d.ToString("F3", CultureInfo.InvariantCulture) : "-";
            AnsiConsole.MarkupLine(Markup.Escape($"{tuneName}: {bars} bars; filled bars {gap} with {filler.Name}" +
                (controls is null ? "" : $" ({controls.Bars.Count} sketched bar(s))") +
                $"; against the original: pitch accuracy {F(InpaintMetrics.PitchAccuracy(truth, fill))}, rhythm accuracy {F(InpaintMetrics.RhythmAccuracy(truth, fill))}"));
            AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(Path.Combine(dir, "inpainted.mid"))}[/] (the whole tune)");
            RenderWavs(dir, ["inpainted.mid"]);
            var marked = new[] { (windowGap.StartStep, windowGap.EndStep) };
            var rows = new List<PianoRollRow>
            {
                new(window, $"original, bars {startBar + 1}-{startBar + InpaintGrid.WindowBars}", marked),
                new(filled, $"filled by {filler.Name}, bars {gap} marked (numbers under the roll are the tune's bars)", marked),
            };
            SaveRoll(dir, "inpainted.png", rows, $"{tuneName}: bars {gap} inpainted ({filler.Name}), seed {seed}", inpaint24: true, firstBarNumber: startBar + 1);
            return 0;
        }
        finally { (filler as IDisposable)?.Dispose(); }
    }

    /// <summary>A MIDI file's path, or a test tune of <paramref name="dataName"/> by file name: its name and 24-step tokens.</summary>
    private static (string Name, int[] Tokens) LoadTune(string tune, string dataName)
    {
        if (File.Exists(tune))
        {
            MidiTune midi;
            try { midi = MidiReader.Read(tune); }
            catch (MidiDataException e) { throw new ArgumentException($"--tune '{tune}' is not a readable MIDI file: {e.Message}"); }
            var g = InpaintGrid.ToTokens(midi);
            if (g.Tokens is null) throw new ArgumentException($"--tune '{tune}' does not fit the 24-step 4/4 grid: {g.SkipReason} ({g.Detail})");
            return (Path.GetFileNameWithoutExtension(tune), g.Tokens);
        }
        if (tune.EndsWith(".mid", StringComparison.OrdinalIgnoreCase) || tune.EndsWith(".midi", StringComparison.OrdinalIgnoreCase) || tune.Contains('/'))
            throw new ArgumentException($"--tune '{tune}': no such MIDI file");
        var tunes = InpaintTunes.TestTunes(dataName, new DatasetOptions { Warn = _ => { } });
        var found = tunes.FirstOrDefault(t => string.Equals(t.Name, tune, StringComparison.OrdinalIgnoreCase));
        if (found is null)
            throw new ArgumentException($"--tune '{tune}' is neither a MIDI file nor a test tune of {dataName} (its {tunes.Count} test tunes include {string.Join(", ", tunes.Take(5).Select(t => t.Name))})");
        return (found.Name, found.Tokens!);
    }
}
