using LatentSynth.Models;
using LatentSynth.Music;
using LatentSynth.Music.Data;
using LatentSynth.Music.Models;
using LatentSynth.Torch;

namespace LatentSynth.Benchmarks;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// One training step of the real <c>pianotree</c> model of LatentSynth.Music (issue 14), PianoTree VAE at its default
/// sizes on trees [B, 32, 16, 6], stepped as the trainer steps it: <see cref="AutoencoderModel.TrainStep"/> with the
/// model's own optimizer (<see cref="AutoencoderModel.CreateOptimizers"/>; Adam, lr·0.9999^step floored at 1e-5,
/// global-norm clip 1) inside a scope, then <see cref="LossTerms.Values"/>. The mirror is benchmarks/pytorch/pianotree_step.py.
/// </summary>
/// <remarks>
/// <para>Teacher forcing always at both levels (time and note): the four schedule ends are set to 1, so every coin
/// (<c>u &lt; 1</c>, u from torch.rand) comes up true. The coins are still drawn, after the reparameterisation noise, from
/// <see cref="AutoencoderModel.NoiseGenerator"/> seeded with seed + 2, which the mirror seeds alike and draws in the same
/// order (randn [B, z], then rand [32 + 32·16]). The model has no dropout.</para>
/// <para>Batches (drawn with <see cref="Random"/> seeded seed + 1): trees written by <see cref="PolyTree.Encode"/>; each
/// of the 32 steps is an onset step with probability 0.6 and then holds 1–4 distinct pitches (a melody note in 72..84 and
/// up to 3 chord notes in 48..71), each of 1–8 sixteenths.</para>
/// <para>With <c>--export DIR</c> the process writes, before its first step, the model's initial state dict
/// (<c>DIR/weights.safetensors</c>) and the batch (<c>DIR/batch.safetensors</c>, key <c>tokens</c>, float32 trees [B, 32, 16, 6]).</para>
/// </remarks>
public static class PianoTreeStep
{
    /// <summary>Runs warm-up and timed steps of the default <c>pianotree</c>; prints one JSON line.</summary>
    public static void Run(int threads, int batch, int warmup, int steps, ulong seed, string? export)
    {
        MusicModels.Register();
        Torch.NumThreads = threads;
        var config = (PianoTreeVaeConfig)ModelRegistry.DefaultConfig("pianotree") with
        {
            TimeTeacherForcingStart = 1, TimeTeacherForcingEnd = 1, NoteTeacherForcingStart = 1, NoteTeacherForcingEnd = 1,
        };
        Torch.ManualSeed(seed);
        using var model = ModelRegistry.Create(config);
        model.Train();
        using var noise = new Generator(seed + 2);
        model.NoiseGenerator = noise;
        var optimizers = model.CreateOptimizers(1e-3);
        using var trees = Trees(batch, seed + 1);
        if (export is not null) StepBench.Export(export, model, trees);
        var timing = StepBench.Measure(step =>
        {
            using var scope = Torch.NewScope();
            return model.TrainStep(trees, new TrainingProgress(0, step, 1000, 1), optimizers).Values();
        }, warmup, steps);
        foreach (var o in optimizers.Values) o.Dispose();
        Console.WriteLine(StepBench.Json("pianotree", batch, PolyTree.Steps, steps, timing, ["loss", "pitch", "duration", "kl", "pitch_accuracy"]));
    }

    /// <summary><paramref name="rows"/> trees, float32 [rows, 32, 16, 6] (see the remarks).</summary>
    private static Tensor Trees(int rows, ulong seed)
    {
        var random = new Random((int)(seed & 0x7fffffff));
        var data = new float[rows * PolyTree.Size];
        for (int r = 0; r < rows; r++)
        {
            var notes = new List<PolyTree.PolyNote>();
            for (int t = 0; t < PolyTree.Steps; t++)
            {
                if (random.NextDouble() >= 0.6) continue;
                notes.Add(new PolyTree.PolyNote(t, 72 + random.Next(13), 1 + random.Next(8)));
                int chord = random.Next(4);
                var pitches = new HashSet<int>();
                while (pitches.Count < chord) pitches.Add(48 + random.Next(24));
                foreach (var p in pitches) notes.Add(new PolyTree.PolyNote(t, p, 1 + random.Next(8)));
            }
            PolyTree.Encode(notes).CopyTo(data, r * PolyTree.Size);
        }
        return Tensor.From(data, rows, PolyTree.Steps, PolyTree.MaxNotes, PolyTree.Width);
    }
}
