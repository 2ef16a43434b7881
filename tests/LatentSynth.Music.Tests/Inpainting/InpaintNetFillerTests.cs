using LatentSynth.Music.Data;
using LatentSynth.Music.Inpainting;
using LatentSynth.Music.Models;
using LatentSynth.Music.Tests.Models;
using LatentSynth.Training;
using static LatentSynth.Music.Tests.Data.MidiFixtures;

namespace LatentSynth.Music.Tests.Inpainting;

/// <summary>
/// InpaintNet as a gap filler: a tiny "inpaintnet" trained through the command line (on a tiny MeasureVAE run) fills the
/// gap of a real window through <see cref="LatentRnnGapFiller"/> and through <c>music inpaint</c>; sketches are refused.
/// </summary>
[Collection(MusicProcessWideState.Name)]
public sealed class InpaintNetFillerTests(MeasureVaeRunFixture bars) : IClassFixture<MeasureVaeRunFixture>, IDisposable
{
    static InpaintNetFillerTests() => MusicModels.Register();

    private readonly string dir = TempFolder();

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>Writes 12 tunes of 20 bars (quarter notes of a rising pattern) and trains inpaintnet on them for one epoch.</summary>
    private (string Run, string Midi) Train()
    {
        var midi = Path.Combine(dir, "midi");
        Directory.CreateDirectory(midi);
        for (int k = 0; k < 12; k++)
            Write(Path.Combine(midi, $"tune{k:D2}.mid"), 480, Enumerable.Range(0, 80).Select(i => new Q(60 + (k + i) % 12, i, 1)), (0, 4, 4));
        var run = Path.Combine(dir, "run");
        var (code, output) = CliRunner.Run(300, "train", "--model", "inpaintnet", "--data", "midi-inpaint:" + midi, "--set", "measure_vae_run=" + bars.Dir,
            "--latent-dim", "8", "--set", "rnn_size=12", "--set", "rnn_layers=1", "--epochs", "1", "--batch-size", "8", "--out", run);
        Assert.True(code == 0, output);
        return (run, midi);
    }

    [Fact]
    public void AnInpaintNetRunFillsOnlyTheGapThroughTheFillerAndTheVerb()
    {
        var (run, midi) = Train();
        Assert.Contains("inpaintnet", GapFillers.Models);
        var (filler, folder) = GapFillers.Open(run);
        using var disposable = (LatentRnnGapFiller)filler;
        Assert.NotNull(folder);
        var tune = InpaintGrid.ToTokens(MidiReader.Read(Path.Combine(midi, "tune03.mid"))).Tokens!;
        var window = tune[..InpaintGrid.WindowSteps];
        var filled = filler.Fill(window, InpaintGap.Window, null, null);
        Assert.Equal(window.Length, filled.Length);
        var gap = InpaintGap.Window;
        for (int s = 0; s < window.Length; s++)
            if (s < gap.StartStep || s >= gap.EndStep) Assert.Equal(window[s], filled[s]);
            else Assert.InRange(filled[s], 0, InpaintTokens.Count - 1);
        // Greedy: the same fill twice; the likelihood is a mean per step of a 130-way softmax, so positive and finite.
        Assert.Equal(filled, filler.Fill(window, InpaintGap.Window, null, null));
        double nll = filler.GapNegativeLogLikelihood(window, InpaintGap.Window)!.Value;
        Assert.True(nll > 0 && double.IsFinite(nll), $"nll {nll}");
        // A batch fills and scores each window as alone.
        var windows = Enumerable.Range(0, 4).Select(k => tune[(k * InpaintTokens.StepsPerBar)..(k * InpaintTokens.StepsPerBar + InpaintGrid.WindowSteps)]).ToList();
        var batch = ((IGapFiller)filler).FillAll(windows, InpaintGap.Window, null, null);
        var nlls = ((IGapFiller)filler).GapNegativeLogLikelihoods(windows, InpaintGap.Window, null);
        for (int i = 0; i < windows.Count; i++)
        {
            Assert.Equal(filler.Fill(windows[i], InpaintGap.Window, null, null), batch[i]);
            Assert.Equal(filler.GapNegativeLogLikelihood(windows[i], InpaintGap.Window)!.Value, nlls[i]!.Value, 4);
        }
        // No sketches, another gap: refused by name.
        var sketch = new InpaintControls(new Dictionary<int, BarSketch> { [0] = new(Rhythm: Enumerable.Repeat(BarRhythm.Rest, 24).ToArray()) });
        Assert.Contains("takes no pitch or rhythm sketch", Assert.Throws<ArgumentException>(() => filler.Fill(window, InpaintGap.Window, sketch, null)).Message);
        Assert.Contains("takes no pitch or rhythm sketch", Assert.Throws<ArgumentException>(() => filler.GapNegativeLogLikelihood(window, InpaintGap.Window, sketch)).Message);
        Assert.Contains("fills bars 7-10", Assert.Throws<ArgumentException>(() => filler.Fill(window, new InpaintGap(5, 4), null, null)).Message);

        // The verb with the run: the three files; with a sketch, one error line.
        var outDir = Path.Combine(dir, "out");
        var (code, output) = CliRunner.Run(300, "music", "inpaint", run, "--tune", Path.Combine(midi, "tune03.mid"), "--gap", "7-10", "--out", outDir);
        Assert.True(code == 0, output);
        Assert.True(File.Exists(Path.Combine(outDir, "inpainted.mid")) && File.Exists(Path.Combine(outDir, "inpainted.png")), output);
        (code, output) = CliRunner.Run(300, "music", "inpaint", run, "--tune", Path.Combine(midi, "tune03.mid"), "--gap", "7-10", "--out", Path.Combine(dir, "out2"),
            "--rhythm-sketch", "8:x-----x-----x-----x-----");
        Assert.Equal(1, code);
        Assert.Contains("takes no pitch or rhythm sketch", output);
    }
}
