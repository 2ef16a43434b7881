using System.CommandLine;
using LatentSynth.Data;
using LatentSynth.Evaluation.Benchmark;
using Spectre.Console;

namespace LatentSynth.Cli;

/// <summary>
/// <c>latentsynth benchmark</c>: trains and evaluates a matrix of variants × seeds (resumable) and
/// writes OUT/report.html and OUT/summary.md (see <see cref="BenchmarkRunner"/>).
/// </summary>
public static class BenchmarkCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "Matrix JSON {\"data\", \"seeds\", \"training\": {epochs, batch_size, lr, limit_train, limit_test}, \"variants\": [{\"name\", \"model\": {...}}]} [default: the built-in 10-variant matrix]" };
        var data = new Option<string?>("--data") { Description = "Dataset (overrides the matrix's) [default: fashion-mnist]" };
        var outDir = new Option<string>("--out") { Description = "Output folder: runs/<variant>-s<seed>, report.html, summary.md [default: benchmark]", DefaultValueFactory = _ => "benchmark" };
        var quick = new Option<bool>("--quick") { Description = "Tiny smoke run: 2000 train / 500 test examples, 1 epoch, 1 seed, k = 16 IWAE, 1-epoch classifier [default: false]" };
        var seeds = SeedsOption();
        var epochs = new Option<int?>("--epochs") { Description = "Epochs per run (override the matrix's)" };
        var cmd = new Command("benchmark", "Train and evaluate a matrix of models × seeds (resumable) and write an HTML report and a Markdown summary")
        {
            config, data, outDir, quick, seeds, epochs,
        };
        cmd.SetAction(parse =>
        {
            UserPaths.CheckOutputFolder("--out", parse.GetValue(outDir)!);
            var matrix = parse.GetValue(config) is { } path ? BenchmarkMatrix.Load(path) : BenchmarkMatrix.Default();
            if (parse.GetValue(data) is { } d) matrix = matrix with { Data = d };
            if (parse.GetValue(quick)) matrix = matrix.Quick();
            matrix = WithOverrides(matrix, parse.GetValue(seeds), parse.GetValue(epochs));
            return Run(matrix, parse.GetValue(outDir)!);
        });
        return cmd;
    }

    /// <summary>
    /// The <c>--seeds</c> option every benchmark verb shares: separate tokens (<c>--seeds 0 1 2</c>) or a comma-separated
    /// list (<c>--seeds 0,1,2</c>), both spellings people type; a part that is not an integer is a parse error naming it.
    /// </summary>
    /// <param name="defaults">The default shown in the help.</param>
    /// <param name="name">The option's name (another seeds list of the same verb, e.g. <c>--bar-seeds</c>).</param>
    public static Option<long[]?> SeedsOption(string defaults = "the matrix's", string name = "--seeds") => new(name)
    {
        Description = $"Seeds (override the matrix's): {name} 0 1 2 or {name} 0,1,2 [default: {defaults}]",
        AllowMultipleArgumentsPerToken = true,
        CustomParser = result =>
        {
            var list = new List<long>();
            foreach (var token in result.Tokens)
                foreach (var part in token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (long.TryParse(part, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v)) list.Add(v);
                    else { result.AddError($"{name}: '{part}' is not an integer seed (write {name} 0 1 2 or {name} 0,1,2)"); return null; }
                }
            return list.ToArray();
        },
    };

    /// <summary>The matrix with the <c>--seeds</c> and <c>--epochs</c> overrides of a benchmark verb applied (null: keep the matrix's).</summary>
    /// <exception cref="ArgumentException">Fewer than 1 epoch.</exception>
    public static BenchmarkMatrix WithOverrides(BenchmarkMatrix matrix, long[]? seeds, int? epochs)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (seeds is { Length: > 0 }) matrix = matrix with { Seeds = seeds };
        if (epochs is { } e)
        {
            if (e < 1) throw new ArgumentException($"--epochs: {e} must be at least 1");
            matrix = matrix with { Training = matrix.Training with { Epochs = e } };
        }
        return matrix;
    }

    private static int Run(BenchmarkMatrix matrix, string outDir)
    {
        using var stop = new StopSignal();
        var runner = new BenchmarkRunner(Cli.DataSource, line => AnsiConsole.WriteLine(line));
        var outcome = runner.Run(matrix, outDir, stop.Token);
        if (!outcome.Completed)
        {
            AnsiConsole.MarkupLine($"[yellow]Interrupted[/] by {Markup.Escape(stop.Description ?? "a stop request")}; rerun the same command to continue ({Markup.Escape(outDir)}).");
            return stop.ExitCode;
        }
        AnsiConsole.MarkupLine($"[green]Done[/]: trained {outcome.TrainedRuns}, resumed {outcome.ResumedRuns}, reused {outcome.SkippedRuns} run(s); {Markup.Escape(outcome.ReportPath!)}");
        return 0;
    }

    /// <summary>
    /// The closing lines every report-writing benchmark verb prints: on an interruption, by what and that a rerun continues
    /// (exit code of the stop signal); else the report and summary paths with what was trained, resumed and skipped (exit 0).
    /// </summary>
    internal static int Finish(StopSignal stop, bool completed, string? reportPath, string? summaryPath, int trained, int resumed, int skipped, double seconds)
    {
        if (!completed)
        {
            AnsiConsole.MarkupLine($"[yellow]Interrupted[/] by {Markup.Escape(stop.Description ?? "a stop request")}; rerun the same command to continue.");
            return stop.ExitCode;
        }
        AnsiConsole.MarkupLine($"[green]wrote[/] {Markup.Escape(reportPath!)} and {Markup.Escape(summaryPath!)} " +
            $"({trained} trained, {resumed} resumed, {skipped} skipped; {seconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} s)");
        return 0;
    }
}
