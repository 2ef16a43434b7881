using System.Text.Json.Nodes;
using LatentSynth.Evaluation.Benchmark;

namespace LatentSynth.Evaluation.Tests.Benchmark;

public sealed class BenchmarkRunnerTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "ls-bench-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    private static JsonObject Model(string name, params (string, JsonNode)[] keys)
    {
        var o = new JsonObject { ["model"] = name, ["latent_dim"] = 2, ["hidden"] = new JsonArray(8) };
        foreach (var (k, v) in keys) o[k] = v;
        return o;
    }

    private BenchmarkMatrix Matrix(params long[] seeds) => new("tiny", seeds, new BenchmarkTraining { Epochs = 1, BatchSize = 16 },
        [new("ae", Model("ae")), new("vae", Model("vae")), new("wae-mmd", Model("wae-mmd", ("kernel", "rbf")))])
    {
        Evaluation = new BenchmarkEvaluation
        {
            IwaeSamples = 4, IwaeExamples = 10, ClassifierEpochs = 1, QualitySamples = 20, LatentMapPoints = 30,
            CacheDir = Path.Combine(dir, "cache"),
        },
    };

    [Fact]
    public void Runs_the_matrix_writes_the_report_and_skips_finished_runs_on_rerun()
    {
        var lines = new List<string>();
        var runner = new BenchmarkRunner(new TestDataSource(), lines.Add);
        var outDir = Path.Combine(dir, "out");
        var first = runner.Run(Matrix(0), outDir);
        Assert.True(first.Completed);
        Assert.Equal(3, first.TrainedRuns);
        Assert.Equal(3, first.EvaluatedRuns);
        Assert.Contains(lines, l => l.Contains("estimated", StringComparison.Ordinal) && l.Contains("3 variants × 1 seeds × 1 epochs", StringComparison.Ordinal));
        var summary = File.ReadAllText(first.SummaryPath!);
        foreach (var name in new[] { "ae", "vae", "wae-mmd" })
            Assert.Contains($"| {name} ", summary);
        var html = File.ReadAllText(first.ReportPath!);
        Assert.Contains("iwae_nll", html);
        Assert.Contains("test accuracy", summary);
        Assert.DoesNotContain("classifier_accuracy", summary);
        Assert.Equal(3 * 4, System.Text.RegularExpressions.Regex.Matches(html, "data:image/png").Count); // samples, reconstructions, interpolations, traversals per variant
        var metricsFile = Path.Combine(BenchmarkRunner.RunDir(outDir, "vae", 0), BenchmarkRunner.MetricsFile);
        var before = File.ReadAllText(metricsFile);
        var vaeMetrics = System.Text.Json.JsonDocument.Parse(before).RootElement.GetProperty("Values");
        foreach (var m in new[] { "recon_bce", "recon_mse", "neg_elbo", "iwae_nll", "aggregate_kl", "latent_mmd", "active_units", "sample_fd", "sample_is", "sample_mmd" })
            Assert.True(vaeMetrics.TryGetProperty(m, out _), m);
        var writeTime = File.GetLastWriteTimeUtc(metricsFile);
        // A t-SNE map beside the PCA one for each variant (first seed), cached in the run folder.
        Assert.Equal(3 * 2, System.Text.RegularExpressions.Regex.Matches(html, "latent map \\(t-SNE\\)").Count); // per chart: its title and its aria-label
        var tsneFile = Path.Combine(BenchmarkRunner.RunDir(outDir, "vae", 0), BenchmarkRunner.TsneFile);
        Assert.True(File.Exists(tsneFile));
        var tsneTime = File.GetLastWriteTimeUtc(tsneFile);
        // The written reading compares WAE with VAE on every metric both have.
        Assert.Contains("## Reading: WAE against VAE", summary);
        Assert.Contains("recon_bce (lower is better): WAE", summary);
        Assert.Contains("id=\"reading\"", html);

        var second = runner.Run(Matrix(0), outDir);
        Assert.True(second.Completed);
        Assert.Equal(0, second.TrainedRuns);
        Assert.Equal(0, second.EvaluatedRuns);
        Assert.Equal(3, second.SkippedRuns);
        Assert.Equal(before, File.ReadAllText(metricsFile));
        Assert.Equal(writeTime, File.GetLastWriteTimeUtc(metricsFile));
        Assert.Equal(tsneTime, File.GetLastWriteTimeUtc(tsneFile)); // reused, not recomputed
        Assert.Contains(lines, l => l.Contains("(measured)", StringComparison.Ordinal));
    }

    [Fact]
    public void An_interrupted_matrix_continues_on_rerun()
    {
        var outDir = Path.Combine(dir, "out");
        using var cts = new CancellationTokenSource();
        var runner = new BenchmarkRunner(new TestDataSource()) { RunDone = _ => cts.Cancel() };
        var first = runner.Run(Matrix(0), outDir, cts.Token);
        Assert.False(first.Completed);
        Assert.Equal(1, first.TrainedRuns);
        Assert.Null(first.ReportPath);
        Assert.False(File.Exists(Path.Combine(outDir, "summary.md")));

        var second = new BenchmarkRunner(new TestDataSource()).Run(Matrix(0), outDir);
        Assert.True(second.Completed);
        Assert.Equal(1, second.SkippedRuns);
        Assert.Equal(2, second.TrainedRuns);
        Assert.True(File.Exists(Path.Combine(outDir, "summary.md")));
    }

    [Fact]
    public void A_partially_trained_run_is_resumed_with_the_trainer()
    {
        var outDir = Path.Combine(dir, "out");
        var m = Matrix(0) with { Variants = [new("vae", Model("vae"))], Training = new BenchmarkTraining { Epochs = 2, BatchSize = 16 } };
        var runDir = BenchmarkRunner.RunDir(outDir, "vae", 0);
        // A run stopped after 1 of its 2 epochs (as Ctrl-C between epochs leaves it).
        var partial = BenchmarkRunner.ConfigFor(m with { Training = m.Training with { Epochs = 1 } }, m.Variants[0], 0, runDir);
        new LatentSynth.Training.Trainer(new TestDataSource()).Train(partial);
        var result = new BenchmarkRunner(new TestDataSource()).Run(m, outDir);
        Assert.True(result.Completed);
        Assert.Equal(1, result.ResumedRuns);
        Assert.Equal(0, result.TrainedRuns);
        Assert.Equal(2, new LatentSynth.Training.MetricsLog(runDir).ReadCsv().Count);
    }

    [Fact]
    public void Aggregates_mean_and_sample_std_over_seeds()
    {
        var agg = BenchmarkRunner.Aggregate(
        [
            new Dictionary<string, double> { ["a"] = 1.0, ["b"] = 5.0 },
            new Dictionary<string, double> { ["a"] = 3.0, ["b"] = 5.0 },
        ]);
        Assert.Equal(2.0, agg["a"].Mean, 12);
        Assert.Equal(Math.Sqrt(2.0), agg["a"].Std!.Value, 12);
        Assert.Equal(0.0, agg["b"].Std!.Value, 12);
        Assert.Null(BenchmarkRunner.Aggregate([new Dictionary<string, double> { ["a"] = 1.0 }])["a"].Std);
    }

    [Fact]
    public void Two_seeds_give_mean_and_std_of_the_per_run_metrics_in_the_summary()
    {
        var outDir = Path.Combine(dir, "out");
        var m = Matrix(0, 1) with { Variants = [new("ae", Model("ae"))] };
        var result = new BenchmarkRunner(new TestDataSource()).Run(m, outDir);
        Assert.True(result.Completed);
        Assert.Equal(2, result.TrainedRuns);
        double Read(long seed) => System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(BenchmarkRunner.RunDir(outDir, "ae", seed), BenchmarkRunner.MetricsFile)))
            .RootElement.GetProperty("Values").GetProperty("recon_mse").GetDouble();
        double a = Read(0), b = Read(1);
        var agg = BenchmarkRunner.Aggregate([new Dictionary<string, double> { ["x"] = a }, new Dictionary<string, double> { ["x"] = b }])["x"];
        Assert.Equal((a + b) / 2, agg.Mean, 12);
        Assert.Equal(Math.Abs(a - b) / Math.Sqrt(2), agg.Std!.Value, 12);
        Assert.Contains(agg.ToString(), File.ReadAllText(result.SummaryPath!));
    }

    [Fact]
    public void Matrix_json_round_trip_and_default_matrix()
    {
        var m = BenchmarkMatrix.FromJson("""
            {"data": "tiny", "seeds": [1, 2], "training": {"epochs": 2, "batch_size": 8, "lr": 0.01, "limit_train": 30},
             "variants": [{"name": "v", "model": {"model": "vae", "latent_dim": 2}}]}
            """);
        Assert.Equal([1L, 2L], m.Seeds);
        Assert.Equal(2, m.Training.Epochs);
        Assert.Equal(30, m.Training.LimitTrain);
        Assert.Equal("v", Assert.Single(m.Variants).Name);
        Assert.Throws<ArgumentException>(() => BenchmarkMatrix.FromJson("""{"data": "tiny", "variants": [], "bogus": 1}"""));
        var d = BenchmarkMatrix.Default();
        Assert.Equal(10, d.Variants.Count);
        foreach (var v in d.Variants)
            BenchmarkRunner.ConfigFor(d, v, 0, "x"); // every default variant is a valid config
        var q = d.Quick();
        Assert.Equal(1, q.Training.Epochs);
        Assert.Equal(2000, q.Training.LimitTrain);
        Assert.Equal(500, q.Training.LimitTest);
    }
}

