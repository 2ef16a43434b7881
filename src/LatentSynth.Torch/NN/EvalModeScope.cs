namespace LatentSynth.Torch.NN;

/// <summary>
/// A module in evaluation mode (and, for <see cref="Module.Inference"/>, with gradients off) until disposed; then
/// its previous training mode, and the previous gradient mode, come back. The one way the project writes "eval mode
/// and no grad, then restore" (PyTorch: <c>model.eval()</c> under <c>torch.no_grad()</c>, then <c>model.train(was)</c>):
/// the generation functions, every metric, the trainer's evaluation and sanity check, the audio synthesis and the
/// geodesic (which needs gradients, so it takes <see cref="Module.EvalScope"/>) all use it.
/// </summary>
public readonly struct EvalModeScope : IDisposable
{
    private readonly Module module;
    private readonly bool wasTraining;
    private readonly bool noGrad;
    private readonly GradModeScope grad;

    internal EvalModeScope(Module module, bool noGrad)
    {
        this.module = module;
        wasTraining = module.Training;
        this.noGrad = noGrad;
        module.Eval();
        grad = noGrad ? Torch.NoGrad() : default;
    }

    /// <summary>Restores the gradient mode (when this scope turned it off) and the module's training mode.</summary>
    public void Dispose()
    {
        if (module is null) return;
        if (noGrad) grad.Dispose();
        module.Train(wasTraining);
    }
}
