using LatentSynth.Models;
using LatentSynth.Music.Models;
using LatentSynth.Torch;

namespace LatentSynth.Music.Tests.Models;

/// <summary>Each music model names the workload its thread plan is chosen by (issue 15, part 1).</summary>
public sealed class WorkloadTests
{
    [Theory]
    [InlineData("musicvae", Workload.Recurrent)]
    [InlineData("musicvae-hier", Workload.Recurrent)]
    [InlineData("measurevae", Workload.Recurrent)]
    [InlineData("sketchvae", Workload.Recurrent)]
    [InlineData("pianotree", Workload.Recurrent)]
    [InlineData("midi-event-vae", Workload.Recurrent)]
    [InlineData("pianoroll-vae", Workload.Dense)]
    public void MusicModelsNameTheirWorkload(string name, Workload workload)
    {
        MusicModels.Register();
        using var model = ModelRegistry.Create(ModelRegistry.DefaultConfig(name));
        Assert.Equal(workload, model.Workload);
    }
}
