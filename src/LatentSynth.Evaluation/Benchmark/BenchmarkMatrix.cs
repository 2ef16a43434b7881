using System.Text.Json;
using System.Text.Json.Nodes;
using LatentSynth.Data;

namespace LatentSynth.Evaluation.Benchmark;

/// <summary>One variant of the matrix: a name and the model section of a run config (with its "model" key).</summary>
public sealed record BenchmarkVariant(string Name, JsonObject Model)
{
    /// <summary>One line describing the model settings (the JSON of the model section).</summary>
    public string Summary => Model.ToJsonString();
}

/// <summary>The training settings shared by every run of the matrix.</summary>
public sealed record BenchmarkTraining
{
    /// <summary>Epochs per run.</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Batch size.</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>Learning rate.</summary>
    public double Lr { get; init; } = 1e-3;
    /// <summary>Training examples used (null: all).</summary>
    public long? LimitTrain { get; init; }
    /// <summary>Test examples used (null: all).</summary>
    public long? LimitTest { get; init; }
}

/// <summary>Evaluation settings (sizes of the costlier metrics).</summary>
public sealed record BenchmarkEvaluation
{
    /// <summary>Importance samples k of the IWAE bound.</summary>
    public int IwaeSamples { get; init; } = 500;
    /// <summary>Test examples the IWAE bound is computed on (it is the costliest metric).</summary>
    public long IwaeExamples { get; init; } = 1000;
    /// <summary>Epochs of the sample-quality classifier.</summary>
    public int ClassifierEpochs { get; init; } = 3;
    /// <summary>Generated samples judged by the classifier.</summary>
    public int QualitySamples { get; init; } = 1000;
    /// <summary>Test codes drawn in the latent map.</summary>
    public int LatentMapPoints { get; init; } = 1000;
    /// <summary>Iterations of the t-SNE map drawn beside the PCA one (first seed of each variant, the
    /// same codes); 0: no t-SNE map. Exact t-SNE costs O(N²) per iteration: a few seconds for 1,000 points.</summary>
    public int TsneIterations { get; init; } = 1000;
    /// <summary>Classifier cache folder (null: the data cache).</summary>
    public string? CacheDir { get; init; }
}

/// <summary>
/// The benchmark matrix: a dataset, seeds, shared training settings and the variants; every variant
/// is trained once per seed. JSON form:
/// <c>{"data": "fashion-mnist", "seeds": [0, 1, 2], "training": {"epochs": 10, "batch_size": 128,
/// "lr": 1e-3, "limit_train": null, "limit_test": null}, "variants": [{"name": "vae", "model": {"model": "vae", …}}]}</c>.
/// </summary>
public sealed record BenchmarkMatrix(string Data, IReadOnlyList<long> Seeds, BenchmarkTraining Training, IReadOnlyList<BenchmarkVariant> Variants)
{
    /// <summary>Evaluation settings.</summary>
    public BenchmarkEvaluation Evaluation { get; init; } = new();

    /// <summary>
    /// The quick form every benchmark's <c>--quick</c> uses: the first seed only, at most 1 epoch, and (when given) only the
    /// first <paramref name="limitTrain"/> training and <paramref name="limitTest"/> test examples.
    /// </summary>
    public BenchmarkMatrix QuickForm(int? limitTrain = null, int? limitTest = null) => this with
    {
        Seeds = [Seeds[0]],
        Training = Training with
        {
            Epochs = Math.Min(Training.Epochs, 1),
            LimitTrain = limitTrain ?? Training.LimitTrain,
            LimitTest = limitTest ?? Training.LimitTest,
        },
    };

    private static JsonObject M(string model, params (string Key, JsonNode? Value)[] keys)
    {
        var o = new JsonObject { ["model"] = model };
        foreach (var (k, v) in keys) o[k] = v;
        return o;
    }

    /// <summary>
    /// The built-in matrix (10 variants, 3 seeds, 10 epochs, MLP networks, 20-d latent):
    /// ae; vae (bce); vae-mse; beta-vae (β = 4); beta-vae-warmup (β = 4, 5 warm-up epochs);
    /// wae-mmd-rbf; wae-mmd-imq; wae-mmd-imq-mog (mixture-of-Gaussians prior); wae-mmd-imq-mse; wae-gan.
    /// </summary>
    public static BenchmarkMatrix Default(string data = "fashion-mnist") => new(data, [0, 1, 2], new BenchmarkTraining(),
    [
        new("ae", M("ae")),
        new("vae", M("vae")),
        new("vae-mse", M("vae", ("recon", "mse"))),
        new("beta-vae", M("beta-vae", ("beta", 4.0))),
        new("beta-vae-warmup", M("beta-vae", ("beta", 4.0), ("warmup_epochs", 5.0))),
        new("wae-mmd-rbf", M("wae-mmd", ("kernel", "rbf"))),
        new("wae-mmd-imq", M("wae-mmd", ("kernel", "imq"))),
        new("wae-mmd-imq-mog", M("wae-mmd", ("kernel", "imq"), ("prior", "mog"))),
        new("wae-mmd-imq-mse", M("wae-mmd", ("kernel", "imq"), ("recon", "mse"))),
        new("wae-gan", M("wae-gan")),
    ]);

