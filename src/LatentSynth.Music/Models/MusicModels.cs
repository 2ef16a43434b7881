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
}
