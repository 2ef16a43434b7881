using LatentSynth.Data;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation.Quality;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Settings of <see cref="SampleQuality.Evaluate"/>.</summary>
public sealed record SampleQualityOptions
{
    /// <summary>At most this many generated and this many test examples enter the data-space MMD
    /// (its cost grows with the square of the count); a seeded random subset is used beyond it. Default 1000.</summary>
    public int MmdMaxExamples { get; init; } = 1000;

    /// <summary>Seed of the MMD subsets (default 0).</summary>
    public ulong Seed { get; init; }

    /// <summary>RBF bandwidth of the MMD; null (default) for the median heuristic.</summary>
    public double? MmdBandwidth { get; init; }
}

/// <summary>All sample-quality numbers of one set of generated samples, judged against the real test set.</summary>
/// <param name="ClassifierTestAccuracy">Accuracy of the judging classifier on the real test set (how much to trust the rest).</param>
/// <param name="Generated">Prediction statistics and Inception-score analogue of the generated samples.</param>
/// <param name="RealTest">The same statistics of the real test images (the reference a perfect generator would reach).</param>
/// <param name="FrechetDistance">Fréchet distance between classifier features of generated and test images (FID analogue; lower is better).</param>
/// <param name="Mmd">Unbiased data-space MMD² between generated and test images, and its bandwidth.</param>
/// <param name="GeneratedCount">Number of generated samples.</param>
/// <param name="TestCount">Number of test images.</param>
public sealed record SampleQualityReport(double ClassifierTestAccuracy, PredictionStatistics Generated, PredictionStatistics RealTest,
    double FrechetDistance, MmdResult Mmd, long GeneratedCount, long TestCount);

/// <summary>Judges generated samples with a <see cref="Classifier"/> and against the real test set.</summary>
public static class SampleQuality
{
    /// <summary>
    /// Classifier statistics of <paramref name="generated"/> (images [N, …] with the data's item
    /// shape, values in [0, 1]) and of <paramref name="test"/>, the Fréchet distance between their
    /// features, and the data-space MMD (on seeded subsets of at most <see cref="SampleQualityOptions.MmdMaxExamples"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than 2 samples on a side, or shapes the classifier does not take.</exception>
    public static SampleQualityReport Evaluate(Classifier classifier, Tensor generated, TensorDataset test, SampleQualityOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(generated);
        ArgumentNullException.ThrowIfNull(test);
        options ??= new SampleQualityOptions();
        if (options.MmdMaxExamples < 2) throw new ArgumentException($"MMD needs at least 2 examples per set, got a maximum of {options.MmdMaxExamples}", nameof(options));
        long n = generated.Shape.Length > 0 ? generated.Size(0) : 0;
        if (n < 2 || test.Count < 2) throw new ArgumentException($"sample quality needs at least 2 generated and 2 test examples, got {n} and {test.Count}", n < 2 ? nameof(generated) : nameof(test));
        using var scope = Torch.NewScope();
        var genStats = QualityMetrics.Predictions(classifier.Probabilities(generated));
        var testStats = QualityMetrics.Predictions(classifier.Probabilities(test.Examples));
        double fd = QualityMetrics.FrechetDistance(classifier.Features(generated), classifier.Features(test.Examples));
        using var g = new Generator(options.Seed);
        var mmd = QualityMetrics.Mmd(Subset(generated, options.MmdMaxExamples, g), Subset(test.Examples, options.MmdMaxExamples, g), options.MmdBandwidth);
        return new SampleQualityReport(classifier.TestAccuracy, genStats, testStats, fd, mmd, n, test.Count);
    }

    private static Tensor Subset(Tensor x, int max, Generator g)
    {
        long n = x.Size(0);
        if (n <= max) return x.Detach();
        return x.Detach().IndexSelect(0, Torch.Randperm(n, generator: g).Narrow(0, 0, max));
    }
}
