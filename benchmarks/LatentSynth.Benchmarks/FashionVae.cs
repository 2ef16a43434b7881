using System.Diagnostics;
using System.Globalization;
using LatentSynth.Data;
using LatentSynth.Models;
using LatentSynth.Torch;
using LatentSynth.Torch.IO;

namespace LatentSynth.Benchmarks;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// The reference VAE on Fashion-MNIST through the model zoo (registry "vae", arch mlp or conv),
/// mirrored by benchmarks/pytorch/fashion_vae.py: same split (exported by <see cref="Export"/>),
/// same architecture, per-example loss (sum BCE-with-logits over pixels + analytic KL), Adam,
/// batch 128. Prints one JSON line with each epoch's seconds and the final test loss per image.
/// </summary>
public static class FashionVae
{
    /// <summary>Writes the train/test split as uint8 images + int64 labels for the PyTorch side.</summary>
    public static void Export(string name, string path)
    {
        using var splits = DatasetCatalog.Load(name, new DatasetOptions { Warn = w => Console.Error.WriteLine("warning: " + w) });
        using var scope = Torch.NewScope();
        Tensor Bytes(TensorDataset d) => (d.Examples * 255.0).Round().To(DType.UInt8);
        SafeTensors.Save(path, new Dictionary<string, Tensor>
        {
            ["train_x"] = Bytes(splits.Train), ["train_y"] = splits.Train.Labels!,
            ["test_x"] = Bytes(splits.Test), ["test_y"] = splits.Test.Labels!,
        });
    }

    public static void Run(string data, string arch, int epochs, int batch, double lr, ulong seed, int limit, int threads = 0, int blasThreads = 0)
    {
        using var splits = DatasetCatalog.Load(data, new DatasetOptions { Warn = w => Console.Error.WriteLine("warning: " + w) });
        using var train = limit > 0 ? splits.Train.Take(limit) : splits.Train.Take(splits.Train.Count);
        Torch.ManualSeed(seed);
        var config = ModelRegistry.DefaultConfig("vae") with { Arch = arch, LatentDim = 20, Hidden = [400], InputShape = train.ItemShape };
        using var model = ModelRegistry.Create(config);
        // The product's thread plan for this model (as the trainer applies it); --threads / --blas-threads override.
        ThreadPlans.Apply(model.Workload);
        if (threads > 0) Torch.NumThreads = threads;
        if (blasThreads > 0) Torch.BlasThreads = blasThreads;
        var optimizers = model.CreateOptimizers(lr);
        using var sampler = new BatchSampler(train.Count, batch, shuffle: true, seed: seed);
        var times = new List<double>();
        var rssMb = new List<double>();
        using var process = Process.GetCurrentProcess();
        long step = 0;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            model.Train();
            var sw = Stopwatch.StartNew();
            foreach (var idx in sampler.Epoch())
            {
                using var scope = Torch.NewScope();
                var (x, _) = train.Batch(idx);
                model.TrainStep(x, new TrainingProgress(epoch, step++, sampler.BatchesPerEpoch, epochs), optimizers);
            }
            times.Add(sw.Elapsed.TotalSeconds);
            process.Refresh();
            rssMb.Add(process.WorkingSet64 / 1048576.0);
        }
        // Test loss per image: the negative ELBO with one posterior sample, averaged over the test set.
        model.Eval();
        double total = 0;
        using (Torch.NoGrad())
        {
            for (long i = 0; i < splits.Test.Count; i += 1000)
            {
                using var scope = Torch.NewScope();
                var (x, _) = splits.Test.Range(i, Math.Min(1000, splits.Test.Count - i));
                total += model.EvaluationLoss(x).Total.Item() * x.Size(0);
            }
        }
        foreach (var o in optimizers.Values) o.Dispose();
        var epochsJson = string.Join(",", times.Select(t => t.ToString("F4", CultureInfo.InvariantCulture)));
        var rssJson = string.Join(",", rssMb.Select(m => m.ToString("F1", CultureInfo.InvariantCulture)));
        Console.WriteLine($"{{\"impl\":\"c#\",\"arch\":\"{arch}\",\"epoch_seconds\":[{epochsJson}],\"rss_mb\":[{rssJson}],\"threads\":{Torch.NumThreads},\"blas_threads\":{Torch.BlasThreads},\"test_loss\":{(total / splits.Test.Count).ToString("F4", CultureInfo.InvariantCulture)}}}");
    }
}
