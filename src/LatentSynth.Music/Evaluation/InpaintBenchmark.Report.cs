using System.Globalization;
using LatentSynth.Audio.Notes;
using LatentSynth.Data;
using LatentSynth.Evaluation.Benchmark;
using LatentSynth.Evaluation.Report;
using LatentSynth.Music.Data;
using LatentSynth.Music.Inpainting;
using LatentSynth.Training;

namespace LatentSynth.Music.Evaluation;

public sealed partial class InpaintBenchmark
{
    /// <summary>Context bars played on each side of the gap in the report's audio (the gap's 4 bars in the middle).</summary>
    public const int AudioContextBars = 2;

    /// <summary>One row of the comparison: how to fill (the filler and its controls) and its metrics over the seeds.</summary>
    private sealed record Row(string Name, string Summary, string Family, IReadOnlyList<Dictionary<string, double>> PerSeed,
        Func<IGapFiller> Open, bool GivenRhythm, string? RunDir);

    private BenchmarkReport BuildReport(InpaintBenchmarkPlan plan, InpaintBenchmarkOptions options, string outDir, List<RunMetrics> results, IDatasetSource source)
    {
        long firstSeed = plan.Gaps.Seeds[0];
        var firstRun = MatrixRunner.RunDir(outDir, plan.Gaps.Variants[0].Name, firstSeed);
        var windows = TestWindows(RunFolder.Open(firstRun).Config.Training, options, source, log);
        log($"report: the baseline on {windows.Count} test windows");
        var (plain, given) = EvaluateBaseline(windows);
        var rows = new List<Row>
        {
            new(BaselineRow, $"{new RepeatContextFiller().Name}: each gap bar copies the nearest context bar at the same distance (deterministic: the same for every seed)", "baseline",
                [plain], () => new RepeatContextFiller(), false, null),
            new(BaselineRow + TrueRhythmSuffix, "the baseline's bars with each gap bar's true rhythm merged in (pitches kept in order, then repeated)", "baseline",
                [given], () => new RepeatContextFiller(), true, null),
        };
        foreach (var v in plan.Gaps.Variants)
        {
            var runs = results.Where(r => r.Variant == v.Name && plan.Gaps.Seeds.Contains(r.Seed)).OrderBy(r => r.Seed).ToList();
            var dir = MatrixRunner.RunDir(outDir, v.Name, runs[0].Seed);
            var frozenName = FrozenVariant(v) ?? "";
            var stage1 = results.Where(r => r.Variant == frozenName && runs.Any(g => FrozenSeed(plan.Bars, g.Seed) == r.Seed)).ToList();
            string vae = stage1.Count == 0 ? "" :
                $"; frozen {frozenName}: validation accuracy {F(stage1.Average(r => r.Values.GetValueOrDefault("val_accuracy", double.NaN)))}, KL {F(stage1.Average(r => r.Values.GetValueOrDefault("val_kl", double.NaN)), "0.0")} nats";
            string timing = $"train {F(runs.Average(r => r.TrainSeconds), "0")} s (stage 2{(stage1.Count > 0 ? $"; stage 1 {F(stage1.Average(r => r.TrainSeconds), "0")} s" : "")}), eval {F(runs.Average(r => r.EvalSeconds), "0")} s per seed";
            var model = v.Model["model"]?.GetValue<string>() ?? v.Name;
            rows.Add(new Row(v.Name, $"{v.Summary}; seeds {string.Join(", ", runs.Select(r => r.Seed))}{vae}; {timing}", model,
                runs.Select(r => r.Values.Where(kv => !kv.Key.StartsWith(GivenRhythmPrefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value)).ToList(),
                () => GapFillers.Open(dir).Filler, false, dir));
            if (runs[0].Values.Keys.Any(k => k.StartsWith(GivenRhythmPrefix, StringComparison.Ordinal)))
                rows.Add(new Row(v.Name + TrueRhythmSuffix, $"the same runs, each gap bar's true rhythm given as a sketch; scored on the model's own decodes (not repaired)", model,
                    runs.Select(r => r.Values.Where(kv => kv.Key.StartsWith(GivenRhythmPrefix, StringComparison.Ordinal))
                        .ToDictionary(kv => kv.Key[GivenRhythmPrefix.Length..], kv => kv.Value)).ToList(),
                    () => Unrepaired(GapFillers.Open(dir).Filler), true, dir));
        }

        string? audioNote = NoteRenderer.MissingRenderer();
        var examples = windows.Take(options.ReportExamples).ToList();
        var variants = new List<VariantReport>();
        var files = Path.Combine(outDir, "examples");
        Directory.CreateDirectory(files);
        foreach (var row in rows)
        {
            log($"report: piano rolls and sound of {row.Name}");
            var (images, audio) = Assets(row, examples, files, firstSeed, audioNote is null, withOriginal: row == rows[0]);
            variants.Add(new VariantReport
            {
                Name = row.Name,
                ConfigSummary = row.Summary,
                Metrics = BenchmarkRunner.Aggregate(row.PerSeed.Select(d => (IReadOnlyDictionary<string, double>)d)),
                Curves = row.RunDir is null || row.GivenRhythm ? new Dictionary<string, IReadOnlyList<(double, double)>>() : Curves(row.RunDir),
                Images = images,
                Audio = audio,
                Family = row.Family,
                Objective = "categorical",
            });
        }
        var notes = new List<string>
        {
            $"Task: fill bars 7–10 of a 16-bar window from the 6 bars before and the 6 after (Music SketchNet's set-up, Chen et al. 2020; InpaintNet's paper also tests 2–6-bar gaps, left out so every row solves the same task). Test windows: the first {windows.Count} of {plan.Gaps.Data}'s test split (whole tunes held out, seed 9010; consecutive windows overlap by 15 bars).",
            $"Training: stage 1 ({string.Join(", ", plan.Bars.Variants.Select(v => v.Name))}) on {plan.Bars.Data}, {plan.Bars.Training.Epochs} epoch(s) of batch {plan.Bars.Training.BatchSize}{Limit(plan.Bars.Training)}; stage 2 ({string.Join(", ", plan.Gaps.Variants.Select(v => v.Name))}) on {plan.Gaps.Data}, {plan.Gaps.Training.Epochs} epoch(s) of batch {plan.Gaps.Training.BatchSize}{Limit(plan.Gaps.Training)}, each on the frozen stage-1 run of {(plan.Bars.Seeds.Count == 1 ? $"seed {plan.Bars.Seeds[0]} (the bar VAEs are trained once; the seeds vary the gap models only)" : "its seed")}; Adam at lr {F(plan.Gaps.Training.Lr, "0.#####")}; stage-2 seeds {string.Join(", ", plan.Gaps.Seeds)}; mean ± sample std over the seeds. The papers train far longer on a GPU: these models are not converged, and the comparison is of equal budgets.",
            "Metrics (SketchNet's evaluation code): pitch accuracy counts the true gap's note-on steps filled with the same note-on; rhythm accuracy the true hold and rest steps filled with the same token; both per window, then averaged. NLL is the mean cross-entropy per gap step of the true tokens given the context (and the given rhythm, in the rows with it); the baseline has none.",
            "Rows given the true rhythm: SketchNet encodes each gap bar's rhythm with the SketchVAE's rhythm encoder and replaces that half of the bar's code; its decodes are scored as they come (a decoded bar that misses the rhythm is not repaired, as `music inpaint` does for the user), and missed_rhythm is the share of such bars. The baseline given the rhythm merges it with the repeated bar's pitches, so its rhythm accuracy is 1 by construction: it is the yardstick for pitch accuracy given the rhythm.",
            audioNote is null
                ? $"Audio: bars {InpaintGap.Window.FirstBar + 1 - AudioContextBars}–{InpaintGap.Window.FirstBar + InpaintGap.Window.BarCount + AudioContextBars} of the first test window (the gap with {AudioContextBars} context bars either side), rendered from MIDI by FluidSynth with the General MIDI sound font at 120 quarter notes per minute; the whole windows are MIDI and WAV files in examples/."
                : $"No audio in this report: {audioNote}.",
        };
        return new BenchmarkReport
        {
            Title = $"LatentSynth inpainting benchmark: SketchNet's comparison on {plan.Gaps.Data}",
            Dataset = plan.Gaps.Data,
            Variants = variants,
            MetricInfo = Info,
            Notes = notes,
            Legend =
            [
                ("Training curves", "Each loss term of the gap model (stage 2) per epoch, as logged during training."),
                ("filled windows", "Piano rolls of test windows (time across, pitch up, bars numbered): each original above its filled version; the gap's bars are shaded. The first seed's run fills them, greedily."),
                ("audio", "The gap and two bars either side, original (in the baseline row) and as each row filled it."),
            ],
        };
    }

    /// <summary>The stage-1 variant a stage-2 variant names with <c>"@name"</c>, or null.</summary>
    private static string? FrozenVariant(BenchmarkVariant v) =>
        v.Model.Select(kv => kv.Value is System.Text.Json.Nodes.JsonValue j && j.TryGetValue<string>(out var s) && s.StartsWith('@') ? s[1..] : null)
            .FirstOrDefault(n => n is not null);

    private static IGapFiller Unrepaired(IGapFiller filler)
    {
        if (filler is SketchNetGapFiller s) s.RepairSketches = false;
        return filler;
    }

    private static Dictionary<string, IReadOnlyList<(double, double)>> Curves(string dir)
    {
        var curves = new Dictionary<string, IReadOnlyList<(double, double)>>();
        var rows = new MetricsLog(dir).ReadCsv();
        foreach (var col in rows.SelectMany(r => r.Keys).Distinct().Where(c => c is "train_loss" or "val_loss" or "val_recon" or "val_accuracy"))
            curves[col] = rows.Where(r => r.ContainsKey(col)).Select(r => (r["epoch"], r[col])).ToList();
        return curves;
    }

    /// <summary>The filled example windows of one row as a piano roll, and the first one's sound; also written to <c>OUT/examples/</c>.</summary>
    private (Dictionary<string, byte[]> Images, Dictionary<string, byte[]> Audio) Assets(Row row, IReadOnlyList<int[]> examples, string files,
        long seed, bool withAudio, bool withOriginal)
    {
        var gap = InpaintGap.Window;
        var marked = new[] { (gap.StartStep, gap.EndStep) };
        var filler = row.Open();
        var filled = new List<int[]>();
        try
        {
            using var generator = new LatentSynth.Torch.Generator((ulong)seed);
            foreach (var w in examples)
            {
                var hidden = (int[])w.Clone();
                Array.Fill(hidden, InpaintTokens.Rest, gap.StartStep, gap.EndStep - gap.StartStep);
                filled.Add(filler.Fill(hidden, gap, row.GivenRhythm ? TrueRhythm(w) : null, generator));
            }
        }
        finally { (filler as IDisposable)?.Dispose(); }
        var rolls = new List<PianoRollRow>();
        for (int i = 0; i < examples.Count; i++)
        {
            var truth = examples[i].AsSpan(gap.StartStep, gap.EndStep - gap.StartStep);
            var fill = filled[i].AsSpan(gap.StartStep, gap.EndStep - gap.StartStep);
            rolls.Add(new PianoRollRow(examples[i], $"test window {i}: original", marked));
            rolls.Add(new PianoRollRow(filled[i], $"filled by {row.Name}: pitch accuracy {Acc(InpaintMetrics.PitchAccuracy(truth, fill))}, rhythm accuracy {Acc(InpaintMetrics.RhythmAccuracy(truth, fill))}", marked));
        }
        var slug = string.Concat(row.Name.Select(c => char.IsLetterOrDigit(c) ? c : '-'));
        var png = PianoRoll.Render(rolls, new PianoRollOptions { Title = $"{row.Name}: test windows and their fills (bars {gap} shaded)", Inpaint24 = true }).ToPng();
        File.WriteAllBytes(Path.Combine(files, slug + ".png"), png);
        var images = new Dictionary<string, byte[]> { ["filled windows"] = png };
        var audio = new Dictionary<string, byte[]>();
        var clips = new List<(string Label, string Name, int[] Tokens)> { ($"filled by {row.Name}", slug + "-0", filled[0]) };
        if (withOriginal) clips.Insert(0, ("original", "original-0", examples[0]));
        int from = (gap.FirstBar - AudioContextBars) * InpaintTokens.StepsPerBar;
        int length = (gap.BarCount + 2 * AudioContextBars) * InpaintTokens.StepsPerBar;
        foreach (var (label, name, tokens) in clips)
        {
            var excerpt = ReportAudio.Write(files, name, tokens, (path, t) => InpaintGrid.WriteMidi(path, t), withAudio, (from, length));
            if (excerpt is not null) audio[$"{label}, bars {gap.FirstBar + 1 - AudioContextBars}–{gap.FirstBar + gap.BarCount + AudioContextBars}"] = excerpt;
        }
        return (images, audio);
    }

    private static string Limit(BenchmarkTraining t) => t.LimitTrain is { } n ? $" (the first {n:N0} training examples)" : "";

    private static string Acc(double? v) => v is double d ? F(d, "0.00") : "–";

    private static string F(double v, string format = "0.###") => v.ToString(format, CultureInfo.InvariantCulture);
}
