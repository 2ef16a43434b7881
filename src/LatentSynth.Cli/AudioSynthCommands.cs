using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LatentSynth.Audio.IO;
using LatentSynth.Audio.Notes;
using LatentSynth.Audio.Paths;
using LatentSynth.Audio.Spectral;
using LatentSynth.Audio.Synthesis;
using LatentSynth.Data;
using LatentSynth.Evaluation.Plots;
using LatentSynth.Torch;
using LatentSynth.Torch.IO;
using Spectre.Console;

namespace LatentSynth.Cli;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// The synthesis verbs of an audio run: <c>audio reconstruct</c> (a note through the model),
/// <c>audio path</c> (a sound from a path through the latent space: traversal, line, morph, random walk,
/// circle, spiral, Lissajous, geodesic) and <c>audio sample</c> (whole notes drawn from the prior). Each
/// writes a WAV, a spectrogram PNG and, for paths, a picture of the path over the map of the notes.
/// Every file a verb will write is checked by <see cref="UserPaths.CheckOutputFile"/> before any work
/// (the companions beside the WAV too); an existing file is replaced only with <c>--force</c>.
/// </summary>
public static class AudioSynthCommands
{
    /// <summary>The verbs, for the <c>audio</c> group.</summary>
    public static IEnumerable<Command> Create() => [Reconstruct(), PathVerb(), Sample()];

    private static readonly Argument<string> RunArg = new("RUN") { Description = "Audio run folder (from `latentsynth audio train`)" };

    private static Option<bool> ForceOption() => new("--force")
    {
        Description = "Replace output files that already exist (never a run's own files or checkpoints)",
    };

    /// <summary>Checks the WAV <paramref name="file"/> and the files written beside it (by extension: png, svg).</summary>
    private static void CheckOutputs(string flag, string file, bool force, params string[] companions)
    {
        UserPaths.CheckOutputFile(flag, file, "wav", force);
        foreach (var extension in companions)
        {
            var companion = Path.ChangeExtension(file, extension);
            UserPaths.CheckOutputFile(flag, companion, Path.GetExtension(companion).TrimStart('.'), force);
        }
    }

    /// <summary>The <c>--seconds</c> value, checked against <see cref="AudioModel.MaxSeconds"/> before the run is opened.</summary>
    private static double Seconds(double value) => value > 0 && value <= AudioModel.MaxSeconds ? value
        : throw new ArgumentException($"--seconds: duration must be in (0, {AudioModel.MaxSeconds}] seconds; got {value.ToString(CultureInfo.InvariantCulture)}");

    private static Option<int> IterationsOption() => new("--iterations") { Description = "Griffin-Lim iterations (fast Griffin-Lim, momentum 0.99) [default: 100]", DefaultValueFactory = _ => 100 };

    private static GriffinLimOptions Gl(int iterations) => iterations is < 1 or > 2000
        ? throw new ArgumentException($"--iterations must be in 1..2000; got {iterations}")
        : new GriffinLimOptions { Iterations = iterations };

    private static string Num(double v, string format = "0.###") => v.ToString(format, CultureInfo.InvariantCulture);

    // ---- reconstruct -----------------------------------------------------------------------------

