using LatentSynth.Models;
using LatentSynth.Torch;

namespace LatentSynth.Music.Tests.Models;

using Torch = LatentSynth.Torch.Torch;

/// <summary>The save/load round trip every music model's tests run (one copy instead of five).</summary>
internal static class ModelTheory
{
    /// <summary>
    /// Saves <paramref name="model"/>, checks that <paramref name="other"/> (initialized differently) gives another evaluation
    /// loss on <paramref name="x"/>, loads the file into it and checks the losses are equal; then <paramref name="alsoEqual"/>
    /// compares whatever else the model produces, without gradients. With <paramref name="noise"/>, both models draw their
    /// posterior noise from it, reseeded before each loss.
    /// </summary>
    public static void SaveLoadRoundTrip<T>(T model, T other, Tensor x, Generator? noise = null, Action<T, T>? alsoEqual = null)
        where T : AutoencoderModel
    {
        var dir = Directory.CreateTempSubdirectory("ls-music-model-");
        try
        {
            var path = Path.Combine(dir.FullName, "model.safetensors");
            if (noise is not null) model.NoiseGenerator = other.NoiseGenerator = noise;
            double LossOf(T m)
            {
                using var s = Torch.NewScope();
                noise?.ManualSeed(3);
                using (Torch.NoGrad()) return m.EvaluationLoss(x).Total.Item();
            }
            model.Save(path);
            Assert.NotEqual(LossOf(model), LossOf(other));
            other.Load(path);
            Assert.Equal(LossOf(model), LossOf(other));
            if (alsoEqual is not null)
                using (Torch.NoGrad()) alsoEqual(model, other);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
