using LatentSynth.Torch.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using LatentSynth.Data;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;
using LatentSynth.Torch.Optim;

namespace LatentSynth.Evaluation.Quality;

using Torch = LatentSynth.Torch.Torch;

/// <summary>How the sample-quality classifier is trained and where it is kept.</summary>
public sealed record ClassifierOptions
{
    /// <summary>Passes over the training set (default 3).</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Examples per Adam step (default 128).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Adam's learning rate (default 1e-3).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Seed of the weight initialisation and the batch order (default 0).</summary>
    public ulong Seed { get; init; }

    /// <summary>Cache folder (as <see cref="DataCache.Resolve(string?)"/>); the classifiers live in its <c>classifiers/</c> subfolder.</summary>
    public string? CacheDir { get; init; }

    /// <summary>Train again even when a matching classifier is cached.</summary>
    public bool ForceRetrain { get; init; }

    internal void Validate()
    {
        if (Epochs < 1) throw new ArgumentException($"classifier epochs must be at least 1, got {Epochs}", nameof(Epochs));
        if (BatchSize < 1) throw new ArgumentException($"classifier batch size must be at least 1, got {BatchSize}", nameof(BatchSize));
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new ArgumentException($"classifier learning rate must be a positive number, got {LearningRate}", nameof(LearningRate));
    }
}

/// <summary>
/// The JSON kept beside a classifier's weights (<c>&lt;key&gt;.json</c>): what it was trained on and
/// with which settings (all must match for reuse), and its accuracy on the real test set.
/// </summary>
public sealed record ClassifierInfo
{
    /// <summary>Version of the architecture/training recipe; a cached classifier of another version is retrained.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Recipe version (<see cref="CurrentVersion"/> when written).</summary>
    public int Version { get; init; } = CurrentVersion;

    /// <summary>Dataset key given to <see cref="ClassifierStore.GetOrTrain"/> (for example <c>fashion-mnist</c>).</summary>
    public string Dataset { get; init; } = "";

    /// <summary>SHA-256 (hex) of the training and test examples and labels.</summary>
    public string DataHash { get; init; } = "";

    /// <summary>Training examples.</summary>
    public long TrainCount { get; init; }

    /// <summary>Test examples.</summary>
    public long TestCount { get; init; }

    /// <summary>Picture shape [C, H, W] the network takes.</summary>
    public long[] ItemShape { get; init; } = [];

    /// <summary>Number of classes.</summary>
    public int Classes { get; init; }

    /// <summary>Training epochs.</summary>
    public int Epochs { get; init; }

    /// <summary>Batch size.</summary>
    public int BatchSize { get; init; }

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; }

    /// <summary>Seed.</summary>
    public ulong Seed { get; init; }

    /// <summary>Mean cross-entropy over the last epoch.</summary>
    public double FinalTrainLoss { get; init; }

    /// <summary>Accuracy on the real test set, in [0, 1].</summary>
    public double TestAccuracy { get; init; }

    /// <summary>The architecture, in words.</summary>
    public string Architecture { get; init; } = "";

    /// <summary>True when this record describes a classifier trained with the same data and settings as <paramref name="wanted"/>.</summary>
    public bool Matches(ClassifierInfo wanted) =>
        Version == wanted.Version && Dataset == wanted.Dataset && DataHash == wanted.DataHash
        && TrainCount == wanted.TrainCount && TestCount == wanted.TestCount && ItemShape.SequenceEqual(wanted.ItemShape)
        && Classes == wanted.Classes && Epochs == wanted.Epochs && BatchSize == wanted.BatchSize
        && LearningRate.Equals(wanted.LearningRate) && Seed == wanted.Seed;

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

/// <summary>
/// Trains the sample-quality classifier on a dataset's real training set, or reuses the one cached in
/// <c>&lt;cache&gt;/classifiers/&lt;key&gt;.safetensors</c> when its JSON (<c>&lt;key&gt;.json</c>)
/// records the same data (hash and counts) and settings. A missing, unreadable or mismatched cache is
/// replaced by a freshly trained classifier.
/// </summary>
public static class ClassifierStore
{
    /// <summary>Architecture description stored in <see cref="ClassifierInfo.Architecture"/>.</summary>
    public const string Architecture =
        "Conv2d(C,32,3,p1)-ReLU-MaxPool2-Conv2d(32,64,3,p1)-ReLU-MaxPool2-Flatten-Linear(64*(H/4)*(W/4),128)-ReLU-Linear(128,classes)";

