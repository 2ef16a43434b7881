using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LatentSynth.Audio.Notes;
using LatentSynth.Data;
using LatentSynth.Evaluation;
using LatentSynth.Evaluation.Imaging;
using LatentSynth.Music;
using LatentSynth.Music.Data;
using LatentSynth.Music.Evaluation;
using LatentSynth.Music.Models;
using LatentSynth.Torch;
using LatentSynth.Training;
using Spectre.Console;
using static LatentSynth.Cli.MusicVerbs;

namespace LatentSynth.Cli;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// The music verbs that get melodies or measures out of a trained MusicVAE run, or 2-bar polyphonic segments out of a
/// pianotree, pianoroll-vae or midi-event-vae run (<see cref="MusicPolyVerbs"/>): <c>music eval</c>, <c>music sample</c>,
/// <c>music reconstruct</c> and <c>music interpolate</c>. The last three write MIDI files, their WAV renderings (FluidSynth with the General MIDI
/// sound font, through <see cref="NoteRenderer.RenderMidi"/>; skipped with one warning line when either is
/// missing) and one piano-roll PNG (<see cref="PianoRoll"/>) into <c>--out DIR</c>. Counts and numbers are
/// checked before the run is opened; every output file is checked with <see cref="UserPaths.CheckOutputFile"/>
/// (an existing one is replaced only with <c>--force</c>) before anything is written.
/// </summary>
public static class MusicGenerateCommands
{
    /// <summary>Most melodies <c>music sample --n</c> draws.</summary>
    public const int MaxSamples = 64;

    /// <summary>Most windows <c>music reconstruct --n</c> takes (each shown twice in the piano roll).</summary>
    public const int MaxReconstructions = 32;

    /// <summary>Most points <c>music interpolate --steps</c> decodes.</summary>
    public const int MaxSteps = 64;

    /// <summary>Highest sampling temperature accepted (softmax(logits / T) is close to uniform well before).</summary>
    public const double MaxTemperature = 10;

    /// <summary>The four verbs.</summary>
    public static IEnumerable<Command> Create() => [Eval(), Sample(), Reconstruct(), Interpolate()];

    // ---- shared ----------------------------------------------------------------------------

    private static Argument<string> RunArgument() => new("RUN")
    {
        Description = "Run folder of a melody model (musicvae, musicvae-hier) or a polyphonic one (pianotree, pianoroll-vae, midi-event-vae) written by `latentsynth music train` (or `latentsynth train`)",
    };

    private static string Num(double v, string format = "F3") => v.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>The run and its model, which must be a melody model.</summary>
    private static (RunFolder Run, MelodyVaeModel Model) OpenMelodyRun(string dir)
    {
        var run = RunFolder.Open(dir);
        var model = run.LoadModel();
        if (model is MelodyVaeModel melody) return (run, melody);
        var name = run.Config.Model.Model;
        model.Dispose();
        throw new ArgumentException($"RUN: '{dir}' holds model '{name}', not a melody model (nor a polyphonic one); the music verbs take runs of musicvae, musicvae-hier, pianotree, pianoroll-vae or midi-event-vae");
    }

    private static string Describe(int[] tokens)
    {
        var notes = MelodyGrid.Decode(tokens);
        if (notes.Count == 0) return "no notes";
        int low = notes.Min(n => n.Pitch), high = notes.Max(n => n.Pitch);
        var range = low == high ? MelodyTokens.PitchName(low) : $"{MelodyTokens.PitchName(low)}–{MelodyTokens.PitchName(high)}";
        return $"{notes.Count} note{(notes.Count == 1 ? "" : "s")}, {range}";
    }

    /// <summary>Test windows of the run's own dataset (the split it was trained with).</summary>
    private static int[][] TestWindows(RunFolder run, out string name)
    {
        using var splits = run.LoadData(Cli.DataSource, null, Warn);
        name = splits.Test.Name;
        if (splits.Test.Count == 0) throw new ArgumentException($"RUN: the test split of '{run.DataName}' holds no windows");
        return TokenRows.Of(splits.Test.Examples);
    }

