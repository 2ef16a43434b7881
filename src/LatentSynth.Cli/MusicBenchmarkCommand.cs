using System.CommandLine;
using System.Globalization;
using LatentSynth.Data;
using LatentSynth.Evaluation.Benchmark;
using LatentSynth.Music.Evaluation;
using Spectre.Console;

namespace LatentSynth.Cli;

/// <summary>
/// <c>latentsynth music benchmark --out OUT</c>: MusicVAE's Table 1 and interpolation study on our data — trains the
/// flat and the hierarchical model over several seeds (resumable, on the one matrix runner) and writes OUT/report.html
/// and OUT/summary.md (<see cref="MusicBenchmark"/>).
/// </summary>
public static class MusicBenchmarkCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Output folder: runs/<variant>-s<seed>, report.html, summary.md (rerun to continue)", Required = true };
        var data = new Option<string?>("--data") { Description = $"Melody dataset [default: {MusicBenchmark.DefaultData}, every 4th 16-bar Nottingham window]" };
        var config = new Option<string?>("--config") { Description = "Matrix JSON (the format of `benchmark --config`; \"data\" may be left out) [default: flat and hier MusicVAE, 2×64 LSTMs, z 64]" };
        var quick = new Option<bool>("--quick") { Description = "Tiny run: 1 seed, 1 epoch, 256 training and 32 test windows, 8 interpolation pairs" };
        var seeds = BenchmarkCommand.SeedsOption("the matrix's; 0,1,2");
        var epochs = new Option<int?>("--epochs") { Description = "Epochs per run [default: the matrix's; 8]" };
        var pairs = new Option<int?>("--pairs") { Description = "Pairs of test windows in the interpolation study [default: 24; --quick: 8]" };
        var cmd = new Command("benchmark", "MusicVAE's Table 1 on our data: teacher-forced and sampled accuracy of the flat and the hierarchical model over seeds, the interpolation study (latent vs data space); HTML report with piano rolls, audio and curves.")
        {
            output, data, config, quick, seeds, epochs, pairs,
        };
        cmd.SetAction(parse =>
        {
            var outDir = parse.GetValue(output)!;
            UserPaths.CheckOutputFolder("--out", outDir);
            var dataName = parse.GetValue(data) ?? MusicBenchmark.DefaultData;
            BenchmarkMatrix matrix;
            if (parse.GetValue(config) is { } path)
            {
                var m = BenchmarkMatrix.Load(path);
                matrix = parse.GetValue(data) is null ? m : m with { Data = dataName };
            }
            else matrix = MusicBenchmark.DefaultMatrix(dataName);
            var options = new MusicBenchmarkOptions();
            if (parse.GetValue(quick))
            {
                matrix = MusicBenchmark.Quick(matrix);
                options = options with { InterpolationPairs = 8 };
            }
            matrix = BenchmarkCommand.WithOverrides(matrix, parse.GetValue(seeds), parse.GetValue(epochs));
            if (parse.GetValue(pairs) is { } p)
            {
                if (p < 1 || p > 1000) throw new ArgumentException($"--pairs: {p} must be between 1 and 1000");
                options = options with { InterpolationPairs = p };
            }
            var bench = new MusicBenchmark(m => AnsiConsole.MarkupLine(Markup.Escape(m)));
            using var stop = new StopSignal();
            var outcome = bench.Run(matrix, options, outDir, stop.Token);
            return BenchmarkCommand.Finish(stop, outcome.Completed, outcome.ReportPath, outcome.SummaryPath, outcome.TrainedRuns, outcome.ResumedRuns, outcome.SkippedRuns, outcome.Seconds);
        });
        return cmd;
    }
}
