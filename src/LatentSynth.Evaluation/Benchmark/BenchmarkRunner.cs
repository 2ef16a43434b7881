using LatentSynth.Torch.IO;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LatentSynth.Data;
using LatentSynth.Evaluation.Metrics;
using LatentSynth.Evaluation.Quality;
using LatentSynth.Evaluation.Report;
using LatentSynth.Models;
using LatentSynth.Models.Vae;
using LatentSynth.Torch;
using LatentSynth.Training;

namespace LatentSynth.Evaluation.Benchmark;

using Torch = LatentSynth.Torch.Torch;

/// <summary>The metrics of one finished run (variant × seed), as saved in its metrics file.</summary>
public sealed record RunMetrics(string Variant, long Seed, Dictionary<string, double> Values, double TrainSeconds, double EvalSeconds,
    List<double[]>? MapPoints = null, List<int>? MapLabels = null, string? MapX = null, string? MapY = null, string? MapNote = null);

/// <summary>What a call to <see cref="BenchmarkRunner.Run"/> did.</summary>
public sealed record BenchmarkOutcome(bool Completed, int TrainedRuns, int ResumedRuns, int EvaluatedRuns, int SkippedRuns,
    string? ReportPath, string? SummaryPath, double Seconds);

/// <summary>
/// Runs a <see cref="BenchmarkMatrix"/>: every variant × seed in <c>OUT/runs/&lt;variant&gt;-s&lt;seed&gt;</c>
/// (trained, resumed when a previous call was interrupted, or skipped when its
/// <see cref="MetricsFile"/> exists), evaluated once, aggregated over seeds (mean ± sample std) into
/// <c>OUT/report.html</c> and <c>OUT/summary.md</c>.
/// </summary>
public sealed class BenchmarkRunner
{
    /// <summary>The per-run metrics file (<see cref="MatrixRunner.MetricsFile"/>).</summary>
    public const string MetricsFile = MatrixRunner.MetricsFile;

    /// <summary>Seconds per epoch per training example assumed before any run has been measured.</summary>
    public const double AssumedSecondsPerExampleEpoch = 2e-4;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, IncludeFields = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private readonly IDatasetSource source;
    private readonly Action<string> log;

    /// <summary>A runner loading data from <paramref name="source"/> and printing progress to <paramref name="log"/>.</summary>
    public BenchmarkRunner(IDatasetSource source, Action<string>? log = null)
    {
        this.source = source ?? throw new ArgumentNullException(nameof(source));
        this.log = log ?? (_ => { });
    }

    /// <summary>Called after each run is complete (trained and evaluated or skipped); tests cancel from here.</summary>
    public Action<RunMetrics>? RunDone { get; set; }

    /// <summary>The folder of one run.</summary>
    public static string RunDir(string outDir, string variant, long seed) => MatrixRunner.RunDir(outDir, variant, seed);

    /// <summary>The run config of one variant and seed.</summary>
    public static RunConfig ConfigFor(BenchmarkMatrix matrix, BenchmarkVariant variant, long seed, string runDir)
    {
        var t = matrix.Training;
        var training = new JsonObject
        {
            ["data"] = matrix.Data, ["epochs"] = t.Epochs, ["batch_size"] = t.BatchSize, ["lr"] = t.Lr, ["seed"] = seed, ["out"] = runDir,
        };
        if (t.LimitTrain is { } lt) training["limit_train"] = lt;
        if (t.LimitTest is { } ls) training["limit_test"] = ls;
        var root = new JsonObject { ["model"] = variant.Model.DeepClone(), ["training"] = training };
        return RunConfig.FromJson(root.ToJsonString(), $"variant '{variant.Name}'");
    }