    /// <summary>The folder classifiers are kept in: <c>classifiers/</c> under the data cache.</summary>
    public static string Folder(string? cacheDir = null) => Path.Combine(DataCache.Resolve(cacheDir), "classifiers");

    /// <summary>
    /// The classifier for <paramref name="datasetKey"/>: loaded from the cache when it matches
    /// <paramref name="train"/>, <paramref name="test"/> and <paramref name="options"/>, otherwise
    /// trained (Adam, cross-entropy, seeded), evaluated on <paramref name="test"/> and saved.
    /// <paramref name="progress"/> receives one line per event (reuse, epoch, result).
    /// </summary>
    /// <exception cref="ArgumentException">Unlabelled data, mismatched shapes, an unusable key or bad options.</exception>
    public static Classifier GetOrTrain(TensorDataset train, TensorDataset test, string datasetKey,
        ClassifierOptions? options = null, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        options ??= new ClassifierOptions();
        options.Validate();
        var wanted = Describe(train, test, datasetKey, options);
        var folder = Folder(options.CacheDir);
        var stem = Path.Combine(folder, SafeName(datasetKey));
        string weights = stem + ".safetensors", json = stem + ".json";

        if (!options.ForceRetrain && TryLoad(weights, json, wanted, progress) is { } cached) return cached;

        var trained = Train(train, test, wanted, progress);
        try
        {
            Directory.CreateDirectory(folder);
            // The description goes first and comes back last: a run cut off in between leaves no JSON, so no stale match.
            File.Delete(json);
            trained.Network.Save(weights);
            AtomicFile.WriteAllBytes(json, JsonSerializer.SerializeToUtf8Bytes(trained.Info, ClassifierInfo.Json));
            progress?.Invoke($"classifier for '{datasetKey}' saved to {weights}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            progress?.Invoke($"classifier for '{datasetKey}' could not be cached ({e.Message}); using it unsaved");
        }
        return trained;
    }

    private static Classifier? TryLoad(string weights, string json, ClassifierInfo wanted, Action<string>? progress)
    {
        if (!File.Exists(json) || !File.Exists(weights))
        {
            progress?.Invoke($"no cached classifier for '{wanted.Dataset}': training one");
            return null;
        }
        ClassifierInfo? stored;
        try { stored = JsonSerializer.Deserialize<ClassifierInfo>(File.ReadAllBytes(json), ClassifierInfo.Json); }
        catch (JsonException e)
        {
            progress?.Invoke($"cached classifier description {json} is unreadable ({e.Message}): training again");
            return null;
        }
        if (stored is null || !stored.Matches(wanted))
        {
            progress?.Invoke($"cached classifier for '{wanted.Dataset}' was trained on other data or settings: training again");
            return null;
        }
        var (c, h, w) = (wanted.ItemShape[0], wanted.ItemShape[1], wanted.ItemShape[2]);
        var network = new ClassifierNetwork(c, h, w, wanted.Classes, null);
        try
        {
            network.Load(weights);
        }
        catch (Exception e) when (e is IOException or StateDictException or TorchException)
        {
            network.Dispose();
            progress?.Invoke($"cached classifier weights {weights} are unusable ({e.Message}): training again");
            return null;
        }
        progress?.Invoke($"reusing cached classifier for '{wanted.Dataset}' (test accuracy {stored.TestAccuracy:0.0000})");
        return new Classifier(network, stored);
    }

    private static Classifier Train(TensorDataset train, TensorDataset test, ClassifierInfo wanted, Action<string>? progress)
    {
        var (c, h, w) = (wanted.ItemShape[0], wanted.ItemShape[1], wanted.ItemShape[2]);
        using var generator = new Generator(wanted.Seed);
        var network = new ClassifierNetwork(c, h, w, wanted.Classes, generator);
        try
        {
            using var optimizer = new Adam(network.Parameters(), lr: wanted.LearningRate);
            using var sampler = new BatchSampler(train.Count, wanted.BatchSize, shuffle: true, seed: wanted.Seed + 1);
            double lastLoss = double.NaN;
            network.Train();
            for (int epoch = 1; epoch <= wanted.Epochs; epoch++)
            {
                double total = 0;
                long seen = 0;
                foreach (var indices in sampler.Epoch())
                {
                    using var scope = Torch.NewScope();
                    using var idx = indices;
                    var (x, y) = train.Batch(idx);
                    var images = x.Reshape([x.Size(0), c, h, w]);
                    var loss = F.CrossEntropy(network.Forward(images), y!);
                    optimizer.ZeroGrad();
                    loss.Backward();
                    optimizer.Step();
                    total += loss.Item() * x.Size(0);
                    seen += x.Size(0);
                }
                lastLoss = total / Math.Max(1, seen);
                progress?.Invoke($"classifier '{wanted.Dataset}' epoch {epoch}/{wanted.Epochs}: loss {lastLoss:0.0000}");
            }
            var classifier = new Classifier(network, wanted with { FinalTrainLoss = lastLoss });
            double accuracy = classifier.Accuracy(test);
            progress?.Invoke($"classifier '{wanted.Dataset}' test accuracy {accuracy:0.0000}");
            return new Classifier(network, wanted with { FinalTrainLoss = lastLoss, TestAccuracy = accuracy });
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private static ClassifierInfo Describe(TensorDataset train, TensorDataset test, string datasetKey, ClassifierOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(datasetKey);
        if (train.Labels is null) throw new ArgumentException($"dataset '{train.Name}' has no labels: the classifier needs labelled training data", nameof(train));
        if (test.Labels is null) throw new ArgumentException($"dataset '{test.Name}' has no labels: the classifier needs a labelled test set", nameof(test));
        if (train.Count == 0) throw new ArgumentException($"dataset '{train.Name}' is empty", nameof(train));
        if (!train.ItemShape.SequenceEqual(test.ItemShape))
            throw new ArgumentException($"training items [{string.Join(", ", train.ItemShape)}] and test items [{string.Join(", ", test.ItemShape)}] differ", nameof(test));
        var (c, h, w) = Generation.PictureShape(train.ItemShape);
        if (h < 4 || w < 4) throw new ArgumentException($"the classifier needs pictures of at least 4×4, got {h}×{w}", nameof(train));
        using var scope = Torch.NewScope();
        long maxLabel = (long)Math.Max(train.Labels.Max().Item(), test.Count > 0 ? test.Labels.Max().Item() : 0);
        long minLabel = (long)Math.Min(train.Labels.Min().Item(), test.Count > 0 ? test.Labels.Min().Item() : 0);
        if (minLabel < 0) throw new ArgumentException($"labels must be non-negative class indices, found {minLabel}", nameof(train));
        int classes = (int)Math.Max(maxLabel + 1, Math.Max(train.ClassNames?.Count ?? 0, test.ClassNames?.Count ?? 0));
        if (classes < 2) throw new ArgumentException("the classifier needs at least two classes", nameof(train));
        return new ClassifierInfo
        {
            Dataset = datasetKey,
            DataHash = Hash(train, test),
            TrainCount = train.Count,
            TestCount = test.Count,
            ItemShape = [c, h, w],
            Classes = classes,
            Epochs = options.Epochs,
            BatchSize = options.BatchSize,
            LearningRate = options.LearningRate,
            Seed = options.Seed,
            Architecture = Architecture,
        };
    }

    /// <summary>SHA-256 over the examples (float32 bytes) and labels (int64 bytes) of both sets, in chunks.</summary>
    internal static string Hash(TensorDataset train, TensorDataset test)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var d in new[] { train, test })
        {
            sha.AppendData(BitConverter.GetBytes(d.Count));
            const long chunk = 4096;
            for (long start = 0; start < d.Count; start += chunk)
            {
                using var scope = Torch.NewScope();
                long n = Math.Min(chunk, d.Count - start);
                sha.AppendData(MemoryMarshal.AsBytes<float>(d.Examples.Narrow(0, start, n).Contiguous().ToArray<float>()));
                sha.AppendData(MemoryMarshal.AsBytes<long>(d.Labels!.Narrow(0, start, n).Contiguous().ToArray<long>()));
            }
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static string SafeName(string key)
    {
        var chars = key.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_').ToArray();
        var name = new string(chars).Trim('.');
        return name.Length == 0 ? "dataset" : name;
    }
}