    // ---- eval ------------------------------------------------------------------------------

    /// <summary>What each row of <c>music eval</c>'s table means: key of <see cref="MelodyAccuracy.ToDictionary"/>, row name, meaning.</summary>
    private static readonly (string Key, string Name, string Meaning)[] EvalRows =
    [
        ("tf_acc", "teacher-forced accuracy", "argmax of each step given the true previous tokens"),
        ("sampled_acc", "sampled accuracy", "the decoder on its own samples at temperature 1, step by step against the window"),
        ("greedy_acc", "greedy accuracy", "as sampled, argmax decoding (what music reconstruct shows)"),
        ("tf_event_acc", "teacher-forced accuracy, events", "on the steps whose target is a note-on or note-off (not \"no event\")"),
        ("sampled_event_acc", "sampled accuracy, events", "sampled accuracy on those event steps"),
        ("nll_step", "NLL per step", "teacher-forced negative log-likelihood of the true token, nats"),
        ("kl", "KL per window", "KL(q(z|x) ‖ N(0, I)), nats: the information z carries"),
    ];

    private static Command Eval()
    {
        var runArg = RunArgument();
        var seed = new Option<int>("--seed") { Description = "Random seed of the sampled decoding: the same seed gives the same numbers", DefaultValueFactory = _ => 0 };
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N test windows [default: all]" };
        var json = new Option<string?>("--json") { Description = "Also write the numbers, windows, steps, model and dataset as a JSON object to FILE" };
        var force = new Option<bool>("--force") { Description = "Replace the --json file if it already exists" };
        var cmd = new Command("eval",
            "Reconstruction accuracy of a run on its test windows, from each window's μ (MusicVAE's Table 1): teacher-forced, sampled and greedy accuracy, on all and on event steps; NLL per step; KL per window. A polyphonic run: note precision/recall/F1 (onset + pitch, + duration) of the greedy reconstructions and the interpolation's mid-point F1, as the poly benchmark.")
        {
            runArg, seed, limit, json, force,
        };
        cmd.SetAction(parse => RunEval(parse.GetValue(runArg)!, parse.GetValue(seed), parse.GetValue(limit), parse.GetValue(json), parse.GetValue(force)));
        return cmd;
    }