    /// <summary>Runs (or continues) the matrix and writes the report; stops early when <paramref name="cancel"/> fires.</summary>
    public BenchmarkOutcome Run(BenchmarkMatrix matrix, string outDir, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var clock = Stopwatch.StartNew();
        // Validate every config before anything runs.
        foreach (var v in matrix.Variants) ConfigFor(matrix, v, matrix.Seeds[0], RunDir(outDir, v.Name, matrix.Seeds[0]));
        Directory.CreateDirectory(outDir);

        using var data = Trainer.LoadData(source, ConfigFor(matrix, matrix.Variants[0], matrix.Seeds[0], outDir).Training, log);
        int total = matrix.Variants.Count * matrix.Seeds.Count;
        var (perEpoch, measured) = SecondsPerEpoch(matrix, outDir, data.Train.Count);
        double estimate = total * matrix.Training.Epochs * perEpoch;
        log($"benchmark: {matrix.Variants.Count} variants × {matrix.Seeds.Count} seeds × {matrix.Training.Epochs} epochs × " +
            $"{perEpoch.ToString("0.0", CultureInfo.InvariantCulture)} s/epoch ({(measured ? "measured" : "estimated")}) ≈ {Duration(estimate)} of training (plus evaluation)");

        Classifier? classifier = null;
        var matrixRunner = new MatrixRunner(
            train: (cell, token) => new Trainer(source, warn: log).Train(ConfigFor(matrix, cell.Variant, cell.Seed, cell.Dir), token),
            resume: (cell, token) => new Trainer(source, warn: log).Resume(cell.Dir, matrix.Training.Epochs, token),
            evaluate: cell =>
            {
                classifier ??= ClassifierStore.GetOrTrain(data.Train, data.Test, ClassifierKey(matrix, data),
                    new ClassifierOptions { Epochs = matrix.Evaluation.ClassifierEpochs, CacheDir = matrix.Evaluation.CacheDir }, log);
                return Evaluate(matrix, cell.Variant, cell.Seed, cell.Dir, data, classifier);
            },
            log) { RunDone = RunDone };
        MatrixPass pass;
        try { pass = matrixRunner.Run(matrix, outDir, cancel); }
        finally { classifier?.Dispose(); }
        var results = pass.Results.ToList();
        if (!pass.Completed)
        {
            log($"benchmark interrupted after {Duration(clock.Elapsed.TotalSeconds)}; rerun the same command to continue");
            return new BenchmarkOutcome(false, pass.Trained, pass.Resumed, pass.Evaluated, pass.Skipped, null, null, clock.Elapsed.TotalSeconds);
        }
        var tsne = new Dictionary<string, LatentMap>();
        if (matrix.Evaluation.TsneIterations > 0)
            foreach (var v in matrix.Variants)
            {
                var first = results.Where(r => r.Variant == v.Name).OrderBy(r => r.Seed).First();
                if (TsneMap(matrix, RunDir(outDir, v.Name, first.Seed), data.Test, log) is { } m) tsne[v.Name] = m;
            }
        var report = BuildReport(matrix, outDir, results, data.Test.ClassNames, tsne);
        string html = Path.Combine(outDir, "report.html"), md = Path.Combine(outDir, "summary.md");
        HtmlReport.Write(report, html);
        MarkdownSummary.Write(report, md);
        log($"benchmark finished in {Duration(clock.Elapsed.TotalSeconds)} (estimated {Duration(estimate)} of training): {html}, {md}");
        return new BenchmarkOutcome(true, pass.Trained, pass.Resumed, pass.Evaluated, pass.Skipped, html, md, clock.Elapsed.TotalSeconds);
    }

    private static string ClassifierKey(BenchmarkMatrix matrix, DatasetSplits data) =>
        $"{matrix.Data}-{data.Train.Count}-{data.Test.Count}";

    /// <summary>Seconds per epoch: the mean of the "seconds" column of runs already in <paramref name="outDir"/>, else an assumption per example.</summary>
    private static (double Seconds, bool Measured) SecondsPerEpoch(BenchmarkMatrix matrix, string outDir, long trainCount)
    {
        var seconds = new List<double>();
        var runs = Path.Combine(outDir, "runs");
        if (Directory.Exists(runs))
            foreach (var dir in Directory.GetDirectories(runs))
                foreach (var row in new MetricsLog(dir).ReadCsv())
                    if (row.TryGetValue("seconds", out var s) && double.IsFinite(s)) seconds.Add(s);
        return seconds.Count > 0 ? (seconds.Average(), true) : (trainCount * AssumedSecondsPerExampleEpoch, false);
    }

    private static string Duration(double s) => MatrixRunner.Duration(s);

