using System.CommandLine;
using System.Globalization;
using LatentSynth.Data;
using LatentSynth.Evaluation.Benchmark;
using LatentSynth.Music.Evaluation;
using Spectre.Console;

namespace LatentSynth.Cli;

/// <summary>
/// <c>latentsynth music inpaint-benchmark --out OUT</c>: Music SketchNet's comparison table on our data — the baseline,
/// InpaintNet, SketchNet, and SketchNet given the true rhythm; NLL, pitch and rhythm accuracy of the filled bars over several seeds.
/// Trains both stages of both models on the one matrix runner (resumable) and writes OUT/report.html and OUT/summary.md
/// (<see cref="InpaintBenchmark"/>).
/// </summary>
public static class MusicInpaintBenchmarkCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Output folder: runs/<variant>-s<seed>, examples/, report.html, summary.md (rerun to continue)", Required = true };
        var bars = new Option<string?>("--bar-data") { Description = $"Stage 1 data, single bars for the bar VAEs [default: {InpaintBenchmark.DefaultBarData}; midi-bars24:DIR for your own files]" };
        var gaps = new Option<string?>("--gap-data") { Description = $"Stage 2 data, 16-bar windows for the gap models [default: {InpaintBenchmark.DefaultGapData}; midi-inpaint:DIR]" };
        var quick = new Option<bool>("--quick") { Description = "Tiny run: 1 seed, 1 epoch per stage, 256 training bars and 64 windows, 32 test windows" };
        var seeds = BenchmarkCommand.SeedsOption("0,1,2");
        seeds.Description = "Seeds of the gap models (stage 2): --seeds 0 1 2 or --seeds 0,1,2 [default: 0,1,2]";
        var barSeeds = BenchmarkCommand.SeedsOption("0", "--bar-seeds");
        barSeeds.Description = "Seeds of the bar VAEs (stage 1); a gap model of a seed stage 1 lacks uses stage 1's first [default: 0, trained once]";
        var epochs = new Option<int?>("--epochs") { Description = "Epochs per run, both stages [default: 2]" };
        var windows = new Option<int?>("--windows") { Description = "Test windows every filler fills [default: 512; --quick: 32]" };
        var cmd = new Command("inpaint-benchmark", "SketchNet's comparison on our data: baseline, InpaintNet, SketchNet and SketchNet given the true rhythm — NLL, pitch and rhythm accuracy of the filled bars over seeds; HTML report with piano rolls (gap marked), audio and curves.")
        {
            output, bars, gaps, quick, seeds, barSeeds, epochs, windows,
        };
        cmd.SetAction(parse =>
        {
            var outDir = parse.GetValue(output)!;
            UserPaths.CheckOutputFolder("--out", outDir);
            var plan = InpaintBenchmark.DefaultPlan(parse.GetValue(bars) ?? InpaintBenchmark.DefaultBarData, parse.GetValue(gaps) ?? InpaintBenchmark.DefaultGapData);
            var options = new InpaintBenchmarkOptions();
            if (parse.GetValue(quick))
            {
                plan = InpaintBenchmark.Quick(plan);
                options = options with { MaxTestWindows = 32, ReportExamples = 2 };
            }
            plan = new InpaintBenchmarkPlan(BenchmarkCommand.WithOverrides(plan.Bars, parse.GetValue(barSeeds), parse.GetValue(epochs)),
                BenchmarkCommand.WithOverrides(plan.Gaps, parse.GetValue(seeds), parse.GetValue(epochs)));
            if (parse.GetValue(windows) is { } w)
            {
                if (w < 1 || w > 100_000) throw new ArgumentException($"--windows: {w} must be between 1 and 100000");
                options = options with { MaxTestWindows = w };
            }
            var bench = new InpaintBenchmark(m => AnsiConsole.MarkupLine(Markup.Escape(m)));
            using var stop = new StopSignal();
            var outcome = bench.Run(plan, options, outDir, stop.Token);
            return BenchmarkCommand.Finish(stop, outcome.Completed, outcome.ReportPath, outcome.SummaryPath, outcome.TrainedRuns, outcome.ResumedRuns, outcome.SkippedRuns, outcome.Seconds);
        });
        return cmd;
    }
}
