using System.CommandLine;
using System.Runtime.InteropServices;
using LatentSynth.Data;
using LatentSynth.Torch;
using Spectre.Console;

namespace LatentSynth.Cli;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>The <c>latentsynth</c> command line: one verb per subcommand.</summary>
public static class Cli
{
    private static IDatasetSource? dataSource;

    /// <summary>
    /// Where every verb that needs data (<c>train</c>, <c>eval</c>, <c>reconstruct</c>,
    /// <c>interpolate</c>, <c>traverse</c>, <c>encode</c>) loads datasets from, by name. By default
    /// the <see cref="DatasetCatalog"/> with its default cache (<see cref="CatalogDatasetSource"/>);
    /// tests set their own. Setting null restores the default.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.AllowNull]
    public static IDatasetSource DataSource
    {
        get => dataSource ??= new CatalogDatasetSource();
        set => dataSource = value;
    }

    /// <summary>Builds the command tree.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("LatentSynth: regularized autoencoders (AE, VAE, WAE) and latent synthesis on libtorch.");
        root.Subcommands.Add(InfoCommand());
        root.Subcommands.Add(DataCommands.Create());
        foreach (var verb in GenerateCommands.Create()) root.Subcommands.Add(verb);
        root.Subcommands.Add(TrainCommands.Train());
        root.Subcommands.Add(TrainCommands.Eval());
        root.Subcommands.Add(BenchmarkCommand.Create());
        root.Subcommands.Add(AudioCommands.Create());
        root.Subcommands.Add(MusicCommands.Create());
        root.Subcommands.Add(ServeCommand.Create());
        return root;
    }

    /// <summary>Parses and runs; every error a user can cause ends as one red line and exit code 1.</summary>
    public static int Run(string[] args)
    {
        try
        {
            var parse = Build().Parse(args);
            if (parse.Errors.Count > 0)
            {
                // One line, not System.CommandLine's error list followed by the whole help text.
                var errors = string.Join("; ", parse.Errors.Select(e => Friendly(e.Message.TrimEnd('.'))).Distinct());
                AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(errors)} (see `{Markup.Escape(CommandPath(parse.CommandResult))} --help`)");
                return 1;
            }
            if (parse.Errors.Count == 0 && parse.CommandResult.Command is not RootCommand)
                RuntimeDefaults.Apply(w => AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}"));
            // Our handler below prints one line; System.CommandLine's own would print a stack trace.
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is TorchException or ArgumentException or IOException or UnauthorizedAccessException
                                      or InvalidOperationException or DllNotFoundException)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return 1;
        }
    }

    /// <summary>"--epochs: 'x' is not an integer" instead of .NET type names.</summary>
    private static string Friendly(string message)
    {
        var m = System.Text.RegularExpressions.Regex.Match(message, @"^Cannot parse argument '(.*)' for option '(.*)' as expected type '(.*)'$");
        if (!m.Success) return message;
        var type = m.Groups[3].Value;
        var kind = type.Contains("Int", StringComparison.Ordinal) ? "an integer"
            : type.Contains("Double", StringComparison.Ordinal) || type.Contains("Single", StringComparison.Ordinal) ? "a number"
            : type.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
            : "a valid value";
        return $"{m.Groups[2].Value}: '{m.Groups[1].Value}' is not {kind}";
    }

    /// <summary>"latentsynth data fetch": the command line up to the verb that was parsed.</summary>
    private static string CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (var r = result; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            names.Add(r.Command is RootCommand ? "latentsynth" : r.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    private static Command InfoCommand()
    {
        var cmd = new Command("info", "Print versions (LatentSynth, libtorch, .NET), the BLAS in use, the thread settings and the thread plan of each workload.");
        cmd.SetAction(_ =>
        {
            var blas = Torch.Blas;
            var table = new Table().Border(TableBorder.Rounded).AddColumn("item").AddColumn("value");
            table.AddRow("LatentSynth", Torch.Version);
            table.AddRow("libtorch", Torch.LibTorchVersion);
            table.AddRow(".NET", RuntimeInformation.FrameworkDescription);
            table.AddRow("OS", RuntimeInformation.OSDescription);
            table.AddRow("BLAS", Markup.Escape(blas.Kind) + (blas.IsReference ? " [red](slow: install libopenblas0-pthread)[/]" : ""));
            table.AddRow("BLAS libraries", Markup.Escape(string.Join("\n", blas.Libraries)));
            table.AddRow("BLAS threads", Torch.BlasThreads < 0 ? "n/a" : Torch.BlasThreads.ToString());
            table.AddRow("intra-op threads", Torch.NumThreads.ToString());
            table.AddRow("inter-op threads", Torch.NumInteropThreads.ToString());
            if (ThreadPlans.Current is { } plan) table.AddRow("thread plan in force", Markup.Escape($"{plan.Plan} ({plan.Source})"));
            var busy = ThreadPlans.OtherProcessesBusyCores(TimeSpan.FromMilliseconds(200));
            table.AddRow("cores busy with other work", busy is { } b ? b.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) : "n/a");
            int cores = ThreadPlans.CoresPerWorker();
            int free = busy is { } bc ? ThreadPlans.FreeCores(cores, bc) : cores;
            table.AddRow("thread plans", Markup.Escape(string.Join("\n", Enum.GetValues<Workload>().Select(w => $"{w}: {ThreadPlans.Default(w, cores)}"))) +
                (free < cores ? $"\n[yellow]machine busy now: training would plan for {free} free core(s)[/]" : "") +
                "\n[dim]training applies its model's plan; LATENTSYNTH_THREADS / LATENTSYNTH_BLAS_THREADS override[/]");
            table.AddRow("logical CPUs", Environment.ProcessorCount.ToString());
            table.AddRow("deterministic algorithms", Torch.AreDeterministicAlgorithmsEnabled ? "on" : "off");
            AnsiConsole.Write(table);
            return 0;
        });
        return cmd;
    }
}