    /// <summary>Computes every metric that applies to the run's model, and its images.</summary>
    private RunMetrics Evaluate(BenchmarkMatrix matrix, BenchmarkVariant variant, long seed, string dir, DatasetSplits data, Classifier classifier)
    {
        var ev = matrix.Evaluation;
        var run = RunFolder.Open(dir);
        using var model = run.LoadModel();
        var test = data.Test;
        var values = new Dictionary<string, double>();
        using var g = new Generator((ulong)seed + 1000);
        var recon = ReconstructionMetrics.Compute(model, test);
        values["recon_bce"] = recon.Bce;
        values["recon_mse"] = recon.Mse;
        if (model is VaeModel vae)
        {
            // Likelihood values are comparable only under one reconstruction objective (mse and l1
            // omit their normalising constants), so non-Bernoulli variants get their own columns.
            var suffix = LikelihoodColumnSuffix(vae.Config.Recon);
            values["neg_elbo" + suffix] = Elbo.Compute(vae, test).NegativeElbo;
            using var iwaeData = test.Take(Math.Min(ev.IwaeExamples, test.Count));
            values["iwae_nll" + suffix] = IwaeNll.Compute(vae, iwaeData, samples: ev.IwaeSamples).Nll;
            values["aggregate_kl"] = AggregateKl.Compute(vae, test).Kl;
        }
        values["latent_mmd"] = LatentMmd.Compute(model, test, g).Mmd2;
        values["active_units"] = ActiveUnits.Compute(model, test).Active;
        using (var scope = Torch.NewScope())
        {
            using var samples = Generation.Samples(model, Math.Max(2, ev.QualitySamples), g);
            var generated = samples.Images.Reshape([samples.Count, .. test.ItemShape]);
            var q = SampleQuality.Evaluate(classifier, generated, test, new SampleQualityOptions { Seed = (ulong)seed });
            values["sample_fd"] = q.FrechetDistance;
            values["sample_is"] = q.Generated.InceptionScore;
            values["sample_mmd"] = q.Mmd.Mmd2;
            values["classifier_accuracy"] = q.ClassifierTestAccuracy;
        }
        WriteImages(model, test, dir, g);

        // Latent map: PCA of test codes.
        using var mapData = test.Take(Math.Min(ev.LatentMapPoints, test.Count));
        var codes = Generation.Encode(model, mapData);
        var flat = codes.Means.Select(f => (double)f).ToArray();
        List<double[]>? points = null; List<int>? labels = null; string? mx = null, my = null, note = null;
        if (codes.Labels is { } lab && codes.Count >= 2)
        {
            var pca = Pca.Fit(flat, codes.Count, codes.Dim, Math.Min(2, codes.Dim));
            var map = LatentMap.FromPca(pca, lab.Select(l => (int)l).ToList());
            points = map.Points.Select(p => new[] { p.X, p.Y }).ToList();
            labels = map.Labels.ToList();
            (mx, my, note) = (map.XLabel, map.YLabel, map.Note);
        }
        return new RunMetrics(variant.Name, seed, values, 0, 0, points, labels, mx, my, note);
    }

    private static readonly string[] ImageKinds = ["samples", "reconstructions", "interpolations", "traversals"];

    private static void WriteImages(AutoencoderModel model, TensorDataset test, string dir, Generator g)
    {
        using var scope = Torch.NewScope();
        int n = (int)Math.Min(8, test.Count);
        var (x, _) = test.Range(0, n);
        var grids = new List<(string, PictureGrid)>
        {
            ("samples", Generation.Samples(model, 16, g)),
            ("reconstructions", Generation.Reconstructions(model, x)),
        };
        if (test.Count >= 2)
        {
            int pairs = (int)Math.Min(4, test.Count / 2);
            grids.Add(("interpolations", Generation.Interpolations(model, test.Range(0, pairs).X, test.Range(pairs, pairs).X, 6)));
        }
        grids.Add(("traversals", Generation.Traversals(model, test.Range(0, 1).X, 3.0, 7)));
        foreach (var (name, grid) in grids)
        {
            using (grid) grid.SavePng(Path.Combine(dir, name + ".png"));
        }
    }

    /// <summary>Mean and sample standard deviation (n − 1; null for a single value) of each metric over seeds.</summary>
    public static Dictionary<string, MetricValue> Aggregate(IEnumerable<IReadOnlyDictionary<string, double>> perSeed)
    {
        var byName = new Dictionary<string, List<double>>();
        foreach (var run in perSeed)
            foreach (var (k, v) in run)
                (byName.TryGetValue(k, out var l) ? l : byName[k] = []).Add(v);
        var result = new Dictionary<string, MetricValue>();
        foreach (var (k, vs) in byName)
        {
            double mean = vs.Average();
            double? std = vs.Count > 1 ? Math.Sqrt(vs.Sum(v => (v - mean) * (v - mean)) / (vs.Count - 1)) : null;
            result[k] = new MetricValue(mean, std);
        }
        return result;
    }

