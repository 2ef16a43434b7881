using LatentSynth.Models;
using LatentSynth.Music.Data;
using LatentSynth.Music.Inpainting;
using LatentSynth.Music.Models;
using LatentSynth.Music.Tests.Models;
using static LatentSynth.Music.Tests.Data.MidiFixtures;

namespace LatentSynth.Music.Tests.Inpainting;

/// <summary>
/// SketchNet as a gap filler (an untrained "sketchnet" on a tiny SketchVAE run): the context is kept, a rhythm sketch is
/// the output bar's rhythm exactly, a pitch sketch gives the bar's onset pitches.
/// </summary>
[Collection(MusicProcessWideState.Name)]
public sealed class SketchNetFillerTests(SketchVaeRunFixture bars) : IClassFixture<SketchVaeRunFixture>
{
    static SketchNetFillerTests() => MusicModels.Register();

    private SketchNetGapFiller Filler() => new((SketchNetModel)ModelRegistry.Create(SketchNetTests.Tiny(bars.Dir)));

    private static int[] Window()
    {
        var tokens = SketchNetTests.RepeatedWindows(1, 40).ToArray<long>();
        return tokens.Select(t => (int)t).ToArray();
    }

    [Fact]
    public void IsRegisteredAndKeepsTheContext()
    {
        Assert.Contains("sketchnet", GapFillers.Models);
        using var filler = Filler();
        var window = Window();
        var filled = filler.Fill(window, InpaintGap.Window, null, null);
        var gap = InpaintGap.Window;
        Assert.Equal(window.Length, filled.Length);
        for (int s = 0; s < window.Length; s++)
            if (s < gap.StartStep || s >= gap.EndStep) Assert.Equal(window[s], filled[s]);
            else Assert.InRange(filled[s], 0, InpaintTokens.Count - 1);
        Assert.Equal(filled, filler.Fill(window, InpaintGap.Window, null, null));
        double nll = filler.GapNegativeLogLikelihood(window, InpaintGap.Window)!.Value;
        Assert.True(nll > 0 && double.IsFinite(nll), $"nll {nll}");
        Assert.Contains("fills bars 7-10", Assert.Throws<ArgumentException>(() => filler.Fill(window, new InpaintGap(5, 4), null, null)).Message);
    }

    [Fact]
    public void AGivenRhythmAppearsExactlyInTheOutput()
    {
        using var filler = Filler();
        var window = Window();
        int[] rhythm = [.. SketchVaeTests.Patterns[1].Select(c => c switch { 'O' => BarRhythm.Onset, 'H' => BarRhythm.Hold, _ => BarRhythm.Rest })];
        int[] rests = [.. Enumerable.Repeat(BarRhythm.Rest, 24)];
        var controls = new InpaintControls(new Dictionary<int, BarSketch> { [0] = new(Rhythm: rhythm), [3] = new(Rhythm: rests) });
        var filled = filler.Fill(window, InpaintGap.Window, controls, null);
        Assert.Equal(rhythm, InpaintGrid.Split(InpaintControls.Bar(filled, 6)).Rhythm);
        Assert.Equal(rests, InpaintGrid.Split(InpaintControls.Bar(filled, 9)).Rhythm);
        Assert.Equal(2, filler.SketchedBars);
        Assert.InRange(filler.RepairedBars, 0, 2);
        // The true rhythms of every gap bar (SketchNet's row (d)).
        var truth = InpaintControls.TrueRhythm(window, InpaintGap.Window);
        var again = filler.Fill(window, InpaintGap.Window, truth, null);
        for (int i = 0; i < 4; i++)
            Assert.Equal(truth.Bars[i].Rhythm, InpaintGrid.Split(InpaintControls.Bar(again, 6 + i)).Rhythm);
    }

    [Fact]
    public void WithoutRepairTheOutputIsTheModelsOwnDecodeAndTheLikelihoodIsConditioned()
    {
        using var filler = Filler();
        var window = Window();
        var truth = InpaintControls.TrueRhythm(window, InpaintGap.Window);
        var repaired = filler.Fill(window, InpaintGap.Window, truth, null);
        long deviated = filler.RepairedBars;
        filler.RepairSketches = false;
        var raw = filler.Fill(window, InpaintGap.Window, truth, null);
        Assert.Equal(2 * deviated, filler.RepairedBars); // the same bars deviate again, counted, not repaired
        Assert.Equal(8, filler.SketchedBars);
        int differing = 0;
        for (int i = 0; i < 4; i++)
        {
            var rawBar = InpaintControls.Bar(raw, 6 + i);
            bool honours = InpaintGrid.Split(rawBar).Rhythm.SequenceEqual(truth.Bars[i].Rhythm!);
            if (!honours) differing++;
            // A bar that honours its sketch is the same with or without repair; one that does not is left as decoded.
            Assert.Equal(honours, rawBar.SequenceEqual(InpaintControls.Bar(repaired, 6 + i)));
        }
        Assert.Equal(deviated, differing);
        // The likelihood given the true rhythm conditions the codes on it: it differs from the unconditioned one.
        double free = filler.GapNegativeLogLikelihood(window, InpaintGap.Window)!.Value;
        double given = filler.GapNegativeLogLikelihood(window, InpaintGap.Window, truth)!.Value;
        Assert.True(double.IsFinite(given) && given > 0, $"nll given the rhythm {given}");
        Assert.NotEqual(free, given);
    }

