using System.CommandLine;
using LatentSynth.Data;
using LatentSynth.Evaluation.Benchmark;
using LatentSynth.Music.Evaluation;
using Spectre.Console;

namespace LatentSynth.Cli;

/// <summary>
/// <c>latentsynth music poly-benchmark --out OUT</c>: PianoTree VAE against its piano-roll and MIDI-event baselines at the
/// same latent size over several seeds (resumable, on the one matrix runner): note F1 of the reconstructions, the
/// interpolation between test segments, prior samples; writes OUT/report.html and OUT/summary.md (<see cref="PolyBenchmark"/>).
/// </summary>
public static class MusicPolyBenchmarkCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Output folder: runs/<variant>-s<seed>, report.html, summary.md (rerun to continue)", Required = true };
        var data = new Option<string?>("--data") { Description = $"Polyphonic dataset: nottingham-poly, jsb-poly or midi-poly:DIR [default: {PolyBenchmark.DefaultData}]" };
        var quick = new Option<bool>("--quick") { Description = "Tiny run: 1 seed, 1 epoch, 64 training and 32 test segments, 4 interpolation pairs of 5 points" };
        var seeds = BenchmarkCommand.SeedsOption("0,1,2");
        var epochs = new Option<int?>("--epochs") { Description = "Epochs per run [default: 3; --quick: 1]" };
        var segments = new Option<int?>("--segments") { Description = "Test segments evaluated per run, the first N of the test split [default: 128; --quick: 32]" };
        var trainSegments = new Option<int?>("--train-segments") { Description = "Training segments per run, the first N of the training split (more data for a longer run) [default: 1280; --quick: 64]" };
        var cmd = new Command("poly-benchmark", $"PianoTree VAE against its piano-roll and MIDI-event baselines (latent_dim {PolyBenchmark.LatentDim} each) over seeds: note precision/recall/F1 of the reconstructions (onset+pitch, +duration), interpolation between test segments, prior samples; HTML report with piano rolls, audio and curves.")
        {
            output, data, quick, seeds, epochs, segments, trainSegments,
        };
        cmd.SetAction(parse =>
        {
            var outDir = parse.GetValue(output)!;
            UserPaths.CheckOutputFolder("--out", outDir);
            var matrix = PolyBenchmark.DefaultMatrix(parse.GetValue(data) ?? PolyBenchmark.DefaultData);
            var options = new PolyBenchmarkOptions();
            if (parse.GetValue(quick))
            {
                matrix = PolyBenchmark.Quick(matrix);
                options = options with { Segments = 32, InterpolationPairs = 4, InterpolationSteps = 5 };
            }
            matrix = BenchmarkCommand.WithOverrides(matrix, parse.GetValue(seeds), parse.GetValue(epochs));
            if (parse.GetValue(segments) is { } n)
            {
                if (n < 2 || n > 100_000) throw new ArgumentException($"--segments: {n} must be between 2 and 100000");
                options = options with { Segments = n };
            }
            if (parse.GetValue(trainSegments) is { } t)
            {
                if (t < 1 || t > 10_000_000) throw new ArgumentException($"--train-segments: {t} must be between 1 and 10000000");
                matrix = matrix with { Training = matrix.Training with { LimitTrain = t } };
            }
            var bench = new PolyBenchmark(m => AnsiConsole.MarkupLine(Markup.Escape(m)));
            using var stop = new StopSignal();
            var outcome = bench.Run(matrix, options, outDir, stop.Token);
            return BenchmarkCommand.Finish(stop, outcome.Completed, outcome.ReportPath, outcome.SummaryPath, outcome.TrainedRuns, outcome.ResumedRuns, outcome.SkippedRuns, outcome.Seconds);
        });
        return cmd;
    }
}
