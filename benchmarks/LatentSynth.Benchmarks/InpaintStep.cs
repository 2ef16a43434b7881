using LatentSynth.Models;
using LatentSynth.Music;
using LatentSynth.Music.Data;
using LatentSynth.Music.Models;
using LatentSynth.Torch;
using LatentSynth.Training;

namespace LatentSynth.Benchmarks;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// One training step of the real inpainting models of LatentSynth.Music (issue 13): the bar VAEs <c>measurevae</c> and
/// <c>sketchvae</c> (one bar of 24 ticks) and the gap fillers <c>inpaintnet</c> (LatentRNN on a frozen MeasureVAE) and
/// <c>sketchnet</c> (SketchInpainter + SketchConnector on a frozen SketchVAE), windows of 16 bars (384 ticks), at their
/// default sizes, stepped as the trainer steps them: <see cref="AutoencoderModel.TrainStep"/> with the model's own
/// optimizers (<see cref="AutoencoderModel.CreateOptimizers"/>) inside a scope, then <see cref="LossTerms.Values"/>.
/// The mirror is benchmarks/pytorch/inpaint_step.py.
/// </summary>
/// <remarks>
/// <para>The random parts that the mirror could not draw alike are switched off through the configs: teacher forcing
/// always (MeasureVAE's per-batch coin and SketchVAE's per-tick scheduled sampling: sampling_schedule "constant",
/// sampling_rate 0; the gap fillers' teacher_forcing_probability 1) and dropout 0 (the GRUs' and the connector's).
/// What stays random comes from <see cref="AutoencoderModel.NoiseGenerator"/> seeded with seed + 2, which the mirror
/// seeds alike: the reparameterisation noise of the bar VAEs and SketchNet's reveals (reveal_probability 0.3 kept).</para>
/// <para>The stage-1 model of a gap filler is a freshly initialised <c>measurevae</c> / <c>sketchvae</c> (default config,
/// seeded with seed + 3) saved as a run folder (<c>run.json</c> from <see cref="RunConfig.ToJson"/> and
/// <c>model.safetensors</c>) in a temporary folder, deleted at the end; the model loads it as it loads a trained run.</para>
/// <para>Batches (drawn with <see cref="Random"/> seeded seed + 1): monophonic melodies written by
/// <see cref="InpaintGrid.Encode"/>, notes of 3, 6 or 12 ticks at pitches 60..79 and rests of 3 or 6 ticks, so that
/// the bars have the onset counts of real tunes (which SketchVAE's pitch encoder depends on).</para>
/// <para>With <c>--export DIR</c> the process writes, before its first step, the model's initial state dict
/// (<c>DIR/weights.safetensors</c>), for a gap filler also its frozen stage 1 (<c>DIR/stage1.safetensors</c>), and the
/// batch (<c>DIR/batch.safetensors</c>, int64 tokens [B, T]).</para>
/// </remarks>
public static class InpaintStep
{
    /// <summary>The models this benchmark steps.</summary>
    public static readonly IReadOnlyList<string> Models = ["measurevae", "sketchvae", "inpaintnet", "sketchnet"];

    /// <summary>Runs warm-up and timed steps of model <paramref name="name"/>; prints one JSON line.</summary>
    /// <exception cref="ArgumentException">Unknown model.</exception>
    public static void Run(string name, int threads, int batch, int warmup, int steps, ulong seed, string? export)
    {
        if (!Models.Contains(name)) throw new ArgumentException($"--model must be one of {string.Join(", ", Models)}, got '{name}'");
        MusicModels.Register();
        Torch.NumThreads = threads;
        string? stageDir = null;
        try
        {
            ModelConfig config = name switch
            {
                "measurevae" => Default<MeasureVaeConfig>("measurevae") with { SamplingSchedule = "constant", SamplingRate = 0, Dropout = 0 },
                "sketchvae" => Default<SketchVaeConfig>("sketchvae") with { SamplingSchedule = "constant", SamplingRate = 0, Dropout = 0 },
                "inpaintnet" => Default<LatentRnnConfig>("inpaintnet") with { MeasureVaeRun = stageDir = StageRun(Default<MeasureVaeConfig>("measurevae"), seed + 3), TeacherForcingProbability = 1, Dropout = 0 },
                _ => Default<SketchNetConfig>("sketchnet") with { SketchVaeRun = stageDir = StageRun(Default<SketchVaeConfig>("sketchvae"), seed + 3), TeacherForcingProbability = 1, Dropout = 0, ConnectorDropout = 0 },
            };
            Torch.ManualSeed(seed);
            using var model = ModelRegistry.Create(config);
            model.Train();
            using var noise = new Generator(seed + 2);
            model.NoiseGenerator = noise;
            var optimizers = model.CreateOptimizers(1e-3);
            int length = (int)config.InputShape[0];
            using var tokens = Melodies(batch, length, seed + 1);
            if (export is not null)
            {
                StepBench.Export(export, model, tokens);
                AutoencoderModel? stage = model switch { LatentRnnModel m => m.MeasureVae, SketchNetModel m => m.SketchVae, _ => null };
                stage?.Save(Path.Combine(export, "stage1.safetensors"));
            }
            var timing = StepBench.Measure(step =>
            {
                using var scope = Torch.NewScope();
                return model.TrainStep(tokens, new TrainingProgress(0, step, 1000, 1), optimizers).Values();
            }, warmup, steps);
            foreach (var o in optimizers.Values) o.Dispose();
            Console.WriteLine(StepBench.Json(name, batch, length, steps, timing));
        }
        finally
        {
            if (stageDir is not null && Directory.Exists(stageDir)) Directory.Delete(stageDir, recursive: true);
        }
    }

    private static T Default<T>(string model) where T : ModelConfig => (T)ModelRegistry.DefaultConfig(model);

    /// <summary>Saves a freshly initialised stage-1 model of <paramref name="config"/> as a run folder in a new temporary folder; returns its path.</summary>
    private static string StageRun(ModelConfig config, ulong seed)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"ls-inpaint-step-{config.Model}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        Torch.ManualSeed(seed);
        using var stage = ModelRegistry.Create(config);
        var run = new RunConfig(config, new TrainingConfig { Data = "nottingham-bars24" });
        File.WriteAllText(Path.Combine(dir, RunFolder.ConfigFile), run.ToJson());
        stage.Save(Path.Combine(dir, RunFolder.WeightsFile));
        return dir;
    }

    /// <summary><paramref name="rows"/> melodies of <paramref name="length"/> ticks as int64 tokens [rows, length] (see the remarks).</summary>
    private static Tensor Melodies(int rows, int length, ulong seed)
    {
        var random = new Random((int)(seed & 0x7fffffff));
        var data = new long[rows * length];
        for (int r = 0; r < rows; r++)
        {
            var notes = new List<GridNote>();
            int t = 0;
            while (t < length)
            {
                if (random.NextDouble() < 0.2) { t += random.Next(2) == 0 ? 3 : 6; continue; }
                int d = new[] { 3, 6, 6, 12 }[random.Next(4)];
                notes.Add(new GridNote(60 + random.Next(20), t, Math.Min(t + d, length)));
                t += d;
            }
            var bar = InpaintGrid.Encode(notes, length);
            for (int i = 0; i < length; i++) data[r * length + i] = bar[i];
        }
        return Tensor.From(data, rows, length);
    }
}