    [Fact]
    public void ABatchFillsAndScoresEachWindowAsAloneWithItsOwnSketches()
    {
        using var filler = Filler();
        var windows = Enumerable.Range(0, 5).Select(k => SketchNetTests.RepeatedWindows(1, 40 + k).ToArray<long>().Select(t => (int)t).ToArray()).ToList();
        // Sketches on some windows only: the true rhythm of windows 1 and 3, a pitch sketch on window 4's second bar.
        var controls = new List<InpaintControls?>
        {
            null, InpaintControls.TrueRhythm(windows[1], InpaintGap.Window), null, InpaintControls.TrueRhythm(windows[3], InpaintGap.Window),
            new InpaintControls(new Dictionary<int, BarSketch> { [1] = new(Pitches: [72, 74]) }),
        };
        var batch = ((IGapFiller)filler).FillAll(windows, InpaintGap.Window, controls, null);
        var nlls = ((IGapFiller)filler).GapNegativeLogLikelihoods(windows, InpaintGap.Window, controls);
        for (int i = 0; i < windows.Count; i++)
        {
            Assert.Equal(filler.Fill(windows[i], InpaintGap.Window, controls[i], null), batch[i]);
            double alone = filler.GapNegativeLogLikelihood(windows[i], InpaintGap.Window, controls[i])!.Value;
            Assert.Equal(alone, nlls[i]!.Value, 4); // float32 sums in another order in a batch
        }
        Assert.Contains("3 controls for 5 windows",
            Assert.Throws<ArgumentException>(() => ((IGapFiller)filler).FillAll(windows, InpaintGap.Window, controls.Take(3).ToList(), null)).Message);
    }

    [Fact]
    public void AGivenPitchSketchGivesTheBarsOnsetPitches()
    {
        using var filler = Filler();
        var window = Window();
        int[] pitches = [72, 74, 76];
        var controls = new InpaintControls(new Dictionary<int, BarSketch> { [1] = new(Pitches: pitches) });
        var filled = filler.Fill(window, InpaintGap.Window, controls, null);
        var (own, _) = InpaintGrid.Split(InpaintControls.Bar(filled, 7));
        Assert.Equal(pitches, own.TakeWhile(p => p != InpaintGrid.PitchPad).ToArray());
        // Both: the rhythm exactly and the pitches first.
        int[] rhythm = [.. SketchVaeTests.Patterns[0].Select(c => c == 'O' ? BarRhythm.Onset : BarRhythm.Hold)];
        var both = new InpaintControls(new Dictionary<int, BarSketch> { [2] = new(Pitches: pitches, Rhythm: rhythm) });
        var (p2, r2) = InpaintGrid.Split(InpaintControls.Bar(filler.Fill(window, InpaintGap.Window, both, null), 8));
        Assert.Equal(rhythm, r2);
        Assert.Equal(pitches, p2.Take(3).ToArray());
    }
    [Fact]
    public void ASketchNetRunTrainedThroughTheCliHonoursSketchesInTheVerb()
    {
        var dir = TempFolder();
        try
        {
            var midi = Path.Combine(dir, "midi");
            Directory.CreateDirectory(midi);
            for (int k = 0; k < 12; k++)
                Write(Path.Combine(midi, $"tune{k:D2}.mid"), 480, Enumerable.Range(0, 80).Select(i => new Q(60 + (k + i) % 12, i, 1)), (0, 4, 4));
            var run = Path.Combine(dir, "run");
            var (code, output) = CliRunner.Run(300, "music", "train", "--model", "sketchnet", "--data", "midi-inpaint:" + midi, "--set", "sketch_vae_run=" + bars.Dir,
                "--latent-dim", "8", "--set", "rnn_size=12", "--set", "rnn_layers=1", "--set", "connector_size=8", "--set", "connector_layers=1",
                "--set", "connector_heads=2", "--epochs", "1", "--batch-size", "8", "--out", run);
            Assert.True(code == 0, output);
            var outDir = Path.Combine(dir, "out");
            const string rhythm = "x--x-- x-x-x- ...... x-----";
            (code, output) = CliRunner.Run(300, "music", "inpaint", run, "--tune", Path.Combine(midi, "tune03.mid"), "--gap", "7-10",
                "--rhythm-sketch", "8:" + rhythm, "--pitch-sketch", "10:B4 C5", "--out", outDir);
            Assert.True(code == 0, output);
            Assert.Contains("2 sketched bar(s)", output);
            var filled = InpaintGrid.ToTokens(MidiReader.Read(Path.Combine(outDir, "inpainted.mid"))).Tokens!;
            Assert.Equal(SketchSyntax.ParseRhythmSketch("8:" + rhythm)[7], InpaintGrid.Split(InpaintControls.Bar(filled, 7)).Rhythm);
            Assert.Equal([71, 72], InpaintGrid.Split(InpaintControls.Bar(filled, 9)).Pitches.TakeWhile(p => p != InpaintGrid.PitchPad));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
