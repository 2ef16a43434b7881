using System.Diagnostics;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;
using LatentSynth.Torch.Optim;

namespace LatentSynth.Benchmarks;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// One epoch of the reference MLP VAE, the same model, loss, optimizer, data and protocol as
/// benchmarks/pytorch/vae_epoch.py: 784-400-20 / 20-400-784, sum BCE-with-logits + analytic KL
/// (Kingma &amp; Welling 2013, appendix B), Adam 1e-3, batch 128, N synthetic inputs in [0, 1].
/// </summary>
public static class VaeEpoch
{
    private sealed class Vae : Module<Tensor, (Tensor Logits, Tensor Mu, Tensor LogVar)>
    {
        private readonly Linear fc1, fc21, fc22, fc3, fc4;

        public Vae()
        {
            fc1 = RegisterModule("fc1", new Linear(784, 400));
            fc21 = RegisterModule("fc21", new Linear(400, 20));
            fc22 = RegisterModule("fc22", new Linear(400, 20));
            fc3 = RegisterModule("fc3", new Linear(20, 400));
            fc4 = RegisterModule("fc4", new Linear(400, 784));
        }

        public override (Tensor Logits, Tensor Mu, Tensor LogVar) Forward(Tensor x)
        {
            var h = fc1.Forward(x).Relu();
            var mu = fc21.Forward(h);
            var logVar = fc22.Forward(h);
            var z = mu + Torch.RandnLike(mu) * (logVar * 0.5).Exp();
            return (fc4.Forward(fc3.Forward(z).Relu()), mu, logVar);
        }
    }

    public static void Run(int threads, int n, int batch, int warmupSteps, ulong seed)
    {
        if (threads > 0) Torch.NumThreads = threads;
        Torch.ManualSeed(seed);
        using var data = Torch.Rand(n, 784);
        using var model = new Vae();
        using var opt = new Adam(model.Parameters(), lr: 1e-3);

        double Step(Tensor x, bool read)
        {
            using var scope = Torch.NewScope();
            opt.ZeroGrad();
            var (logits, mu, logVar) = model.Forward(x);
            // Reconstruction: Bernoulli NLL with logits, summed over pixels and batch.
            var bce = F.BinaryCrossEntropyWithLogits(logits, x, reduction: Reduction.Sum);
            // KL(q(z|x) || N(0, I)) in closed form (Kingma & Welling 2013, appendix B).
            var kld = (1 + logVar - mu.Square() - logVar.Exp()).Sum() * -0.5;
            var loss = bce + kld;
            loss.Backward();
            opt.Step();
            return read ? loss.Item() : 0;
        }

        for (int i = 0; i < warmupSteps; i++)
        {
            using var x = data.Slice(0, (long)i * batch, (long)(i + 1) * batch);
            Step(x, false);
        }
        var sw = Stopwatch.StartNew();
        using var perm = Torch.Randperm(n);
        double total = 0;
        int steps = 0;
        for (long i = 0; i < n; i += batch)
        {
            using var scope = Torch.NewScope();
            var idx = perm.Slice(0, i, Math.Min(i + batch, n));
            var x = data.IndexSelect(0, idx);
            total += Step(x, true);
            steps++;
        }
        double seconds = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"{{\"impl\":\"c#\",\"threads\":{Torch.NumThreads},\"seconds\":{seconds:F4},\"steps\":{steps},\"loss\":{total / n:F4}}}");
    }
}