[Collection(ProcessWideState.Name)]
public sealed class BenchmarkCommandTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "ls-benchcli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        LatentSynth.Cli.Cli.DataSource = null;
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Benchmark_verb_runs_a_matrix_file()
    {
        Directory.CreateDirectory(dir);
        var config = Path.Combine(dir, "matrix.json");
        File.WriteAllText(config, $$$"""
            {"data": "tiny", "seeds": [3], "training": {"epochs": 1, "batch_size": 16},
             "evaluation": {"iwae_samples": 2, "iwae_examples": 5, "classifier_epochs": 1, "quality_samples": 10, "latent_map_points": 20, "cache_dir": {{{System.Text.Json.JsonSerializer.Serialize(Path.Combine(dir, "cache"))}}}},
             "variants": [{"name": "ae", "model": {"model": "ae", "latent_dim": 2, "hidden": [8]}}]}
            """);
        LatentSynth.Cli.Cli.DataSource = new TestDataSource();
        var outDir = Path.Combine(dir, "out");
        // --seeds overrides the file's seeds; a comma-separated list works like separate tokens.
        var r = CliRunner.Run("benchmark", "--config", config, "--out", outDir, "--seeds", "3,4");
        Assert.True(r.Code == 0, r.Output + r.Error);
        Assert.Contains("estimated", r.Output);
        Assert.Contains("1 variants × 2 seeds", r.Output);
        Assert.True(File.Exists(Path.Combine(outDir, "report.html")));
        var summary = File.ReadAllText(Path.Combine(outDir, "summary.md"));
        Assert.Contains("| ae ", summary);
        Assert.Contains(" ± ", summary);
        var bad = CliRunner.Run("benchmark", "--config", config, "--out", outDir, "--seeds", "3,x");
        Assert.NotEqual(0, bad.Code);
        Assert.Contains("'x' is not an integer seed", bad.Output + bad.Error);
    }
}
