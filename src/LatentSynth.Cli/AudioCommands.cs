using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LatentSynth.Audio.Notes;
using LatentSynth.Data;
using Spectre.Console;

namespace LatentSynth.Cli;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// <c>latentsynth audio</c>: the sound verbs. <c>render-notes</c> renders the orchestral note set
/// with FluidSynth; <c>import</c> turns any folder of audio files into a note set.
/// </summary>
public static class AudioCommands
{
    /// <summary>Builds the <c>audio</c> verb and its subcommands (add new ones to the list below).</summary>
    public static Command Create()
    {
        var audio = new Command("audio", "Sound: render the orchestral note set, import audio folders.");
        foreach (var sub in new[] { RenderNotesCommand(), ImportCommand(), AudioTrainCommand.Create(), AudioBenchmarkCommand.Create() }.Concat(AudioSynthCommands.Create()))
            audio.Subcommands.Add(sub);
        return audio;
    }

    private static Option<string> OutOption(string what) => new("--out") { Description = what, Required = true };

    private static List<string>? SplitList(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static Command RenderNotesCommand()
    {
        var output = OutOption("Folder of the note set (WAV files per instrument, notes.csv, notes.json, render.json)");
        var instruments = new Option<string?>("--instruments")
        {
            Description = "Comma-separated subset of: " + string.Join(",", InstrumentTable.All.Select(i => i.Name)) + " (default: all)",
        };
        var dynamics = new Option<string?>("--dynamics") { Description = "Comma-separated subset of pp,mf,ff (default: all three)" };
        var step = new Option<int>("--pitch-step") { Description = "Semitones between rendered pitches (default 1: every semitone)", DefaultValueFactory = _ => 1 };
        var hold = new Option<double>("--hold") { Description = "Seconds each note is held before release (default 1.0)", DefaultValueFactory = _ => 1.0 };
        var length = new Option<double?>("--length") { Description = "Seconds per cut note, hold plus release tail (default: hold + 0.5)" };
        var font = new Option<string>("--font") { Description = "SoundFont 2 file", DefaultValueFactory = _ => NoteRenderOptions.DefaultSoundFont };
        var cmd = new Command("render-notes", "Render single notes of 12 orchestral instruments over their ranges at pp, mf, ff with FluidSynth (22,050 Hz mono WAV; cached).")
        {
            output, instruments, dynamics, step, hold, length, font,
        };
        cmd.SetAction(parse =>
        {
            double h = parse.GetValue(hold);
            var options = new NoteRenderOptions
            {
                Instruments = SplitList(parse.GetValue(instruments)),
                Dynamics = SplitList(parse.GetValue(dynamics)),
                PitchStep = parse.GetValue(step),
                HoldSeconds = h,
                NoteSeconds = parse.GetValue(length) ?? h + 0.5,
                SoundFont = parse.GetValue(font)!,
            };
            return RenderNotes(parse.GetValue(output)!, options);
        });
        return cmd;
    }

    /// <summary>
    /// Longest note <c>audio render-notes</c> cuts (<c>--length</c>, and so <c>--hold</c>), in seconds. The
    /// orchestral notes decay within a few seconds of their release; every note is rendered and kept as
    /// one buffer, so an unbounded length would be unbounded memory (30 s is 2.6 MB of float samples a note).
    /// </summary>
    public const double MaxNoteSeconds = 30;

    /// <summary>Runs <c>audio render-notes</c>; returns the exit code.</summary>
    public static int RenderNotes(string dir, NoteRenderOptions options)
    {
        UserPaths.CheckOutputFolder("--out", dir);
        if (options.PitchStep < 1) throw new ArgumentException($"--pitch-step: {options.PitchStep} must be at least 1");
        if (!(options.HoldSeconds > 0)) throw new ArgumentException($"--hold: {options.HoldSeconds} must be positive");
        if (!(options.NoteSeconds >= options.HoldSeconds)) throw new ArgumentException($"--length: {options.NoteSeconds} must be at least --hold ({options.HoldSeconds})");
        if (options.NoteSeconds > MaxNoteSeconds)
            throw new ArgumentException($"--length: {options.NoteSeconds.ToString(CultureInfo.InvariantCulture)} s is over the limit of {MaxNoteSeconds} s a note (hold plus release); give a shorter --hold or --length");
        NoteRenderReport report;
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            report = NoteRenderer.Render(dir, options, new Reporter(p =>
                AnsiConsole.MarkupLine(Markup.Escape($"{p.InstrumentsDone}/{p.InstrumentsTotal} {p.Instrument} ({p.NotesDone} notes so far)"))));
        }
        else
        {
            report = null!;
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("rendering notes", maxValue: 1);
                    report = NoteRenderer.Render(dir, options, new Reporter(p =>
                    {
                        task.MaxValue = p.InstrumentsTotal;
                        task.Value = p.InstrumentsDone;
                        task.Description = Markup.Escape($"{p.Instrument} done ({p.NotesDone} notes)");
                    }));
                    task.Value = task.MaxValue;
                });
        }
        string s = report.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
        AnsiConsole.MarkupLine(report.Cached
            ? $"[green]cached:[/] {report.Notes.Count} notes already in {Markup.Escape(report.Directory)} ({s} s)"
            : $"[green]rendered[/] {report.Notes.Count} notes in {s} s ({Markup.Escape(report.FluidSynthVersion)})");
        if (report.Silent.Count > 0)
            AnsiConsole.MarkupLine($"[yellow]skipped {report.Silent.Count} notes that render silent with this font:[/] {Markup.Escape(string.Join(", ", report.Silent))}");
        if (report.ClippedSamples > 0)
            AnsiConsole.MarkupLine($"[yellow]warning:[/] {report.ClippedSamples} samples clipped to [[-1, 1]]");
        AnsiConsole.MarkupLine($"metadata: {Markup.Escape(report.CsvPath)}");
        return 0;
    }

    private static Command ImportCommand()
    {
        var source = new Argument<string>("SRC") { Description = "Folder of audio files (any format libsndfile reads; searched recursively)" };
        var output = OutOption("Folder for the imported set (PCM16 WAV files and notes.csv)");
        var metadata = new Option<string?>("--metadata") { Description = "CSV with a 'file' column and any of instrument, family, pitch, dynamics" };
        var rate = new Option<int>("--rate") { Description = "Output sample rate in Hz (default 22050)", DefaultValueFactory = _ => 22050 };
        var minDuration = new Option<double>("--min-duration") { Description = "Shortest file kept, in seconds (default 0.1)", DefaultValueFactory = _ => 0.1 };
        var append = new Option<bool>("--append") { Description = "Add the files to the note set already in --out (without it, an existing set is never touched)" };
        var cmd = new Command("import", "Import a folder of audio files as a note set: mono, resampled; unreadable, empty, silent, not finite and too short files are reported and skipped. All or nothing: a failure leaves --out as it was.")
        {
            source, output, metadata, rate, minDuration, append,
        };
        cmd.SetAction(parse => Import(parse.GetValue(source)!, parse.GetValue(output)!, parse.GetValue(metadata), parse.GetValue(rate), parse.GetValue(minDuration), parse.GetValue(append)));
        return cmd;
    }

    /// <summary>Runs <c>audio import</c>; returns the exit code (0 even when files were skipped; 1 when nothing was imported).</summary>
    public static int Import(string source, string output, string? metadata, int rate, double minDuration, bool append = false)
    {
        UserPaths.CheckOutputFolder("--out", output);
        if (rate is < 1000 or > 384000) throw new ArgumentException($"--rate: {rate} Hz is not a usable sample rate (1000-384000)");
        if (!(minDuration >= 0)) throw new ArgumentException($"--min-duration: {minDuration} must be 0 or more seconds");
        var sw = Stopwatch.StartNew();
        ImportReport report;
        try { report = AudioImport.Import(source, output, rate, metadata, minDuration, append: append); }
        catch (InvalidDataException e) { throw new IOException(e.Message, e); } // a malformed --metadata CSV: one line, not a crash
        catch (ExistingNoteSetException e) { throw new ArgumentException(e.Message, e); }
        var table = new Table().Border(TableBorder.Rounded).AddColumns("file", "result");
        foreach (var n in report.Imported) table.AddRow(Markup.Escape(n.File), "[green]imported[/]");
        foreach (var s in report.Skipped) table.AddRow(Markup.Escape(s.File), "[yellow]skipped[/] " + Markup.Escape(s.Reason));
        if (report.Imported.Count + report.Skipped.Count > 0) AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"imported {report.Imported.Count}{(append ? $" (added to the {report.Kept} notes already there)" : "")}, skipped {report.Skipped.Count} in {sw.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s; metadata: {Markup.Escape(report.CsvPath)}");
        if (report.Imported.Count == 0)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] no audio file in '{Markup.Escape(source)}' could be imported");
            return 1;
        }
        return 0;
    }

    /// <summary>Calls back on the reporting thread, one call at a time (Spectre's progress is not thread-safe).</summary>
    private sealed class Reporter(Action<NoteRenderProgress> action) : IProgress<NoteRenderProgress>
    {
        private readonly object gate = new();

        public void Report(NoteRenderProgress value)
        {
            lock (gate) action(value);
        }
    }
}
