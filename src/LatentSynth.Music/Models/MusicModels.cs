using LatentSynth.Models;

namespace LatentSynth.Music.Models;

/// <summary>Registers the music models ("musicvae", "musicvae-hier", "measurevae", "inpaintnet", "sketchvae", "sketchnet", and the
/// PianoTree baselines "pianoroll-vae" and "midi-event-vae") with <see cref="ModelRegistry"/>.</summary>
public static class MusicModels
{
    /// <summary>Adds this assembly's models to <see cref="ModelRegistry"/> and the inpainting models to
    /// <see cref="Inpainting.GapFillers"/> (idempotent); call once before looking them up by name.</summary>
    public static void Register()
    {
        ModelRegistry.RegisterAssembly(typeof(MusicModels).Assembly);
        Inpainting.GapFillers.Register("inpaintnet", Inpainting.LatentRnnGapFiller.Open);
        Inpainting.GapFillers.Register("sketchnet", Inpainting.SketchNetGapFiller.Open);
    }

    /// <summary>Whether <paramref name="model"/> names a model of polyphonic tree tensors [32, 16, 6]: <c>pianotree</c>
    /// (<see cref="PianoTreeVaeConfig"/>) and its baselines <c>pianoroll-vae</c> and <c>midi-event-vae</c>
    /// (<see cref="PolyBaselineConfig"/>). They train on the poly datasets only (<see cref="Data.PolyData.IsPolyDataset"/>).</summary>
    public static bool IsPolyModel(string model) =>
        ModelRegistry.All.Any(m => string.Equals(m.Name, model, StringComparison.OrdinalIgnoreCase)
                                   && (typeof(PolyBaselineConfig).IsAssignableFrom(m.ConfigType) || typeof(PianoTreeVaeConfig).IsAssignableFrom(m.ConfigType)));
}
