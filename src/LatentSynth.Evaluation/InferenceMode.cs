using LatentSynth.Models;
using LatentSynth.Torch;

namespace LatentSynth.Evaluation;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// Evaluation mode and no gradients for the lifetime of the value; restores the model's mode
/// afterwards. Used by the generation functions and every metric.
/// </summary>
internal readonly struct InferenceMode : IDisposable
{
    private readonly AutoencoderModel model;
    private readonly bool wasTraining;
    private readonly GradModeScope noGrad;

    public InferenceMode(AutoencoderModel model)
    {
        this.model = model;
        wasTraining = model.Training;
        model.Eval();
        noGrad = Torch.NoGrad();
    }

    public void Dispose()
    {
        noGrad.Dispose();
        model.Train(wasTraining);
    }
}