    /// <summary>"" for the Bernoulli objective, "_mse"/"_l1" otherwise: the suffix of the likelihood columns.</summary>
    internal static string LikelihoodColumnSuffix(string recon) => recon == "bce" ? "" : "_" + recon;

    /// <summary>Metric descriptions for the report.</summary>
    public static readonly IReadOnlyDictionary<string, MetricInfo> Info = new Dictionary<string, MetricInfo>
    {
        ["recon_bce"] = new("reconstruction BCE per example (test)", "nats", true),
        ["recon_mse"] = new("reconstruction squared error per example (test)", "", true),
        ["neg_elbo"] = new("−ELBO per example (VAE family)", "nats", true),
        ["iwae_nll"] = new("IWAE NLL bound (VAE family)", "nats", true),
        ["neg_elbo_mse"] = new("−ELBO per example, Gaussian (mse) likelihood without its normalising constant", "", true),
        ["iwae_nll_mse"] = new("IWAE NLL bound, Gaussian (mse) likelihood without its normalising constant", "", true),
        ["neg_elbo_l1"] = new("−ELBO per example, Laplace (l1) likelihood without its normalising constant", "", true),
        ["iwae_nll_l1"] = new("IWAE NLL bound, Laplace (l1) likelihood without its normalising constant", "", true),
        ["aggregate_kl"] = new("KL(q(z) ‖ p(z)) of the aggregate posterior (VAE family)", "nats", true),
        ["latent_mmd"] = new("MMD² between test codes and the prior", "", true),
        ["active_units"] = new("active latent units (variance of the mean code > 0.01)", "", false),
        ["sample_fd"] = new("Fréchet distance of classifier features, samples vs test (FID analogue)", "", true),
        ["sample_is"] = new("Inception-score analogue of samples", "", false),
        ["sample_mmd"] = new("data-space MMD², samples vs test", "", true),
        ["classifier_accuracy"] = new("test accuracy of the judging classifier", "", false),
    };

    /// <summary>The file in a run folder that caches its t-SNE map (the map is the costliest picture).</summary>
    public const string TsneFile = "tsne-map.json";

    private sealed record TsneCache(int Points, int Iterations, double Perplexity, double Kl, List<double[]> Map, List<int> Labels);

