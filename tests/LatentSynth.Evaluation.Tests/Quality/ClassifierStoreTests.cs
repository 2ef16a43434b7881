using LatentSynth.Data;
using LatentSynth.Evaluation.Quality;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Tests.Quality;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Tiny synthetic pictures: three classes of 8×8 patterns (row bar, column bar, diagonal) plus noise.</summary>
internal static class Patterns
{
    public static TensorDataset Make(string name, int perClass, ulong seed, float noise = 0.15f)
    {
        var rng = new Random((int)seed);
        int n = 3 * perClass;
        var x = new float[n * 64];
        var y = new long[n];
        for (int i = 0; i < n; i++)
        {
            int cls = i % 3, pos = rng.Next(1, 7);
            y[i] = cls;
            for (int r = 0; r < 8; r++)
                for (int c = 0; c < 8; c++)
                {
                    bool on = cls switch { 0 => r == pos, 1 => c == pos, _ => r == c };
                    float v = (on ? 0.9f : 0.05f) + noise * (float)(rng.NextDouble() - 0.5);
                    x[i * 64 + r * 8 + c] = Math.Clamp(v, 0f, 1f);
                }
        }
        return new TensorDataset(name, Tensor.From(x, n, 1, 8, 8), Tensor.From(y, n), ["row", "column", "diagonal"]);
    }

    public static readonly ClassifierOptions Fast = new() { Epochs = 2, BatchSize = 16, LearningRate = 3e-3, Seed = 7 };
}

public class ClassifierStoreTests : IDisposable
{
    private readonly string cache = Directory.CreateTempSubdirectory("lst-quality-").FullName;

    public void Dispose() => Directory.Delete(cache, recursive: true);

    private ClassifierOptions Options => Patterns.Fast with { CacheDir = cache };

    [Fact]
    public void LearnsTheSyntheticClassesAndGivesFeaturesAndLogits()
    {
        using var train = Patterns.Make("p/train", 60, 1);
        using var test = Patterns.Make("p/test", 20, 2);
        var log = new List<string>();
        using var classifier = ClassifierStore.GetOrTrain(train, test, "patterns", Options, log.Add);
        Assert.True(classifier.TestAccuracy > 0.9, $"test accuracy {classifier.TestAccuracy}");
        Assert.Equal(classifier.TestAccuracy, classifier.Accuracy(test), 12);
        Assert.Equal(3, classifier.Classes);
        Assert.Contains(log, l => l.Contains("epoch 2/2"));
        using var scope = Torch.NewScope();
        var (x, _) = test.Range(0, 5);
        Assert.Equal([5, 3], classifier.Logits(x).Shape);
        var features = classifier.Features(x);
        Assert.Equal([5, 128], features.Shape);
        Assert.True(features.Min().Item() >= 0, "features come after a ReLU");
        Assert.Equal([5, 3], classifier.Logits(x.Reshape(5, 64)).Shape);
        var bad = Assert.Throws<ArgumentException>(() => classifier.Logits(Torch.Zeros(2, 1, 9, 9)));
        Assert.Contains("[N, 1, 8, 8]", bad.Message);
    }

    [Fact]
    public void SavesReusesAndRetrainsOnMismatch()
    {
        using var train = Patterns.Make("p/train", 20, 1);
        using var test = Patterns.Make("p/test", 10, 2);
        var folder = Path.Combine(cache, "classifiers");
        var log = new List<string>();
        double firstAccuracy;
        float[] firstLogits;
        using (var first = ClassifierStore.GetOrTrain(train, test, "pat terns/x", Options, log.Add))
        {
            firstAccuracy = first.TestAccuracy;
            firstLogits = first.Logits(test.Examples).ToArray<float>();
        }
        var weights = Path.Combine(folder, "pat_terns_x.safetensors");
        var json = Path.Combine(folder, "pat_terns_x.json");
        Assert.True(File.Exists(weights));
        var text = File.ReadAllText(json);
        Assert.Contains("\"dataset\": \"pat terns/x\"", text);
        Assert.Contains("\"test_accuracy\"", text);
        Assert.Contains("\"train_count\": 60", text);
        Assert.Contains("\"data_hash\"", text);
        var stamp = File.GetLastWriteTimeUtc(weights);

        // Same data and settings: reused, identical outputs, no training.
        log.Clear();
        using (var again = ClassifierStore.GetOrTrain(train, test, "pat terns/x", Options, log.Add))
        {
            Assert.Equal(firstAccuracy, again.TestAccuracy);
            Assert.Equal(firstLogits, again.Logits(test.Examples).ToArray<float>());
        }
        Assert.Contains(log, l => l.Contains("reusing"));
        Assert.DoesNotContain(log, l => l.Contains("epoch"));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(weights));

        // Other settings: retrained.
        log.Clear();
        using (var other = ClassifierStore.GetOrTrain(train, test, "pat terns/x", Options with { Epochs = 1 }, log.Add))
            Assert.Equal(1, other.Info.Epochs);
        Assert.Contains(log, l => l.Contains("other data or settings"));
        Assert.Contains(log, l => l.Contains("epoch 1/1"));

        // Other data (same counts): the hash differs, retrained.
        using var otherTrain = Patterns.Make("p/train", 20, 99);
        log.Clear();
        using (ClassifierStore.GetOrTrain(otherTrain, test, "pat terns/x", Options, log.Add)) { }
        Assert.Contains(log, l => l.Contains("other data or settings"));

        // Corrupt weights: retrained, not a crash.
        File.WriteAllText(weights, "not safetensors");
        log.Clear();
        using (var repaired = ClassifierStore.GetOrTrain(otherTrain, test, "pat terns/x", Options, log.Add))
            Assert.InRange(repaired.TestAccuracy, 0, 1);
        Assert.Contains(log, l => l.Contains("unusable"));
        Assert.Contains(log, l => l.Contains("epoch"));

        // Missing JSON: retrained.
        File.Delete(json);
        log.Clear();
        using (ClassifierStore.GetOrTrain(otherTrain, test, "pat terns/x", Options, log.Add)) { }
        Assert.Contains(log, l => l.Contains("no cached classifier"));
        Assert.True(File.Exists(json));
    }

    [Fact]
    public void RejectsUnusableInputs()
    {
        using var train = Patterns.Make("p/train", 4, 1);
        using var test = Patterns.Make("p/test", 2, 2);
        using var unlabelled = new TensorDataset("u", Torch.Zeros(6, 1, 8, 8).DetachFromScope());
        Assert.Contains("no labels", Assert.Throws<ArgumentException>(() => ClassifierStore.GetOrTrain(unlabelled, test, "k", Options)).Message);
        Assert.Contains("epochs", Assert.Throws<ArgumentException>(() => ClassifierStore.GetOrTrain(train, test, "k", Options with { Epochs = 0 })).Message);
        using var small = new TensorDataset("s", Torch.Zeros(6, 1, 8, 9).DetachFromScope(), Tensor.From(new long[] { 0, 1, 0, 1, 0, 1 }, 6));
        Assert.Contains("differ", Assert.Throws<ArgumentException>(() => ClassifierStore.GetOrTrain(train, small, "k", Options)).Message);
        Assert.Throws<ArgumentException>(() => ClassifierStore.GetOrTrain(train, test, " ", Options));
    }
}
