using LatentSynth.Evaluation.Quality;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Tests.Quality;

using Torch = LatentSynth.Torch.Torch;

public class SampleQualityTests : IDisposable
{
    private readonly string cache = Directory.CreateTempSubdirectory("lst-quality-").FullName;

    public void Dispose() => Directory.Delete(cache, recursive: true);

    [Fact]
    public void RealImagesScoreLikeTheTestSetAndNoiseScoresWorse()
    {
        using var train = Patterns.Make("p/train", 60, 1);
        using var test = Patterns.Make("p/test", 20, 2);
        using var fresh = Patterns.Make("p/fresh", 20, 3);
        using var classifier = ClassifierStore.GetOrTrain(train, test, "patterns", Patterns.Fast with { CacheDir = cache });
        using var scope = Torch.NewScope();
        using var g = new Generator(4);
        var noise = Torch.Rand([60, 1, 8, 8], generator: g);

        var self = SampleQuality.Evaluate(classifier, test.Examples, test);
        Assert.Equal(self.RealTest, self.Generated);
        Assert.InRange(self.FrechetDistance, 0, 1e-8);
        Assert.True(self.Mmd.Mmd2 <= 1e-12);
        Assert.Equal(classifier.TestAccuracy, self.ClassifierTestAccuracy);
        Assert.Equal((60L, 60L), (self.GeneratedCount, self.TestCount));
        // Confident, evenly spread predictions on real pictures of 3 classes: IS close to 3.
        Assert.InRange(self.RealTest.InceptionScore, 2.0, 3.0 + 1e-9);

        var real = SampleQuality.Evaluate(classifier, fresh.Examples, test);
        var bad = SampleQuality.Evaluate(classifier, noise, test);
        Assert.True(bad.FrechetDistance > 5 * real.FrechetDistance, $"noise FD {bad.FrechetDistance} vs real {real.FrechetDistance}");
        Assert.True(bad.Mmd.Mmd2 > 5 * Math.Max(real.Mmd.Mmd2, 1e-4), $"noise MMD {bad.Mmd.Mmd2} vs real {real.Mmd.Mmd2}");
        Assert.True(bad.Generated.InceptionScore < real.Generated.InceptionScore);

        // MMD on seeded subsets: the same seed gives the same number.
        var opts = new SampleQualityOptions { MmdMaxExamples = 10, Seed = 5 };
        Assert.Equal(SampleQuality.Evaluate(classifier, noise, test, opts).Mmd, SampleQuality.Evaluate(classifier, noise, test, opts).Mmd);
        Assert.Throws<ArgumentException>(() => SampleQuality.Evaluate(classifier, noise.Narrow(0, 0, 1), test));
        Assert.Throws<ArgumentException>(() => SampleQuality.Evaluate(classifier, Torch.Rand(5, 1, 9, 9), test));
    }

    [Fact]
    public void TrainingIsSeeded()
    {
        using var train = Patterns.Make("p/train", 10, 1);
        using var test = Patterns.Make("p/test", 5, 2);
        var opts = Patterns.Fast with { CacheDir = cache, Epochs = 1, ForceRetrain = true };
        using var a = ClassifierStore.GetOrTrain(train, test, "seeded", opts);
        using var b = ClassifierStore.GetOrTrain(train, test, "seeded", opts);
        using var c = ClassifierStore.GetOrTrain(train, test, "seeded", opts with { Seed = 8 });
        using var scope = Torch.NewScope();
        var la = a.Logits(test.Examples).ToArray<float>();
        Assert.Equal(la, b.Logits(test.Examples).ToArray<float>());
        Assert.NotEqual(la, c.Logits(test.Examples).ToArray<float>());
    }
}

/// <summary>Training, reuse and every metric free what they create.</summary>
[Collection(ProcessWideState.Name)]
public class QualityLeakTests : IDisposable
{
    private readonly string cache = Directory.CreateTempSubdirectory("lst-quality-").FullName;

    public void Dispose() => Directory.Delete(cache, recursive: true);

    [Fact]
    public void QualityLeavesNoTensorsBehind()
    {
        using var train = Patterns.Make("p/train", 10, 1);
        using var test = Patterns.Make("p/test", 5, 2);
        using var generated = Torch.Rand(12, 1, 8, 8).DetachFromScope();
        var opts = Patterns.Fast with { CacheDir = cache, Epochs = 1 };
        void Everything()
        {
            using (var fresh = ClassifierStore.GetOrTrain(train, test, "leak", opts with { ForceRetrain = true }))
                SampleQuality.Evaluate(fresh, generated, test);
            using var reused = ClassifierStore.GetOrTrain(train, test, "leak", opts);
            using (reused.Logits(generated)) { }
            using (reused.Features(generated)) { }
            reused.Accuracy(test);
            QualityMetrics.Mmd(generated, test.Examples);
        }
        Everything();
        // Tensors other tests left to the finalizer are collected first, so that only ours can change the count.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = Torch.LiveTensors;
        for (int i = 0; i < 2; i++) Everything();
        Assert.Equal(before, Torch.LiveTensors);
    }
}