    /// <summary>The t-SNE map of the run's test codes (the same points as its PCA map), from
    /// <see cref="TsneFile"/> when it was made with the same settings, else computed and saved there.</summary>
    private static LatentMap? TsneMap(BenchmarkMatrix matrix, string dir, TensorDataset test, Action<string> log)
    {
        var ev = matrix.Evaluation;
        int n = (int)Math.Min(ev.LatentMapPoints, test.Count);
        double perplexity = Math.Min(30, (n - 1) / 3.0);
        if (n < 4) return null;
        var path = Path.Combine(dir, TsneFile);
        TsneCache? cache = null;
        if (File.Exists(path))
        {
            try { cache = JsonSerializer.Deserialize<TsneCache>(File.ReadAllText(path), Json); }
            catch (JsonException) { cache = null; } // unreadable cache: computed again
            if (cache is not null && (cache.Points != n || cache.Iterations != ev.TsneIterations || cache.Perplexity != perplexity)) cache = null;
        }
        if (cache is null)
        {
            var clock = Stopwatch.StartNew();
            using var model = RunFolder.Open(dir).LoadModel();
            using var mapData = test.Take(n);
            var codes = Generation.Encode(model, mapData);
            if (codes.Labels is not { } labels) return null;
            using var x = Tensor.From(codes.Means, codes.Count, codes.Dim);
            var fit = Tsne.Fit(x, new TsneOptions { Perplexity = perplexity, Iterations = ev.TsneIterations });
            cache = new TsneCache(n, ev.TsneIterations, perplexity, fit.KlDivergence, fit.Points.ToList(), labels.Select(l => (int)l).ToList());
            AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(cache, Json));
            log($"t-SNE map of {Path.GetFileName(dir)}: {n} points in {Duration(clock.Elapsed.TotalSeconds)} (KL {ReportTable.Format(fit.KlDivergence)})");
        }
        string pp = perplexity.ToString("0.#", CultureInfo.InvariantCulture);
        return new LatentMap("t-SNE", cache.Map.Select(p => (p[0], p[1])).ToList(), cache.Labels, "t-SNE 1", "t-SNE 2",
            $"t-SNE of the same codes (exact, perplexity {pp}, {cache.Iterations} iterations, KL {ReportTable.Format(cache.Kl)}): " +
            "neighbourhoods are kept, distances between clusters and cluster sizes are not meaningful.");
    }

    private static BenchmarkReport BuildReport(BenchmarkMatrix matrix, string outDir, List<RunMetrics> results, IReadOnlyList<string>? classNames,
        IReadOnlyDictionary<string, LatentMap> tsne)
    {
        var variants = new List<VariantReport>();
        foreach (var v in matrix.Variants)
        {
            var runs = results.Where(r => r.Variant == v.Name).OrderBy(r => r.Seed).ToList();
            var first = runs[0];
            var dir = RunDir(outDir, v.Name, first.Seed);
            var curves = new Dictionary<string, IReadOnlyList<(double, double)>>();
            var rows = new MetricsLog(dir).ReadCsv();
            foreach (var col in rows.SelectMany(r => r.Keys).Distinct().Where(c => c.StartsWith("train_", StringComparison.Ordinal) || c.StartsWith("val_", StringComparison.Ordinal)))
                curves[col] = rows.Where(r => r.ContainsKey(col)).Select(r => (r["epoch"], r[col])).ToList();
            var images = new Dictionary<string, byte[]>();
            foreach (var kind in ImageKinds)
            {
                var p = Path.Combine(dir, kind + ".png");
                if (File.Exists(p)) images[kind] = File.ReadAllBytes(p);
            }
            LatentMap? map = first.MapPoints is { } pts && first.MapLabels is { } labs
                ? new LatentMap("PCA", pts.Select(p => (p[0], p[1])).ToList(), labs, first.MapX ?? "PC1", first.MapY ?? "PC2", first.MapNote)
                : null;
            variants.Add(new VariantReport
            {
                Name = v.Name,
                ConfigSummary = $"{v.Summary}; seeds {string.Join(", ", runs.Select(r => r.Seed))}",
                Metrics = Aggregate(runs.Select(r => (IReadOnlyDictionary<string, double>)r.Values
                    .Where(kv => kv.Key != "classifier_accuracy").ToDictionary(kv => kv.Key, kv => kv.Value))),
                Curves = curves,
                Images = images,
                LatentMap = map,
                ExtraLatentMaps = tsne.TryGetValue(v.Name, out var tsneMap) ? [tsneMap] : [],
                Family = v.Model["model"]?.GetValue<string>() ?? "",
                Objective = v.Model["recon"]?.GetValue<string>() ?? "bce",
            });
        }
        var t = matrix.Training;
        var accuracy = results.Select(r => r.Values.GetValueOrDefault("classifier_accuracy", double.NaN)).FirstOrDefault(double.IsFinite, double.NaN);
        return new BenchmarkReport
        {
            Title = $"LatentSynth benchmark: {matrix.Data}",
            Dataset = matrix.Data,
            ClassNames = classNames,
            Variants = variants,
            // Only the metrics some variant has (for example no l1 likelihood columns without an l1 variant).
            MetricInfo = Info.Where(kv => kv.Key != "classifier_accuracy" && results.Any(r => r.Values.ContainsKey(kv.Key)))
                .ToDictionary(kv => kv.Key, kv => kv.Value),
            Notes =
            [
                $"{matrix.Seeds.Count} seed(s) ({string.Join(", ", matrix.Seeds)}); values are mean ± sample standard deviation over seeds.",
                $"Training: {t.Epochs} epoch(s), batch {t.BatchSize}, lr {t.Lr.ToString(CultureInfo.InvariantCulture)}" +
                    (t.LimitTrain is { } lt ? $", {lt} training examples" : "") + (t.LimitTest is { } ls ? $", {ls} test examples" : "") + ".",
                $"Sample quality is judged by a small classifier trained on the real training set (test accuracy {ReportTable.Format(accuracy)}).",
                "Likelihood columns are split by reconstruction objective (neg_elbo for bce; neg_elbo_mse for mse, whose likelihood omits its normalising constant): compare within a column only.",
                $"IWAE with k = {matrix.Evaluation.IwaeSamples} on at most {matrix.Evaluation.IwaeExamples} test examples; curves, pictures and the latent map are from the first seed.",
            ],
        };
    }
}
