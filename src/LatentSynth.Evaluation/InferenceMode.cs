using LatentSynth.Models;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// Evaluation mode and no gradients for the lifetime of the value; restores the model's mode
/// afterwards. Used by the generation functions, every metric and the audio synthesis.
/// </summary>
public readonly struct InferenceMode : IDisposable
{
    private readonly AutoencoderModel model;
    private readonly bool wasTraining;
    private readonly GradModeScope noGrad;

    /// <summary>Puts <paramref name="model"/> in evaluation mode and turns gradients off until disposed.</summary>
    public InferenceMode(AutoencoderModel model)
    {
        this.model = model;
        wasTraining = model.Training;
        model.Eval();
        noGrad = Torch.NoGrad();
    }

    /// <summary>Turns gradients back on and restores the model's training mode.</summary>
    public void Dispose()
    {
        noGrad.Dispose();
        model.Train(wasTraining);
    }
}
