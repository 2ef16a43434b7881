using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LatentSynth.Data;
using LatentSynth.Music;
using LatentSynth.Music.Evaluation;
using LatentSynth.Torch;
using LatentSynth.Training;
using Spectre.Console;
using static LatentSynth.Cli.MusicVerbs;

namespace LatentSynth.Cli;

using PolyNote = LatentSynth.Music.Data.PolyTree.PolyNote;
// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// <c>music sample / reconstruct / interpolate / eval</c> on a polyphonic run (pianotree, pianoroll-vae, midi-event-vae), after
/// <see cref="MusicGenerateCommands"/> has checked the options and the output files: 2-bar segments as notes
/// (<see cref="PolyDecode"/>, decoded greedily as the poly benchmark decodes), MIDI and WAV per segment, polyphonic piano
/// rolls, and the note F1 of <see cref="NoteF1"/> through <see cref="PolyBenchmark.Evaluate"/>.
/// </summary>
internal static class MusicPolyVerbs
{
    private static string Num(double v, string format = "F3") => v.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Notes, most at one onset, and pitch range of a segment.</summary>
    internal static string Describe(IReadOnlyCollection<PolyNote> notes)
    {
        if (notes.Count == 0) return "no notes";
        int low = notes.Min(n => n.Pitch), high = notes.Max(n => n.Pitch), chord = notes.GroupBy(n => n.Onset).Max(g => g.Count());
        var range = low == high ? MelodyTokens.PitchName(low) : $"{MelodyTokens.PitchName(low)}–{MelodyTokens.PitchName(high)}";
        return $"{notes.Count} note{(notes.Count == 1 ? "" : "s")}, up to {chord} at once, {range}";
    }

    /// <summary>The run's test segments as the run is evaluated (its own test limit applies), loaded once; the caller disposes.</summary>
    private static DatasetSplits TestSegments(RunFolder run, out Tensor trees)
    {
        var splits = Trainer.LoadData(Cli.DataSource, run.Config.Training, Warn);
        trees = splits.Test.Examples;
        if (trees.Size(0) == 0)
        {
            splits.Dispose();
            throw new ArgumentException($"RUN: the test split of '{run.DataName}' holds no segments");
        }
        return splits;
    }

    /// <summary>The segments at <paramref name="indices"/> of <paramref name="trees"/>, in that order.</summary>
    private static Tensor Pick(Tensor trees, IReadOnlyList<int> indices) => Torch.Cat(indices.Select(i => trees.Narrow(0, i, 1)).ToList(), 0);

    private static void WriteSegment(string dir, string name, IReadOnlyList<PolyNote> notes) =>
        PolyDecode.WriteMidi(Path.Combine(dir, name), [notes]);

