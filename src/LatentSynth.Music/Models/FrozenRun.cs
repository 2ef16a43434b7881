using LatentSynth.Models;
using LatentSynth.Training;

namespace LatentSynth.Music.Models;

/// <summary>
/// The stage-1 model of a two-stage inpainting model (MeasureVAE under InpaintNet, SketchVAE under SketchNet): loaded from
/// its run folder, kept in evaluation mode with every parameter frozen. One loader, so both models refuse a missing,
/// unreadable or wrong-kind run with the same messages.
/// </summary>
internal static class FrozenRun
{
    /// <summary>Loads the <typeparamref name="T"/> run at <paramref name="path"/> (the config setting <paramref name="setting"/>)
    /// for model <paramref name="model"/>; <paramref name="stageModel"/> names the stage-1 model and <paramref name="howTo"/>
    /// how to train it when the setting is empty.</summary>
    /// <exception cref="ArgumentException">The setting is empty, the run cannot be loaded, or it holds another model.</exception>
    internal static T Load<T>(string path, string setting, string model, string stageModel, string howTo) where T : AutoencoderModel
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException($"{setting} is not set: model '{model}' needs the run folder of a trained '{stageModel}' ({howTo})");
        AutoencoderModel loaded;
        try
        {
            loaded = RunFolder.Open(Path.GetFullPath(path)).LoadModel();
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidOperationException)
        {
            throw new ArgumentException($"{setting} '{path}' cannot be loaded: {e.Message}", e);
        }
        if (loaded is not T stage)
        {
            string name = loaded.Config.Model;
            loaded.Dispose();
            throw new ArgumentException($"{setting} '{path}' holds a '{name}' model, not a '{stageModel}'");
        }
        stage.Eval();
        foreach (var p in stage.Parameters()) p.RequiresGrad = false;
        return stage;
    }
}