    /// <summary>Runs <c>music eval</c>; returns the exit code.</summary>
    public static int RunEval(string runDir, int seed, int? limit, string? jsonPath, bool force)
    {
        Between("--seed", seed, 0, int.MaxValue);
        if (limit is { } l) Between("--limit", l, 1, int.MaxValue);
        if (jsonPath is not null) UserPaths.CheckOutputFile("--json", jsonPath, "json", force);
        if (PolyBenchmark.IsPolyRun(runDir)) return MusicPolyVerbs.Eval(runDir, seed, limit, jsonPath);
        var (run, model) = OpenMelodyRun(runDir);
        using var _ = model;
        var windows = TestWindows(run, out var setName);
        int count = Math.Min(windows.Length, limit ?? int.MaxValue);
        int length = windows[0].Length;
        AnsiConsole.MarkupLine(Markup.Escape($"{run.Config.Model.Model} ({Path.GetFileName(Path.GetFullPath(runDir))}) on {count} of the {windows.Length} test windows of {setName}, seed {seed}"));
        MelodyAccuracy result;
        using (var scope = Torch.NewScope())
        {
            var x = Tensor.From(windows.Take(count).SelectMany(w => w.Select(t => (long)t)).ToArray(), count, length);
            result = AnsiConsole.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("evaluating", maxValue: count);
                    return MelodyAccuracy.Evaluate(model, x, (ulong)seed, progress: (done, _) => task.Value = done);
                });
        }
        var values = result.ToDictionary();
        var table = new Table().Border(TableBorder.Rounded).AddColumn("measure").AddColumn(new TableColumn("value").RightAligned()).AddColumn("meaning");
        foreach (var (key, name, meaning) in EvalRows)
            table.AddRow(Markup.Escape(name), double.IsFinite(values[key]) ? Num(values[key], "F4") : "-", Markup.Escape(meaning));
        table.AddRow("windows", result.Windows.ToString("N0", CultureInfo.InvariantCulture), Markup.Escape($"test windows of {length} steps ({result.Steps:N0} steps)"));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("Accuracies are shares of steps whose token is right, decoded from each window's posterior mean μ; \"-\": no event steps.");
        if (jsonPath is not null)
        {
            var obj = new JsonObject
            {
                ["run"] = runDir,
                ["model"] = run.Config.Model.Model,
                ["dataset"] = setName,
                ["seed"] = seed,
                ["windows"] = result.Windows,
                ["steps"] = result.Steps,
            };
            foreach (var (key, value) in values) obj[key] = double.IsFinite(value) ? value : null;
            var full = Path.GetFullPath(jsonPath);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, obj.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(jsonPath)}[/]");
        }
        return 0;
    }

    // ---- sample ----------------------------------------------------------------------------

    private static Command Sample()
    {
        var runArg = RunArgument();
        var n = new Option<int>("--n") { Description = $"Number of melodies (1–{MaxSamples})", DefaultValueFactory = _ => 8 };
        var outDir = OutOption();
        var temperature = new Option<double>("--temperature")
        {
            Description = $"Sampling temperature (> 0, ≤ {MaxTemperature:0}): a melody model's decoder softmax (Magenta's default 0.5); a polyphonic model's latent code, z = T·ε with ε ~ N(0, I), decoded greedily",
            DefaultValueFactory = _ => 0.5,
        };
        var seed = SeedOption();
        var force = ForceOption();
        var cmd = new Command("sample", "Draw melodies (or polyphonic 2-bar segments) from the prior: DIR/sample-XX.mid and .wav, and DIR/samples.png (piano roll of all).")
        {
            runArg, n, outDir, temperature, seed, force,
        };
        cmd.SetAction(parse => RunSample(parse.GetValue(runArg)!, parse.GetValue(n), parse.GetValue(outDir)!,
            parse.GetValue(temperature), parse.GetValue(seed), parse.GetValue(force)));
        return cmd;
    }

    /// <summary>Runs <c>music sample</c>; returns the exit code.</summary>
    public static int RunSample(string runDir, int count, string dir, double temperature, int seed, bool force)
    {
        Between("--n", count, 1, MaxSamples);
        if (!(temperature > 0 && temperature <= MaxTemperature))
            throw new ArgumentException($"--temperature must be above 0 and at most {MaxTemperature:0}, got {temperature.ToString(CultureInfo.InvariantCulture)}");
        Between("--seed", seed, 0, int.MaxValue);
        var names = Enumerable.Range(1, count).Select(i => $"sample-{i:D2}").ToList();
        CheckOutputs(dir, force, names.SelectMany(s => new[] { s + ".mid", s + ".wav" }).Append("samples.png"));
        if (PolyBenchmark.IsPolyRun(runDir)) return MusicPolyVerbs.Sample(runDir, names, dir, temperature, seed);
        var (run, model) = OpenMelodyRun(runDir);
        using var _ = model;
        int[][] melodies;
        using (var scope = Torch.NewScope())
        {
            Torch.ManualSeed((ulong)seed);
            using var generator = new Generator((ulong)seed);
            melodies = TokenRows.Of(model.Generate(count, temperature, generator));
        }
        Directory.CreateDirectory(dir);
        for (int i = 0; i < count; i++)
        {
            MelodyGrid.WriteMidi(Path.Combine(dir, names[i] + ".mid"), melodies[i]);
            AnsiConsole.MarkupLine(Markup.Escape($"{names[i]}.mid: {Describe(melodies[i])}"));
        }
        RenderWavs(dir, names.Select(s => s + ".mid"));
        var rows = melodies.Select((m, i) => new PianoRollRow(m, names[i])).ToList();
        SaveRoll(dir, "samples.png", rows,
            $"{count} samples of {run.Config.Model.Model} ({Path.GetFileName(Path.GetFullPath(runDir))}), temperature {Num(temperature, "0.###")}, seed {seed}");
        return 0;
    }

    // ---- reconstruct -----------------------------------------------------------------------

    private static Command Reconstruct()
    {
        var runArg = RunArgument();
        var n = new Option<int>("--n") { Description = $"Number of test windows (1–{MaxReconstructions})", DefaultValueFactory = _ => 4 };
        var outDir = OutOption();
        var seed = SeedOption();
        var force = ForceOption();
        var cmd = new Command("reconstruct",
            "Encode test windows of the run's dataset and decode them greedily: original-XX / reconstruction-XX .mid and .wav, reconstructions.png, per-step accuracy (a polyphonic run: note F1).")
        {
            runArg, n, outDir, seed, force,
        };
        cmd.SetAction(parse => RunReconstruct(parse.GetValue(runArg)!, parse.GetValue(n), parse.GetValue(outDir)!, parse.GetValue(seed), parse.GetValue(force)));
        return cmd;
    }

    /// <summary>Runs <c>music reconstruct</c>; returns the exit code.</summary>
    public static int RunReconstruct(string runDir, int count, string dir, int seed, bool force)
    {
        Between("--n", count, 1, MaxReconstructions);
        Between("--seed", seed, 0, int.MaxValue);
        var ids = Enumerable.Range(1, count).Select(i => i.ToString("D2", CultureInfo.InvariantCulture)).ToList();
        var midis = ids.SelectMany(i => new[] { $"original-{i}.mid", $"reconstruction-{i}.mid" }).ToList();
        CheckOutputs(dir, force, midis.Concat(midis.Select(m => Path.ChangeExtension(m, ".wav"))).Append("reconstructions.png"));
        if (PolyBenchmark.IsPolyRun(runDir)) return MusicPolyVerbs.Reconstruct(runDir, ids, dir, seed);
        var (run, model) = OpenMelodyRun(runDir);
        using var _ = model;
        var windows = TestWindows(run, out var setName);
        if (count > windows.Length) throw new ArgumentException($"--n {count} is more than the {windows.Length} test windows of {setName}");
        var picked = PickWindows(windows.Length, count, seed);
        var originals = picked.Select(i => windows[i]).ToArray();
        int[][] recon;
        using (var scope = Torch.NewScope())
        {
            var x = Tensor.From(originals.SelectMany(w => w.Select(t => (long)t)).ToArray(), count, originals[0].Length);
            recon = TokenRows.Of(model.DecodeTokens(model.Encode(x)));
        }
        Directory.CreateDirectory(dir);
        var rows = new List<PianoRollRow>();
        var table = new Table().Border(TableBorder.Rounded).AddColumns("pair", "test window", "original", "reconstruction", "accuracy");
        double total = 0;
        for (int k = 0; k < count; k++)
        {
            double acc = 1 - MelodyInterpolation.Hamming(originals[k], recon[k]);
            total += acc;
            MelodyGrid.WriteMidi(Path.Combine(dir, $"original-{ids[k]}.mid"), originals[k]);
            MelodyGrid.WriteMidi(Path.Combine(dir, $"reconstruction-{ids[k]}.mid"), recon[k]);
            rows.Add(new PianoRollRow(originals[k], $"original {ids[k]} (test window {picked[k]})"));
            rows.Add(new PianoRollRow(recon[k], $"reconstruction {ids[k]}: accuracy {Num(acc)}"));
            table.AddRow(ids[k], picked[k].ToString(CultureInfo.InvariantCulture), Markup.Escape(Describe(originals[k])), Markup.Escape(Describe(recon[k])), Num(acc));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"Per-step accuracy (greedy decoding of μ): mean {Num(total / count)} over {count} test windows of {Markup.Escape(setName)}");
        RenderWavs(dir, midis);
        SaveRoll(dir, "reconstructions.png", rows, $"{count} test windows of {setName} and their greedy reconstructions, seed {seed}");
        return 0;
    }

    // ---- interpolate -----------------------------------------------------------------------

    private static Command Interpolate()
    {
        var runArg = RunArgument();
        var steps = new Option<int>("--steps") { Description = $"Decoded points from one window's code to the other's, both ends included (2–{MaxSteps})", DefaultValueFactory = _ => 7 };
        var outDir = OutOption();
        var from = new Option<int>("--from") { Description = "Index of the first test window", DefaultValueFactory = _ => 0 };
        var to = new Option<int?>("--to") { Description = "Index of the second test window [default: the last]" };
        var spherical = new Option<bool>("--spherical") { Description = "Interpolate along the great circle (slerp, as Magenta's MusicVAE) instead of the straight line" };
        var force = ForceOption();
        var cmd = new Command("interpolate",
            "Decode points between the codes (μ) of two test windows: interpolation.mid/.wav (the melodies one after the other), interpolation.png, Hamming distances to both ends (a polyphonic run: always slerp, onset F1 to both ends).")
        {
            runArg, steps, outDir, from, to, spherical, force,
        };
        cmd.SetAction(parse => RunInterpolate(parse.GetValue(runArg)!, parse.GetValue(steps), parse.GetValue(outDir)!,
            parse.GetValue(from), parse.GetValue(to), parse.GetValue(spherical), parse.GetValue(force)));
        return cmd;
    }

    /// <summary>Runs <c>music interpolate</c>; returns the exit code.</summary>
    public static int RunInterpolate(string runDir, int steps, string dir, int from, int? to, bool spherical, bool force)
    {
        Between("--steps", steps, 2, MaxSteps);
        if (from < 0) throw new ArgumentException($"--from must be at least 0, got {from}");
        if (to is < 0) throw new ArgumentException($"--to must be at least 0, got {to}");
        CheckOutputs(dir, force, ["interpolation.mid", "interpolation.wav", "interpolation.png"]);
        if (PolyBenchmark.IsPolyRun(runDir)) return MusicPolyVerbs.Interpolate(runDir, steps, dir, from, to);
        var (run, model) = OpenMelodyRun(runDir);
        using var _ = model;
        var windows = TestWindows(run, out var setName);
        int last = windows.Length - 1, j = to ?? last;
        CheckPair(from, j, last, "windows", setName);
        int[] a = windows[from], b = windows[j];
        int length = a.Length;
        var points = MelodyInterpolation.Latent(model, a, b, steps, spherical);
        Directory.CreateDirectory(dir);
        // One melody after the other; a melody that starts with "no event" (a rest) starts with a note-off
        // instead, so that the previous melody's last note does not hold over.
        var all = points.SelectMany(p => p.Select((t, i) => i == 0 && t == MelodyTokens.NoEvent ? MelodyTokens.NoteOff : t)).ToArray();
        MelodyGrid.WriteMidi(Path.Combine(dir, "interpolation.mid"), all);
        var table = new Table().Border(TableBorder.Rounded).AddColumns("step", "t", "melody", "Hamming to A", "Hamming to B");
        var rows = new List<PianoRollRow> { new(a, $"A: test window {from}") };
        for (int k = 0; k < steps; k++)
        {
            double t = (double)k / (steps - 1), ha = MelodyInterpolation.Hamming(points[k], a), hb = MelodyInterpolation.Hamming(points[k], b);
            table.AddRow(k.ToString(CultureInfo.InvariantCulture), Num(t), Markup.Escape(Describe(points[k])), Num(ha), Num(hb));
            rows.Add(new PianoRollRow(points[k], $"step {k}, t = {Num(t, "0.###")}: Hamming to A {Num(ha)}, to B {Num(hb)}"));
        }
        rows.Add(new PianoRollRow(b, $"B: test window {j}"));
        AnsiConsole.MarkupLine(Markup.Escape($"Interpolating {(spherical ? "along the great circle (slerp)" : "on the straight line")} from μ of test window {from} (A) to μ of test window {j} (B) of {setName}; greedy decoding; Hamming = share of the {length} tokens that differ from the original window"));
        AnsiConsole.Write(table);
        RenderWavs(dir, ["interpolation.mid"]);
        SaveRoll(dir, "interpolation.png", rows,
            $"{steps} {(spherical ? "slerp" : "linear")} interpolants between test windows {from} and {j} of {setName} (originals first and last)");
        return 0;
    }
}