    /// <summary><c>music sample</c>: z = T · ε, ε ~ N(0, I), decoded greedily.</summary>
    public static int Sample(string runDir, IReadOnlyList<string> names, string dir, double temperature, int seed)
    {
        var run = RunFolder.Open(runDir);
        using var model = PolyDecode.LoadModel(runDir);
        List<PolyNote>[] samples;
        using (var scope = Torch.NewScope())
        {
            Torch.ManualSeed((ulong)seed);
            using var generator = new Generator((ulong)seed);
            samples = PolyDecode.Sample(model, names.Count, temperature, generator);
        }
        Directory.CreateDirectory(dir);
        for (int i = 0; i < samples.Length; i++)
        {
            WriteSegment(dir, names[i] + ".mid", samples[i]);
            AnsiConsole.MarkupLine(Markup.Escape($"{names[i]}.mid: {Describe(samples[i])}"));
        }
        AnsiConsole.MarkupLine(Markup.Escape($"Each sample is 2 bars decoded greedily from z = T·ε, ε ~ N(0, I), T = {Num(temperature, "0.###")} (the temperature scales the latent code)"));
        RenderWavs(dir, names.Select(s => s + ".mid"));
        SaveRoll(dir, "samples.png", samples.Select((s, i) => PianoRollRow.Poly(s, $"{names[i]} ({s.Count} notes)")).ToList(),
            $"{samples.Length} samples of {run.Config.Model.Model} ({Path.GetFileName(Path.GetFullPath(runDir))}), z = T·ε with T = {Num(temperature, "0.###")}, seed {seed}", poly: true);
        return 0;
    }

    /// <summary><c>music reconstruct</c>: test segments and their greedy reconstructions from μ, with their note F1.</summary>
    public static int Reconstruct(string runDir, IReadOnlyList<string> ids, string dir, int seed)
    {
        var run = RunFolder.Open(runDir);
        using var model = PolyDecode.LoadModel(runDir);
        using var splits = TestSegments(run, out var trees);
        using var scope = Torch.NewScope();
        int n = (int)trees.Size(0), count = ids.Count;
        if (count > n) throw new ArgumentException($"--n {count} is more than the {n} test segments of {splits.Test.Name}");
        var picked = PickWindows(n, count, seed);
        var x = Pick(trees, picked);
        var originals = NoteF1.TreeNotes(x);
        var recon = PolyDecode.ReconstructNotes(model, x);
        Directory.CreateDirectory(dir);
        var rows = new List<PianoRollRow>();
        var table = new Table().Border(TableBorder.Rounded).AddColumns("pair", "test segment", "original", "reconstruction", "onset F1", "duration F1");
        for (int k = 0; k < count; k++)
        {
            var f1 = NoteF1.Segment(originals[k], recon[k]);
            WriteSegment(dir, $"original-{ids[k]}.mid", originals[k]);
            WriteSegment(dir, $"reconstruction-{ids[k]}.mid", recon[k]);
            rows.Add(PianoRollRow.Poly(originals[k], $"original {ids[k]} (test segment {picked[k]}, {originals[k].Count} notes)"));
            rows.Add(PianoRollRow.Poly(recon[k], $"reconstruction {ids[k]}: onset F1 {Num(f1.Onset.F1)}, duration F1 {Num(f1.OnsetDuration.F1)}"));
            table.AddRow(ids[k], picked[k].ToString(CultureInfo.InvariantCulture), Markup.Escape(Describe(originals[k])), Markup.Escape(Describe(recon[k])),
                Num(f1.Onset.F1), Num(f1.OnsetDuration.F1));
        }
        AnsiConsole.Write(table);
        var pooled = NoteF1.Corpus(originals, recon);
        AnsiConsole.MarkupLine(Markup.Escape($"Note F1 of the greedy reconstructions from μ, counts pooled over the {count} segments of {splits.Test.Name}: onset + pitch {Num(pooled.Onset.F1)}, + duration {Num(pooled.OnsetDuration.F1)}"));
        RenderWavs(dir, ids.SelectMany(i => new[] { $"original-{i}.mid", $"reconstruction-{i}.mid" }));
        SaveRoll(dir, "reconstructions.png", rows, $"{count} test segments of {splits.Test.Name}, each above its greedy reconstruction, seed {seed}", poly: true);
        return 0;
    }

    /// <summary><c>music interpolate</c>: greedy decodes along the slerp between μ of two test segments (as the poly benchmark).</summary>
    public static int Interpolate(string runDir, int steps, string dir, int from, int? to)
    {
        var run = RunFolder.Open(runDir);
        using var model = PolyDecode.LoadModel(runDir);
        using var splits = TestSegments(run, out var trees);
        using var scope = Torch.NewScope();
        int last = (int)trees.Size(0) - 1, j = to ?? last;
        CheckPair(from, j, last, "segments", splits.Test.Name);
        var x = Pick(trees, [from, j]);
        var ends = NoteF1.TreeNotes(x);
        var mu = PolyDecode.Means(model, x);
        var alphas = MelodyInterpolation.Alphas(steps);
        var points = alphas.Select(alpha => PolyDecode.Slerp(model, [(mu[0], mu[1])], alpha)[0]).ToList();
        Directory.CreateDirectory(dir);
        PolyDecode.WriteMidi(Path.Combine(dir, "interpolation.mid"), points);
        var table = new Table().Border(TableBorder.Rounded).AddColumns("step", "α", "notes", "onset F1 to A", "onset F1 to B");
        var rows = new List<PianoRollRow> { PianoRollRow.Poly(ends[0], $"A: test segment {from}") };
        for (int k = 0; k < steps; k++)
        {
            double fa = NoteF1.Segment(ends[0], points[k]).Onset.F1, fb = NoteF1.Segment(ends[1], points[k]).Onset.F1;
            table.AddRow(k.ToString(CultureInfo.InvariantCulture), Num(alphas[k]), Markup.Escape(Describe(points[k])), Num(fa), Num(fb));
            rows.Add(PianoRollRow.Poly(points[k], $"step {k}, α = {Num(alphas[k], "0.###")}: onset F1 to A {Num(fa)}, to B {Num(fb)}"));
        }
        rows.Add(PianoRollRow.Poly(ends[1], $"B: test segment {j}"));
        AnsiConsole.MarkupLine(Markup.Escape($"Interpolating along the great circle (slerp, as the poly benchmark) from μ of test segment {from} (A) to μ of test segment {j} (B) of {splits.Test.Name}; greedy decoding; onset F1 = notes matched on onset and pitch"));
        AnsiConsole.Write(table);
        RenderWavs(dir, ["interpolation.mid"]);
        SaveRoll(dir, "interpolation.png", rows, $"{steps} slerp interpolants between test segments {from} and {j} of {splits.Test.Name} (originals first and last)", poly: true);
        return 0;
    }

    /// <summary><c>music eval</c>: <see cref="PolyBenchmark.Evaluate"/> on the first <paramref name="limit"/> test segments.</summary>
    public static int Eval(string runDir, int seed, int? limit, string? jsonPath)
    {
        if (limit is < 2) throw new ArgumentException($"--limit must be at least 2 for a polyphonic run (the interpolation measure pairs two test segments), got {limit}");
        var run = RunFolder.Open(runDir);
        string setName;
        int total;
        using (var splits = TestSegments(run, out var trees))
        {
            setName = splits.Test.Name;
            total = (int)trees.Size(0);
        }
        if (total < 2) throw new ArgumentException($"RUN: the test split of '{run.DataName}' holds {total} segment; the evaluation needs at least 2");
        int count = Math.Min(total, limit ?? int.MaxValue);
        var options = new PolyBenchmarkOptions { Segments = count };
        AnsiConsole.MarkupLine(Markup.Escape($"{run.Config.Model.Model} ({Path.GetFileName(Path.GetFullPath(runDir))}) on the first {count} of the {total} test segments of {setName}, seed {seed}"));
        var values = PolyBenchmark.Evaluate(runDir, options, seed, Cli.DataSource, Warn);
        var table = new Table().Border(TableBorder.Rounded).AddColumn("measure").AddColumn(new TableColumn("value").RightAligned()).AddColumn("meaning");
        foreach (var (key, info) in PolyBenchmark.Info)
            table.AddRow(Markup.Escape(key), Num(values[key], "F4"), Markup.Escape(info.Description));
        table.AddRow("segments", count.ToString(CultureInfo.InvariantCulture), Markup.Escape($"test segments of 2 bars ({options.InterpolationPairs} pairs at {options.InterpolationSteps} points for interp_mid_f1)"));
        AnsiConsole.Write(table);
        if (jsonPath is not null)
        {
            var obj = new JsonObject
            {
                ["run"] = runDir, ["model"] = run.Config.Model.Model, ["dataset"] = setName, ["seed"] = seed, ["segments"] = count,
            };
            foreach (var (key, value) in values) obj[key] = value;
            var full = Path.GetFullPath(jsonPath);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, obj.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(jsonPath)}[/]");
        }
        return 0;
    }
}
