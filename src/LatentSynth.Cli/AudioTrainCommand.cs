using System.CommandLine;
using System.Globalization;
using LatentSynth.Audio.Spectral;
using LatentSynth.Audio.Synthesis;
using LatentSynth.Training;
using Spectre.Console;

namespace LatentSynth.Cli;

/// <summary>
/// <c>latentsynth audio train --notes DIR --out RUN</c>: prepares the note set's spectral frames in
/// <c>RUN/audio</c> (split by note, fitted pipeline, frame cache) and trains any model of the zoo on
/// them with every flag of <c>train</c>. Defaults for frames: <see cref="AudioTraining.FrameModelDefaults"/>.
/// </summary>
public static class AudioTrainCommand
{
    /// <summary>
    /// Largest <c>--n-fft</c> (65,536 samples, 3 s at 22,050 Hz; 1024 is usual): the STFT window, every
    /// frame and the filter banks grow with it. <c>--hop</c> is at most <c>--n-fft</c>.
    /// </summary>
    public const int MaxNFft = 1 << 16;

    /// <summary>Most mel bands (<c>--n-mels</c>; librosa's default is 128): the filter bank is bands × bins.</summary>
    public const int MaxMels = 1024;

    /// <summary>Most filters per octave (<c>--bins-per-octave</c>; 12 to 48 are usual).</summary>
    public const int MaxBinsPerOctave = 96;

    private static void InRange(string flag, int value, int min, int max)
    {
        if (value < min || value > max) throw new ArgumentException($"{flag} must be in {min}..{max.ToString("N0", CultureInfo.InvariantCulture)}; got {value}");
    }

    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        AudioData.Register();
        var d = new TransformSettings();
        var notes = new Option<string>("--notes") { Description = "Note-set folder (notes.csv): from `audio render-notes` or `audio import`", Required = true };
        var transform = new Option<string>("--transform") { Description = "Frame transform: mel, logfreq or linear [default: mel]", DefaultValueFactory = _ => "mel" };
        var nMels = new Option<int>("--n-mels") { Description = $"Mel bands (mel) [default: {d.NMels}]", DefaultValueFactory = _ => d.NMels };
        var bpo = new Option<int>("--bins-per-octave") { Description = $"Filters per octave (logfreq) [default: {d.BinsPerOctave}]", DefaultValueFactory = _ => d.BinsPerOctave };
        var nFft = new Option<int>("--n-fft") { Description = "STFT frame length in samples [default: 1024, 46 ms at 22,050 Hz]", DefaultValueFactory = _ => 1024 };
        var hop = new Option<int>("--hop") { Description = "STFT hop in samples [default: 256, 11.6 ms]", DefaultValueFactory = _ => 256 };
        var instruments = new Option<string?>("--instruments") { Description = "Comma-separated instruments to use [default: all in the set]" };
        var dynamics = new Option<string?>("--dynamics") { Description = "Comma-separated dynamics to use (pp, mf, ff) [default: all]" };
        var maxNotes = new Option<int?>("--max-notes") { Description = "At most N notes per instrument, evenly spread over its range [default: all]" };
        var testFraction = new Option<double>("--test-fraction") { Description = "Share of each instrument's notes held out for testing [default: 0.2]", DefaultValueFactory = _ => 0.2 };
        Option[] extra = [notes, transform, nMels, bpo, nFft, hop, instruments, dynamics, maxNotes, testFraction];
        return TrainCommands.Train("train", "Train a frame model on a note set: spectral frames in RUN/audio (split by note), then training as `latentsynth train` (same flags).",
            extra,
            presets: (b, named) =>
            {
                b.Set("model.model", AudioTraining.DefaultModel, "audio train default");
                var model = named ?? AudioTraining.DefaultModel;
                foreach (var (k, v) in AudioTraining.FrameModelDefaults)
                    if (!AudioTraining.ModelSpecificDefaults.Contains(k) || model == AudioTraining.DefaultModel)
                        b.Set(k, RunConfigBuilder.ParseValue(v), "audio train default");
                b.Set("training.out", "runs/audio", "audio train default");
                b.Set("training.epochs", 20, "audio train default");
            },
            prepare: (parse, run) =>
            {
                static List<string>? List(string? s) => string.IsNullOrWhiteSpace(s) ? null
                    : s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
                // Sizes first: they bound the STFT and filter-bank buffers the preparation allocates.
                InRange("--n-fft", parse.GetValue(nFft), 2, MaxNFft);
                InRange("--hop", parse.GetValue(hop), 1, parse.GetValue(nFft));
                InRange("--n-mels", parse.GetValue(nMels), 1, MaxMels);
                InRange("--bins-per-octave", parse.GetValue(bpo), 1, MaxBinsPerOctave);
                var settings = new AudioDataSettings
                {
                    Notes = parse.GetValue(notes)!,
                    Stft = new StftConfig(NFft: parse.GetValue(nFft), HopLength: parse.GetValue(hop)),
                    Transform = d with { Kind = parse.GetValue(transform)!, NMels = parse.GetValue(nMels), BinsPerOctave = parse.GetValue(bpo) },
                    Instruments = List(parse.GetValue(instruments)),
                    Dynamics = List(parse.GetValue(dynamics)),
                    MaxNotesPerInstrument = parse.GetValue(maxNotes),
                    TestFraction = parse.GetValue(testFraction),
                    Seed = run.Training.Seed,
                };
                var runDir = run.Training.Out;
                if (RunFolder.Exists(runDir))
                    throw new ArgumentException($"'{runDir}' already holds a run ({RunFolder.ConfigFile}); choose another --out");
                var folder = Path.GetFullPath(Path.Combine(runDir, AudioModel.AudioFolder));
                // The heading after Prepare: a bad note set or setting then prints only the one error line.
                AudioData.Prepare(settings, folder, m => AnsiConsole.MarkupLine(Markup.Escape(m))).Dispose();
                AnsiConsole.MarkupLine($"[bold]audio data[/] {Markup.Escape(settings.Notes)} → {Markup.Escape(folder)}");
                return run with { Training = run.Training with { Data = $"{AudioData.Pattern}:{folder}" }, InputShapeFromData = true };
            });
    }
}
