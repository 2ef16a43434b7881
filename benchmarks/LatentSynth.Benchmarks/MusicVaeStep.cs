using LatentSynth.Models;
using LatentSynth.Music;
using LatentSynth.Music.Models;
using LatentSynth.Torch;

namespace LatentSynth.Benchmarks;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// One training step of the real MusicVAE models of LatentSynth.Music (issue 12): <c>musicvae</c> (flat, 2 bars,
/// T = 32) and <c>musicvae-hier</c> (hierarchical, 16 bars, T = 256) at their default sizes, stepped as the trainer
/// steps them: <see cref="AutoencoderModel.TrainStep"/> with the model's own optimizers
/// (<see cref="AutoencoderModel.CreateOptimizers"/>: Adam, learning rate decayed per step, global-norm clipping 1),
/// inside a scope, then <see cref="LossTerms.Values"/>. The mirror is benchmarks/pytorch/musicvae_step.py.
/// </summary>
/// <remarks>
/// Scheduled sampling is turned off (sampling_schedule "constant", sampling_rate 0: plain teacher forcing) on the
/// flat model, whose default schedule would otherwise sample with a tiny probability; the hierarchical model's
/// default is already teacher forcing. With <c>--export DIR</c> the process writes, before its first step, the
/// model's initial weights (<c>DIR/weights.safetensors</c>, the state dict, PyTorch's key names) and the batch
/// (<c>DIR/batch.safetensors</c>, int64 tokens [B, T]) so that the mirror starts from the same weights and data;
/// the reparameterisation noise comes from <see cref="AutoencoderModel.NoiseGenerator"/> seeded with seed + 2, which
/// the mirror seeds alike (PyTorch's CPU generator is libtorch's: the same draws).
/// </remarks>
public static class MusicVaeStep
{
    /// <summary>Runs warm-up and timed steps; prints one JSON line.</summary>
    public static void Run(string name, int threads, int batch, int warmup, int steps, ulong seed, string? export)
    {
        MusicModels.Register();
        Torch.NumThreads = threads;
        var config = name switch
        {
            "musicvae" => (ModelConfig)((MusicVaeConfig)ModelRegistry.DefaultConfig("musicvae") with { SamplingSchedule = "constant", SamplingRate = 0 }),
            "musicvae-hier" => ModelRegistry.DefaultConfig("musicvae-hier"),
            _ => throw new ArgumentException($"--model must be musicvae or musicvae-hier, got '{name}'"),
        };
        Torch.ManualSeed(seed);
        using var model = (MelodyVaeModel)ModelRegistry.Create(config);
        model.Train();
        using var noise = new Generator(seed + 2);
        model.NoiseGenerator = noise;
        var optimizers = model.CreateOptimizers(1e-3);
        using var gen = new Generator(seed + 1);
        using var tokens = Torch.Randint(0, MelodyTokens.Count, [batch, model.Length], generator: gen);
        if (export is not null) StepBench.Export(export, model, tokens);

        var timing = StepBench.Measure(step =>
        {
            using var scope = Torch.NewScope();
            return model.TrainStep(tokens, new TrainingProgress(0, step, 1000, 1), optimizers).Values();
        }, warmup, steps);
        foreach (var o in optimizers.Values) o.Dispose();
        Console.WriteLine(StepBench.Json(name, batch, model.Length, steps, timing, ["loss", "recon", "kl", "kl_cost", "accuracy"]));
    }
}