    /// <summary>
    /// The quick form of a matrix: 2000 training / 500 test examples, 1 epoch, one seed, k = 16 for
    /// IWAE on 200 examples, a 1-epoch classifier, 200 judged samples. Every metric still runs.
    /// </summary>
    public BenchmarkMatrix Quick() => this with
    {
        Seeds = [Seeds.Count > 0 ? Seeds[0] : 0],
        Training = Training with
        {
            Epochs = 1,
            LimitTrain = Math.Min(Training.LimitTrain ?? 2000, 2000),
            LimitTest = Math.Min(Training.LimitTest ?? 500, 500),
        },
        Evaluation = Evaluation with { IwaeSamples = 16, IwaeExamples = 200, ClassifierEpochs = 1, QualitySamples = 200, LatentMapPoints = 500, TsneIterations = 300 },
    };

    /// <summary>Reads a matrix file (see the type's summary); missing training keys keep their defaults.</summary>
    /// <exception cref="ArgumentException">Malformed JSON or a missing/invalid key.</exception>
    public static BenchmarkMatrix FromJson(string json, string source = "<json>")
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new ArgumentException($"{source}: not valid JSON: {e.Message}"); }
        if (root is not JsonObject obj) throw new ArgumentException($"{source}: expected a JSON object");
        var known = new HashSet<string> { "data", "seeds", "training", "variants", "evaluation" };
        foreach (var (k, _) in obj)
            if (!known.Contains(k)) throw new ArgumentException($"{source}: unknown key '{k}' (known: {string.Join(", ", known)})");
        var data = obj["data"]?.GetValue<string>() ?? throw new ArgumentException($"{source}: missing \"data\"");
        var seeds = obj["seeds"] is JsonArray sa ? sa.Select(s => s!.GetValue<long>()).ToList() : [0L];
        if (seeds.Count == 0) throw new ArgumentException($"{source}: \"seeds\" is empty");
        var training = new BenchmarkTraining();
        if (obj["training"] is JsonObject t)
        {
            foreach (var (k, v) in t)
            {
                training = k switch
                {
                    "epochs" => training with { Epochs = v!.GetValue<int>() },
                    "batch_size" => training with { BatchSize = v!.GetValue<int>() },
                    "lr" => training with { Lr = v!.GetValue<double>() },
                    "limit_train" => training with { LimitTrain = v?.GetValue<long>() },
                    "limit_test" => training with { LimitTest = v?.GetValue<long>() },
                    _ => throw new ArgumentException($"{source}: unknown training key '{k}' (known: epochs, batch_size, lr, limit_train, limit_test)"),
                };
            }
        }
        var evaluation = new BenchmarkEvaluation();
        if (obj["evaluation"] is JsonObject ev)
        {
            foreach (var (k, v) in ev)
            {
                evaluation = k switch
                {
                    "iwae_samples" => evaluation with { IwaeSamples = v!.GetValue<int>() },
                    "iwae_examples" => evaluation with { IwaeExamples = v!.GetValue<long>() },
                    "classifier_epochs" => evaluation with { ClassifierEpochs = v!.GetValue<int>() },
                    "quality_samples" => evaluation with { QualitySamples = v!.GetValue<int>() },
                    "latent_map_points" => evaluation with { LatentMapPoints = v!.GetValue<int>() },
                    "tsne_iterations" => evaluation with { TsneIterations = v!.GetValue<int>() },
                    "cache_dir" => evaluation with { CacheDir = v?.GetValue<string>() },
                    _ => throw new ArgumentException($"{source}: unknown evaluation key '{k}'"),
                };
            }
        }
        if (obj["variants"] is not JsonArray va || va.Count == 0) throw new ArgumentException($"{source}: \"variants\" must be a non-empty array");
        var variants = new List<BenchmarkVariant>();
        foreach (var v in va)
        {
            var name = v?["name"]?.GetValue<string>() ?? throw new ArgumentException($"{source}: a variant has no \"name\"");
            if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
                throw new ArgumentException($"{source}: variant name '{name}' must be letters, digits, '-', '_' or '.'");
            if (v["model"] is not JsonObject model || model["model"] is null)
                throw new ArgumentException($"{source}: variant '{name}' needs a \"model\" object with a \"model\" key");
            variants.Add(new BenchmarkVariant(name, (JsonObject)model.DeepClone()));
        }
        var dup = variants.GroupBy(v => v.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"{source}: variant name '{dup.Key}' appears twice");
        return new BenchmarkMatrix(data, seeds, training, variants) { Evaluation = evaluation };
    }

    /// <summary>Reads a matrix file through <see cref="UserPaths.ReadConfigText"/> (a regular file of at most 1 MiB);
    /// <paramref name="flag"/> names the option that gave it, for messages.</summary>
    public static BenchmarkMatrix Load(string path, string flag = "--config") => FromJson(UserPaths.ReadConfigText(flag, path), path);
}