    private static Command Reconstruct()
    {
        var note = new Argument<string>("NOTE") { Description = "An audio file (any format libsndfile reads) or the id of a note of the run's set (e.g. flute_69_mf)" };
        var output = new Option<string>("--out") { Description = "WAV file to write (a spectrogram PNG is written beside it: original | reconstruction)", Required = true };
        var iterations = IterationsOption();
        var force = ForceOption();
        var cmd = new Command("reconstruct", "A note through the model: encode every frame, decode the latent path, invert with Griffin-Lim; prints spectral convergence and log-spectral distance.")
        {
            RunArg, note, output, iterations, force,
        };
        cmd.SetAction(parse =>
        {
            CheckOutputs("--out", parse.GetValue(output)!, parse.GetValue(force), ".png");
            using var model = AudioModel.Open(parse.GetValue(RunArg)!);
            var clip = ResolveClip(model, parse.GetValue(note)!, out var name);
            var clock = Stopwatch.StartNew();
            using var scope = Torch.NewScope();
            var original = model.Analyze(clip);
            using var sound = model.Reconstruct(clip, Gl(parse.GetValue(iterations)));
            double seconds = clock.Elapsed.TotalSeconds;
            // Against the original's magnitude: how close the sound is to the note, model and phase together.
            var refMag = LatentSynth.Audio.Spectral.Stft.Magnitude(new AudioClip(Resample(clip, model.SampleRate), model.SampleRate).ToTensor(), model.Pipeline.Stft);
            var outMag = LatentSynth.Audio.Spectral.Stft.Magnitude(sound.Clip.ToTensor(), model.Pipeline.Stft);
            long t = Math.Min(refMag.Size(0), outMag.Size(0));
            double sc = SpectralMetrics.SpectralConvergence(outMag.Narrow(0, 0, t), refMag.Narrow(0, 0, t));
            double lsd = SpectralMetrics.LogSpectralDistance(outMag.Narrow(0, 0, t), refMag.Narrow(0, 0, t));
            var file = parse.GetValue(output)!;
            WriteWav(file, sound.Clip);
            var png = Path.ChangeExtension(file, ".png");
            AtomicFile.WriteAllBytes(png, AudioPictures.Spectrogram([original, sound.Frames]));
            AnsiConsole.MarkupLine($"[green]reconstructed[/] {Markup.Escape(name)}: {Num(sound.Clip.Duration, "0.00")} s in {Num(seconds * 1000, "0")} ms; " +
                $"spectral convergence {Num(sc)} (vs the note; Griffin-Lim alone {Num(sound.SpectralConvergence)}), log-spectral distance {Num(lsd, "0.0")} dB");
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(file)} and {Markup.Escape(png)} (spectrogram: original | reconstruction)");
            return 0;
        });
        return cmd;
    }

    private static float[] Resample(AudioClip clip, int rate) => clip.SampleRate == rate ? clip.Samples : Resampler.Resample(clip.Samples, clip.SampleRate, rate);

    /// <summary>An audio file, or a note of the run's set by id (the error lists a few ids).</summary>
    private static AudioClip ResolveClip(AudioModel model, string reference, out string name)
    {
        if (File.Exists(reference)) { name = reference; return AudioFile.ReadMono(reference); }
        var (set, _, _) = model.Notes();
        var found = set.Notes.FirstOrDefault(n => string.Equals(n.Id, reference, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"'{reference}' is neither an audio file nor a note of the run's set (ids look like: {string.Join(", ", set.Notes.Take(3).Select(n => n.Id))}; all are in {Path.Combine(set.Directory, NoteSet.CsvName)})");
        name = found.Id;
        return set.Read(found);
    }

    private static void WriteWav(string file, AudioClip clip)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(file));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        AudioFile.WriteWav(file, clip, WavSampleFormat.Pcm16);
    }

    // ---- path ------------------------------------------------------------------------------------

    private static Command PathVerb()
    {
        var kind = new Option<string>("--kind") { Description = $"Path: {PathKinds.NameList}", Required = true };
        var output = new Option<string>("--out") { Description = "WAV file to write; beside it FILE.png (spectrogram) and FILE.path.svg/.png (the path over the map of the notes)", Required = true };
        var seconds = new Option<double>("--seconds") { Description = "Length of the sound [default: 2]", DefaultValueFactory = _ => 2.0 };
        var from = new Option<string?>("--from") { Description = $"Start note ({KindsWith(k => k.Ends != PathEnds.Center)}): a note id of the run's set or an audio file" };
        var to = new Option<string?>("--to") { Description = $"End note ({KindsWith(k => k.Ends != PathEnds.Center)})" };
        var center = new Option<string?>("--center") { Description = $"Centre note ({KindsWith(k => k.Ends == PathEnds.Center)}) [default: the mean code of the notes]" };
        var dims = new Option<string?>("--dims") { Description = $"Plane as two latent dimensions, e.g. 0,1 ({KindsWith(k => k.UsesPlane)}) [default: the notes' first two principal axes]" };
        // One option per path parameter, from the kinds' descriptors: the same names, defaults and ranges as the server's.
        var parameters = PathParameters.All.Select(p => (Parameter: p, Option: new Option<double?>(p.Flag)
        {
            Description = $"{p.Description} ({KindsWith(k => k.Parameters.Contains(p))}); {p.RangeText()} [default: {PathParameter.F(p.Default)}]",
        })).ToList();
        var iterations = IterationsOption();
        var force = ForceOption();
        var cmd = new Command("path", "A sound from a path through the latent space, with its spectrogram and a picture of the path over the map of the notes.")
        {
            RunArg, kind, output, seconds, from, to, center, dims, iterations, force,
        };
        foreach (var (_, option) in parameters) cmd.Options.Add(option);
        cmd.SetAction(parse =>
        {
            var kindText = parse.GetValue(kind)!;
            var info = PathKinds.Find(kindText) ?? throw new ArgumentException($"--kind: unknown path '{kindText}'; choose one of {PathKinds.NameList}");
            var k = info.Kind;
            var spec = new PathSpec { Kind = k, Seconds = Seconds(parse.GetValue(seconds)) };
            foreach (var (p, option) in parameters)
                if (parse.GetValue(option) is { } value)
                {
                    p.Check(value, name: $"{p.Flag} ({p.Label})");
                    spec = p.Apply(spec, value);
                }
            CheckOutputs("--out", parse.GetValue(output)!, parse.GetValue(force), ".png", ".path.svg", ".path.png");
            using var model = AudioModel.Open(parse.GetValue(RunArg)!);
            var clock = Stopwatch.StartNew();
            var map = model.NoteMap();
            float[]? Code(Option<string?> o) => parse.GetValue(o) is { } r ? model.NoteCode(ResolveClip(model, r, out _)) : null;
            Tensor? PathOf(Option<string?> o) => parse.GetValue(o) is { } r ? model.Encode(ResolveClip(model, r, out _)) : null;
            (int, int)? plane = null;
            if (parse.GetValue(dims) is { } ds)
            {
                var parts = ds.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length != 2 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var a) || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var b))
                    throw new ArgumentException($"--dims: '{ds}' must be two dimensions like 0,1");
                plane = (a, b);
            }
            spec = spec with
            {
                From = info.Ends == PathEnds.Points ? Code(from) : null,
                To = info.Ends == PathEnds.Points ? Code(to) : null,
                FromPath = info.Ends == PathEnds.NotePaths ? PathOf(from) : null,
                ToPath = info.Ends == PathEnds.NotePaths ? PathOf(to) : null,
                Center = Code(center), PlaneDims = plane,
            };
            string geodesic = "";
            using var path = PathRecipe.Build(model, spec, map.Mean, map.Plane,
                (e0, e1) => geodesic = $"; curve energy through the decoder {Num(e0, "0.####")} (straight line) → {Num(e1, "0.####")} (geodesic)");
            spec.FromPath?.Dispose();
            spec.ToPath?.Dispose();
            using var sound = model.Synthesize(path, Gl(parse.GetValue(iterations)));
            double ms = clock.Elapsed.TotalMilliseconds;
            var file = parse.GetValue(output)!;
            WriteWav(file, sound.Clip);
            var png = Path.ChangeExtension(file, ".png");
            AtomicFile.WriteAllBytes(png, AudioPictures.Spectrogram([sound.Frames]));
            var pathPicture = Path.ChangeExtension(file, ".path.svg");
            DrawOverMap(map, pathPicture, [new PathPlotSeries($"{KindName(k)} ({Num(sound.Clip.Duration, "0.0")} s)", path)]);
            AnsiConsole.MarkupLine($"[green]{KindName(k)}[/]: {path.Size(0)} points, {Num(sound.Clip.Duration, "0.00")} s of sound in {Num(ms, "0")} ms; " +
                $"Griffin-Lim spectral convergence {Num(sound.SpectralConvergence)}{Markup.Escape(geodesic)}");
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(file)}, {Markup.Escape(png)} (spectrogram), {Markup.Escape(pathPicture)} and .png (path over the notes)");
            return 0;
        });
        return cmd;
    }

    private static string KindName(PathKind k) => PathKinds.Of(k).Name;

    private static string KindsWith(Func<PathKindInfo, bool> uses) => string.Join(", ", PathKinds.All.Where(uses).Select(k => k.Name));

    // ---- sample ----------------------------------------------------------------------------------

    private static Command Sample()
    {
        var count = new Option<int>("--count") { Description = "Notes to draw [default: 8]", DefaultValueFactory = _ => 8 };
        var output = new Option<string>("--out") { Description = "Folder for sample-NN.wav (+ .png spectrograms) and paths.svg/.png", Required = true };
        var seconds = new Option<double>("--seconds") { Description = "Length of each note [default: 1.5]", DefaultValueFactory = _ => 1.5 };
        var seed = new Option<long>("--seed") { Description = "Seed [default: 0]" };
        var iterations = IterationsOption();
        var force = ForceOption();
        var cmd = new Command("sample", "Whole notes drawn from the prior: each starts at a prior sample and wanders slowly (a smooth random walk pulled to the prior's centre).")
        {
            RunArg, count, output, seconds, seed, iterations, force,
        };
        cmd.SetAction(parse =>
        {
            int n = parse.GetValue(count);
            if (n is < 1 or > 256) throw new ArgumentException($"--count must be in 1..256; got {n}");
            double noteSeconds = Seconds(parse.GetValue(seconds));
            var dir = parse.GetValue(output)!;
            UserPaths.CheckOutputFolder("--out", dir);
            for (int i = 0; i < n; i++) CheckOutputs("--out", Path.Combine(dir, $"sample-{i:00}.wav"), parse.GetValue(force), ".png");
            UserPaths.CheckOutputFile("--out", Path.Combine(dir, "paths.svg"), "svg", parse.GetValue(force));
            UserPaths.CheckOutputFile("--out", Path.Combine(dir, "paths.png"), "png", parse.GetValue(force));
            using var model = AudioModel.Open(parse.GetValue(RunArg)!);
            Directory.CreateDirectory(dir);
            long s = parse.GetValue(seed);
            using var gen = new Generator((ulong)s);
            using var starts = model.SamplePrior(n, gen);
            var map = model.NoteMap();
            var series = new List<PathPlotSeries>();
            var gl = Gl(parse.GetValue(iterations));
            for (int i = 0; i < n; i++)
            {
                float[] start;
                using (var row = starts.Select(0, i)) using (var c = row.Contiguous()) start = c.ToArray<float>();
                var path = PathRecipe.Build(model, new PathSpec { Kind = PathKind.RandomWalk, Seconds = noteSeconds, Center = start, Seed = s * 1000 + i, StepSize = 0.02, Smoothness = 0.95 });
                using var sound = model.Synthesize(path, gl);
                var file = Path.Combine(dir, $"sample-{i:00}.wav");
                WriteWav(file, sound.Clip);
                AtomicFile.WriteAllBytes(Path.ChangeExtension(file, ".png"), AudioPictures.Spectrogram([sound.Frames]));
                series.Add(new PathPlotSeries($"sample {i}", path));
                AnsiConsole.MarkupLine($"sample {i}: {Num(sound.Clip.Duration, "0.00")} s, Griffin-Lim spectral convergence {Num(sound.SpectralConvergence)}");
            }
            DrawOverMap(map, Path.Combine(dir, "paths.svg"), series);
            foreach (var p in series) p.Path.Dispose();
            AnsiConsole.MarkupLine($"[green]wrote[/] {n} notes to {Markup.Escape(dir)} (WAV + spectrogram PNG each; paths.svg/.png over the map of the notes)");
            return 0;
        });
        return cmd;
    }

    /// <summary>Draws <paramref name="paths"/> over the run's note map into <paramref name="svgFile"/> and its .png.</summary>
    private static void DrawOverMap(NoteMap map, string svgFile, IReadOnlyList<PathPlotSeries> paths)
    {
        var options = new ChartOptions { Title = "latent path over the notes (one point per note)", Width = 720, Height = 520 };
        PathPlot.WriteSvg(svgFile, map.Projection, paths, map.Background, options);
        PathPlot.WritePng(Path.ChangeExtension(svgFile, ".png"), map.Projection, paths, map.Background, options);
    }
}
