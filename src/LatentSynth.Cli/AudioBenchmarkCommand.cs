using System.CommandLine;
using LatentSynth.Data;
using System.Globalization;
using LatentSynth.Audio.Evaluation;
using LatentSynth.Evaluation.Benchmark;
using Spectre.Console;

namespace LatentSynth.Cli;

/// <summary>
/// <c>latentsynth audio benchmark --notes DIR --out OUT</c>: trains a matrix of frame models on a note set
/// (resumable) and writes OUT/report.html and OUT/summary.md with spectral scores, descriptor errors,
/// latent-prior match, sounds and figures (<see cref="AudioBenchmark"/>).
/// </summary>
public static class AudioBenchmarkCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var notes = new Option<string>("--notes") { Description = "Note-set folder (notes.csv), e.g. from `audio render-notes`", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder: runs/<variant>-s<seed>, report.html, summary.md (rerun to continue)", Required = true };
        var config = new Option<string?>("--config") { Description = "Matrix JSON (the format of `benchmark --config`; \"data\" may be left out) [default: beta-vae, vae, wae-mmd-rbf, wae-mmd-imq, ae]" };
        var quick = new Option<bool>("--quick") { Description = "Tiny run: 1 seed, 1 epoch, first 2 instruments (flute, violin when present), 16 Griffin-Lim iterations, short paths" };
        var seeds = BenchmarkCommand.SeedsOption("the matrix's; 0");
        var epochs = new Option<int?>("--epochs") { Description = "Epochs per run [default: the matrix's; 20]" };
        var instruments = new Option<string?>("--instruments") { Description = "Comma-separated instruments to use [default: all; --quick: two]" };
        var dynamics = new Option<string?>("--dynamics") { Description = "Comma-separated dynamics to use [default: all]" };
        var maxNotes = new Option<int?>("--max-notes") { Description = "At most N notes per instrument [default: all]" };
        var iterations = new Option<int?>("--gl-iterations") { Description = "Griffin-Lim iterations [default: 100; --quick: 16]" };
        var cmd = new Command("benchmark", "Benchmark frame models on a note set: spectral convergence and log-spectral distance (model alone and with Griffin-Lim), descriptor errors, latent-prior MMD; HTML report with sounds, spectrograms, latent maps and descriptor figures.")
        {
            notes, output, config, quick, seeds, epochs, instruments, dynamics, maxNotes, iterations,
        };
        cmd.SetAction(parse =>
        {
            static List<string>? List(string? s) => string.IsNullOrWhiteSpace(s) ? null
                : s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            var notesDir = parse.GetValue(notes)!;
            UserPaths.CheckOutputFolder("--out", parse.GetValue(output)!);
            var matrix = parse.GetValue(config) is { } path ? AudioBenchmark.LoadMatrix(path, notesDir) : AudioBenchmark.DefaultMatrix(notesDir);
            var options = new AudioBenchmarkOptions
            {
                Notes = notesDir, Instruments = List(parse.GetValue(instruments)), Dynamics = List(parse.GetValue(dynamics)),
                MaxNotesPerInstrument = parse.GetValue(maxNotes),
            };
            if (parse.GetValue(quick))
            {
                matrix = AudioBenchmark.Quick(matrix);
                options = AudioBenchmark.Quick(options);
                if (options.Instruments is null)
                {
                    var all = LatentSynth.Audio.Notes.NoteSet.Load(notesDir).Instruments;
                    options = options with { Instruments = new[] { "flute", "violin" }.Where(all.Contains).Concat(all.Where(i => i is not ("flute" or "violin"))).Take(2).ToList() };
                }
            }
            matrix = BenchmarkCommand.WithOverrides(matrix, parse.GetValue(seeds), parse.GetValue(epochs));
            if (parse.GetValue(iterations) is { } it)
            {
                if (it < 1) throw new ArgumentException($"--gl-iterations: {it} must be at least 1");
                options = options with { GriffinLimIterations = it };
            }
            var bench = new AudioBenchmark(m => AnsiConsole.MarkupLine(Markup.Escape(m)));
            using var stop = new StopSignal();
            var outcome = bench.Run(matrix, options, parse.GetValue(output)!, stop.Token);
            return BenchmarkCommand.Finish(stop, outcome.Completed, outcome.ReportPath, outcome.SummaryPath, outcome.TrainedRuns, outcome.ResumedRuns, outcome.SkippedRuns, outcome.Seconds);
        });
        return cmd;
    }
}
