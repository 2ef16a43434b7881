using LatentSynth.Torch;
using LatentSynth.Torch.NN;

namespace LatentSynth.Evaluation.Quality;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// The small convolutional network that judges samples (the stand-in for Inception in IS/FID):
/// Conv2d(C, 32, 3, padding 1) → ReLU → MaxPool 2 → Conv2d(32, 64, 3, padding 1) → ReLU → MaxPool 2 →
/// Flatten → Linear(64·⌊⌊H/2⌋/2⌋·⌊⌊W/2⌋/2⌋, 128) → ReLU (the 128-d "features") → Linear(128, classes).
/// Padding 1 keeps the spatial size through each convolution, so images down to 4×4 work.
/// </summary>
internal sealed class ClassifierNetwork : Module<Tensor, Tensor>
{
    /// <summary>Width of the penultimate layer (the features used by the Fréchet distance).</summary>
    public const int FeatureSize = 128;

    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear fc1;
    private readonly Linear fc2;

    public ClassifierNetwork(long channels, long height, long width, long classes, Generator? generator)
    {
        long flat = 64 * (height / 2 / 2) * (width / 2 / 2);
        conv1 = RegisterModule("conv1", new Conv2d(channels, 32, 3, padding: 1, generator: generator));
        conv2 = RegisterModule("conv2", new Conv2d(32, 64, 3, padding: 1, generator: generator));
        fc1 = RegisterModule("fc1", new Linear(flat, FeatureSize, generator: generator));
        fc2 = RegisterModule("fc2", new Linear(FeatureSize, classes, generator: generator));
    }

    public Tensor Features(Tensor x)
    {
        var h = F.MaxPool2d(conv1.Forward(x).Relu(), 2);
        h = F.MaxPool2d(conv2.Forward(h).Relu(), 2);
        return fc1.Forward(h.Flatten(1)).Relu();
    }

    public Tensor Head(Tensor features) => fc2.Forward(features);

    public override Tensor Forward(Tensor input) => Head(Features(input));
}

/// <summary>
/// A trained sample-quality classifier (see <see cref="ClassifierStore"/>): class logits, the 128-d
/// penultimate features, and the accuracy it reached on the real test set. Inputs are images
/// [N, C, H, W] (or [N, H, W], or flat [N, C·H·W]) with the shape it was trained on.
/// </summary>
public sealed class Classifier : IDisposable
{
    private const int ChunkSize = 512;
    private readonly ClassifierNetwork network;

    internal Classifier(ClassifierNetwork network, ClassifierInfo info)
    {
        this.network = network;
        network.Eval();
        Info = info;
    }

    /// <summary>What the classifier was trained on and how well it did (the JSON kept beside its weights).</summary>
    public ClassifierInfo Info { get; }

    /// <summary>Accuracy on the real test set, in [0, 1].</summary>
    public double TestAccuracy => Info.TestAccuracy;

    /// <summary>Number of classes.</summary>
    public int Classes => Info.Classes;

    /// <summary>Width of <see cref="Features"/> (128).</summary>
    public int FeatureSize => ClassifierNetwork.FeatureSize;

    /// <summary>Class logits float32 [N, classes] (no gradient; evaluated in chunks).</summary>
    public Tensor Logits(Tensor x) => Chunked(x, network.Forward);

    /// <summary>Class probabilities (softmax of <see cref="Logits"/>) float32 [N, classes].</summary>
    public Tensor Probabilities(Tensor x)
    {
        using var logits = Logits(x);
        return logits.Softmax(1);
    }

    /// <summary>The 128-d penultimate activations (after ReLU) float32 [N, 128].</summary>
    public Tensor Features(Tensor x) => Chunked(x, network.Features);

    /// <summary>Fraction of <paramref name="data"/> whose predicted class is its label.</summary>
    /// <exception cref="ArgumentException">The data has no labels or the wrong item shape.</exception>
    public double Accuracy(LatentSynth.Data.TensorDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Labels is null) throw new ArgumentException($"dataset '{data.Name}' has no labels: accuracy needs labelled data", nameof(data));
        using var scope = Torch.NewScope();
        var predicted = Logits(data.Examples).Argmax(1);
        return data.Count == 0 ? 0 : predicted.Eq(data.Labels).Sum().Item() / data.Count;
    }

    internal ClassifierNetwork Network => network;

    private Tensor Chunked(Tensor x, Func<Tensor, Tensor> f)
    {
        ArgumentNullException.ThrowIfNull(x);
        var s = Info.ItemShape;
        var shape = x.Shape;
        long n = shape.Length > 0 ? shape[0] : 0;
        long size = s.Aggregate(1L, (a, b) => a * b);
        if (shape.Length < 2 || shape[1..].Aggregate(1L, (a, b) => a * b) != size)
            throw new ArgumentException($"the classifier takes images [N, {string.Join(", ", s)}] (or [N, {size}]), got [{string.Join(", ", shape)}]", nameof(x));
        using var noGrad = Torch.NoGrad();
        var parts = new List<Tensor>();
        using (var scope = Torch.NewScope())
        {
            var images = x.To(DType.Float32).Reshape([n, .. s]);
            for (long start = 0; start < n; start += ChunkSize)
                parts.Add(f(images.Narrow(0, start, Math.Min(ChunkSize, n - start))).DetachFromScope());
            if (parts.Count == 0) parts.Add(f(images).DetachFromScope());
        }
        // Cat (also of a single part) makes the result an ordinary new tensor of the caller's scope.
        try { return Torch.Cat(parts, 0); }
        finally { foreach (var p in parts) p.Dispose(); }
    }

    /// <summary>Frees the network's weights.</summary>
    public void Dispose() => network.Dispose();
}
