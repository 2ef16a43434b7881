using System.Diagnostics;
using System.Globalization;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;
using LatentSynth.Torch.Optim;

namespace LatentSynth.Benchmarks;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// One training step of a flat 2-bar MusicVAE-shaped model (Roberts et al. 2018, the flat
/// "cat-mel_2bar" shape), the same model, loss, optimizer, data and protocol as
/// benchmarks/pytorch/musicvae_step.py: one-hot melodies of 32 steps over 90 tokens, batch 64;
/// encoder a bidirectional 2-layer LSTM of 256 whose last layer's final states (forward and
/// backward) give μ and σ = softplus(·) of a 64-d z; the decoder's initial states from tanh(dense(z));
/// decoder a 2-layer LSTM of 256 fed the previous token (teacher forcing) concatenated with z;
/// logits over the 90 tokens. Loss: summed cross-entropy over the steps, averaged over the batch,
/// plus β = 0.5 times the KL above 48 free nats (Kingma et al. 2016's free bits, as MusicVAE). Adam
/// 1e-3 with the exponential decay MusicVAE uses (0.9999 per step, floor 1e-5), gradients clipped
/// to global norm 1.
/// </summary>
/// <remarks>
/// <c>--decoder fused</c> runs the decoder as one <see cref="LSTM"/> call over the 32 steps (what
/// teacher forcing allows); <c>--decoder cells</c> runs it step by step with two
/// <see cref="LSTMCell"/>s, the loop that scheduled sampling and sampling at inference need, where
/// per-op cost counts. Both sides build the model after the same seed in the same order, so they
/// start from the same weights and print the same first loss.
/// </remarks>
public static class MusicVaeStep
{
    private const int Tokens = 90, Steps = 32, Hidden = 256, Latent = 64;

    private sealed class Model : Module
    {
        public readonly LSTM Encoder;
        public readonly Linear Mu, Sigma, Init, Output;
        public readonly LSTM? Decoder;
        public readonly LSTMCell? Cell0, Cell1;

        public Model(bool cells)
        {
            Encoder = RegisterModule("encoder", new LSTM(Tokens, Hidden, numLayers: 2, batchFirst: true, bidirectional: true));
            Mu = RegisterModule("mu", new Linear(2 * Hidden, Latent));
            Sigma = RegisterModule("sigma", new Linear(2 * Hidden, Latent));
            Init = RegisterModule("init", new Linear(Latent, 2 * 2 * Hidden));
            if (cells)
            {
                Cell0 = RegisterModule("cell0", new LSTMCell(Tokens + Latent, Hidden));
                Cell1 = RegisterModule("cell1", new LSTMCell(Hidden, Hidden));
            }
            else
            {
                Decoder = RegisterModule("decoder", new LSTM(Tokens + Latent, Hidden, numLayers: 2, batchFirst: true));
            }
            Output = RegisterModule("output", new Linear(Hidden, Tokens));
        }
    }

    /// <summary>Runs warm-up and timed steps; prints one JSON line.</summary>
    public static void Run(string decoder, int threads, int batch, int warmup, int steps, ulong seed)
    {
        bool cells = decoder switch
        {
            "cells" => true,
            "fused" => false,
            _ => throw new ArgumentException($"--decoder must be fused or cells, got '{decoder}'"),
        };
        Torch.NumThreads = threads;
        Torch.ManualSeed(seed);
        using var model = new Model(cells);
        using var opt = new Adam(model.Parameters(), lr: 1e-3);
        var sched = new ExponentialLR(opt, 0.9999, minLR: 1e-5);
        using var gen = new Generator(seed + 1);
        // Data: random melodies (token ids), their one-hot inputs and the inputs shifted by one step.
        using var targets = Torch.Randint(0, Tokens, [batch, Steps], generator: gen);
        using var eye = Torch.Eye(Tokens);
        using var flat = targets.Reshape(-1);
        using var oneHotFlat = eye.IndexSelect(0, flat);
        using var x = oneHotFlat.Reshape(batch, Steps, Tokens);
        using var zeros = Torch.Zeros(batch, 1, Tokens);
        using var head = x.Slice(1, 0, Steps - 1);
        using var shifted = Torch.Cat([zeros, head], 1);
        using var zTemplate = Torch.Empty(batch, Steps, Latent);

        double Step()
        {
            using var scope = Torch.NewScope();
            opt.ZeroGrad();
            var (_, h, _) = model.Encoder.Call(x);
            var last = Torch.Cat([h.Select(0, 2), h.Select(0, 3)], 1);
            var mu = model.Mu.Call(last);
            var sigma = model.Sigma.Call(last).Softplus();
            var z = mu + sigma * Torch.Randn([batch, Latent], generator: gen);
            var state = model.Init.Call(z).Tanh().Reshape(batch, 4, Hidden).Transpose(0, 1);
            Tensor output;
            if (!cells)
            {
                var h0 = state.Slice(0, 0, 2).Contiguous();
                var c0 = state.Slice(0, 2, 4).Contiguous();
                var input = Torch.Cat([shifted, z.Unsqueeze(1).ExpandAs(zTemplate)], 2);
                output = model.Decoder!.Call(input, h0, c0).Output;
            }
            else
            {
                Tensor h0 = state.Select(0, 0), h1 = state.Select(0, 1), c0 = state.Select(0, 2), c1 = state.Select(0, 3);
                var outs = new List<Tensor>(Steps);
                for (int t = 0; t < Steps; t++)
                {
                    var input = Torch.Cat([shifted.Select(1, t), z], 1);
                    (h0, c0) = model.Cell0!.Call(input, h0, c0);
                    (h1, c1) = model.Cell1!.Call(h0, h1, c1);
                    outs.Add(h1);
                }
                output = Torch.Stack(outs, 1);
            }
            var logits = model.Output.Call(output);
            // Reconstruction: categorical NLL summed over the 32 steps, averaged over the batch (MusicVAE's r_loss).
            var recon = F.CrossEntropy(logits.Transpose(1, 2), targets, reduction: Reduction.Sum) / batch;
            // KL(N(μ, σ²) || N(0, I)) per example, averaged; free bits: only the part above 48 nats counts (Kingma et al. 2016, eq. 15).
            var kl = (mu.Square() + sigma.Square() - 1 - sigma.Square().Log()).Sum() * (0.5 / batch);
            var loss = recon + (kl - 48.0).Relu() * 0.5;
            loss.Backward();
            GradClip.ClipGradNorm_(model.Parameters(), 1.0);
            opt.Step();
            sched.Step();
            return loss.Item();
        }

        double first = 0;
        for (int i = 0; i < warmup; i++)
        {
            double l = Step();
            if (i == 0) first = l;
        }
        var proc = Process.GetCurrentProcess();
        var times = new List<double>();
        var cpu = new List<double>();
        double lastLoss = 0;
        for (int i = 0; i < steps; i++)
        {
            proc.Refresh();
            var c = proc.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            lastLoss = Step();
            sw.Stop();
            proc.Refresh();
            times.Add(sw.Elapsed.TotalSeconds);
            cpu.Add((proc.TotalProcessorTime - c).TotalSeconds);
        }
        times.Sort();
        cpu.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"impl\": \"latentsynth\", \"decoder\": \"{decoder}\", \"threads\": {Torch.NumThreads}, \"batch\": {batch}, \"steps\": {steps}, " +
            $"\"seconds\": {times[times.Count / 2]:F5}, \"cpu_seconds\": {cpu[cpu.Count / 2]:F5}, \"first_loss\": {first:F4}, \"last_loss\": {lastLoss:F4}}}"));
    }
}
