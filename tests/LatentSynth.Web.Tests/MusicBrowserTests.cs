using System.Globalization;
using Microsoft.Playwright;

namespace LatentSynth.Web.Tests;

/// <summary>
/// The music page in Debian's headless Chromium (Playwright, ExecutablePath; never Playwright's own browser): a click path through
/// interpolate, inpaint (with a rhythm typed and one tapped, then the comparison) and sample, asserting the piano rolls drawn and the
/// server's renders decoded to non-silent audio; MIDI export; no console error or warning, page error or HTTP error.
/// </summary>
[Collection("MusicServer")]
public class MusicBrowserTests(MusicServerFixture fx)
{
    private static double Number(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    private static Task WaitFor(IPage page, string expression, int seconds = 120) => BrowserPage.WaitFor(page, expression, expression, seconds);

    private static Task<string> Data(IPage page, string key) => page.EvaluateAsync<string>($"String(document.body.dataset.{key} ?? '')");

    [ChromiumFact]
    public async Task AClickPathThroughInterpolateInpaintAndSampleDrawsAndSounds()
    {
        bool sound = LatentSynth.Audio.Notes.NoteRenderer.MissingRenderer() is null;
        await using var browserPage = await BrowserPage.OpenAsync(1400, 1000, 120_000);
        var page = browserPage.Page;
        var problems = browserPage.Problems;
        await page.GotoAsync(fx.Server.Url.ToString());
        await WaitFor(page, "document.body.dataset.ready === '1'");
        Assert.True(await page.Locator("#interp-from option").CountAsync() >= 2);
        Assert.False(await page.EvaluateAsync<bool>("document.querySelector('#smp-model option[value=pianotree]').disabled"), "PianoTree is served: its option is enabled");

        // Interpolate: 3 steps between the first two tunes; each step's roll drawn; the first step plays on arrival.
        await page.FillAsync("#interp-steps", "3");
        await page.ClickAsync("#interp-run");
        await WaitFor(page, "document.body.dataset.lastTool === 'interpolate' && document.body.dataset.images === '3'");
        Assert.Equal(3, await page.Locator("#interp-out img").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("[...document.querySelectorAll('#interp-out img')].every(i => i.naturalWidth > 100)"));
        if (sound)
        {
            await WaitFor(page, "document.body.dataset.plays === '1'");
            Assert.True(Number(await Data(page, "lastRms")) > 1e-4, "the interpolation's first step decoded to silence");
            // Play the last step by its button.
            await page.Locator("#interp-out button.play").Last.ClickAsync();
            await WaitFor(page, "document.body.dataset.plays === '2'");
            Assert.True(Number(await Data(page, "lastSeconds")) > 2, "a 2-bar melody at 120 qpm lasts about 4 s");
        }
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#interp-midi"));
        Assert.EndsWith(".mid", download.SuggestedFilename);
        Assert.Equal("MThd", await Data(page, "midiHeader"));

        // Inpaint with SketchNet: a rhythm for bar 8 typed in the sketch syntax, one for bar 7 tapped on the cells.
        await page.FillAsync("#inp-rhythm", "8:x-----x-----x--x--x-----");
        await page.ClickAsync("#inp-run");
        await WaitFor(page, "document.body.dataset.lastTool === 'inpaint' && document.body.dataset.images === '4'");
        Assert.Contains("1 sketched bar", await page.Locator("#inp-out figcaption").First.TextContentAsync());
        await page.SelectOptionAsync("#tap-bar", "7");
        await page.Locator("#tap-cells button").Nth(0).ClickAsync();   // x
        await page.Locator("#tap-cells button").Nth(12).ClickAsync();  // x
        await page.Locator("#tap-cells button").Nth(13).ClickAsync();  // x
        await page.Locator("#tap-cells button").Nth(13).ClickAsync();  // -
        Assert.Equal("7:x...........x-..........;8:x-----x-----x--x--x-----", await page.InputValueAsync("#inp-rhythm"));
        // A pitch contour drawn rising over the 4 gap bars: each bar's onsets take its pitches (bar 7: the 2 tapped onsets,
        // bar 8: the 5 typed, bars 9 and 10: their 4 quarters).
        var pad = (await page.Locator("#contour").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(pad.X + pad.Width * 0.01f, pad.Y + pad.Height * 0.85f);
        await page.Mouse.DownAsync();
        for (int i = 1; i <= 30; i++) await page.Mouse.MoveAsync(pad.X + pad.Width * (0.01f + 0.98f * i / 30), pad.Y + pad.Height * (0.85f - 0.7f * i / 30));
        await page.Mouse.UpAsync();
        var pitchSketch = await page.InputValueAsync("#inp-pitch");
        var bars = pitchSketch.Split(';').Select(e => e.Split(':')).ToList();
        Assert.Equal(["7", "8", "9", "10"], bars.Select(b => b[0]));
        Assert.Equal([2, 5, 4, 4], bars.Select(b => b[1].Split(' ').Length));
        var pitches = bars.SelectMany(b => b[1].Split(' ')).Select(LatentSynth.Music.Inpainting.SketchSyntax.ParsePitch).ToList();
        Assert.True(pitches[^1] > pitches[0] + 12, "a rising contour gives rising pitches: " + pitchSketch);
        // Compare: SketchNet's fill (both sketches), then InpaintNet's, both drawn.
        await page.ClickAsync("#inp-compare");
        await WaitFor(page, "document.body.dataset.lastTool === 'compare' && document.body.dataset.images === '6'");
        Assert.Equal("sketchnet,inpaintnet", await Data(page, "inpaintModels"));
        Assert.Equal(2, await page.Locator("#inp-out img").CountAsync());
        Assert.Contains("4 sketched bar(s)", await page.Locator("#inp-out figcaption").First.TextContentAsync());
        Assert.Contains("rhythm accuracy", await page.Locator("#inp-out figcaption").Last.TextContentAsync());
        if (sound) await WaitFor(page, "document.body.dataset.lastPlayed === 'inpaint' && Number(document.body.dataset.lastRms) > 1e-4");

        // Sample: 2 melodies at temperature 1.2.
        await page.FillAsync("#smp-count", "2");
        await page.FillAsync("#smp-temp", "1.2");
        await page.ClickAsync("#smp-run");
        await WaitFor(page, "document.body.dataset.lastTool === 'sample' && document.body.dataset.images === '8'");
        Assert.Equal("2", await Data(page, "samples"));
        if (sound) await WaitFor(page, "document.body.dataset.lastPlayed === 'sample' && Number(document.body.dataset.lastRms) > 1e-4");

        // Sample from PianoTree: 3 polyphonic segments at temperature 1.5, each drawn as a polyphonic roll, the notes on the
        // page's state, the first played, and the notes on screen exported as MIDI.
        await page.SelectOptionAsync("#smp-model", "pianotree");
        await page.FillAsync("#smp-count", "3");
        await page.FillAsync("#smp-temp", "1.5");
        await page.ClickAsync("#smp-run");
        await WaitFor(page, "document.body.dataset.lastTool === 'sample' && document.body.dataset.sampleModel === 'pianotree' && document.body.dataset.images === '11'");
        Assert.Equal("3", await Data(page, "samples"));
        Assert.Equal(3, await page.Locator("#smp-out img").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("[...document.querySelectorAll('#smp-out img')].every(i => i.naturalWidth > 100 && i.naturalHeight > 50)"));
        int polyNotes = int.Parse(await Data(page, "polyNotes"), CultureInfo.InvariantCulture);
        Assert.True(polyNotes > 0, "PianoTree's samples hold notes");
        Assert.True(int.Parse(await Data(page, "maxNotesPerStep"), CultureInfo.InvariantCulture) > 1, "some step of PianoTree's samples sounds a chord");
        Assert.Contains("pianotree sample 1 (", await page.Locator("#smp-out figcaption").First.TextContentAsync());
        if (sound)
        {
            // Play a segment that holds notes by its button: the server's render of it is not silent.
            var counts = (await Data(page, "polyCounts")).Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToList();
            int plays = int.Parse(await Data(page, "plays"), CultureInfo.InvariantCulture);
            await page.Locator("#smp-out button.play").Nth(counts.FindIndex(c => c > 0)).ClickAsync();
            await WaitFor(page, $"document.body.dataset.plays === '{plays + 1}'");
            Assert.True(Number(await Data(page, "lastRms")) > 1e-4, "a PianoTree sample with notes rendered to silence");
            Assert.True(Number(await Data(page, "lastSeconds")) > 4, "a 2-bar segment at 120 qpm lasts 4 s, with a bar of release");
        }
        var polyMidi = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#smp-midi"));
        Assert.Equal("samples.mid", polyMidi.SuggestedFilename);
        var midiPath = Path.Combine(fx.Dir, "poly-samples.mid");
        await polyMidi.SaveAsAsync(midiPath);
        // The notes on screen, one per onset and pitch (a tiny PianoTree may repeat a pitch in a step's slots).
        Assert.InRange(LatentSynth.Music.Data.MidiReader.Read(midiPath).Notes.Count, 1, polyNotes);

        // A screenshot for a person to look at (LATENTSYNTH_MUSIC_SCREENSHOT=file.png keeps it; docs/music-page.png is one).
        var shot = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true });
        var keep = Environment.GetEnvironmentVariable("LATENTSYNTH_MUSIC_SCREENSHOT");
        if (!string.IsNullOrEmpty(keep)) File.WriteAllBytes(keep, shot);

        // A refused request shows the server's message (and is the only HTTP error of the session, removed below).
        await page.FillAsync("#smp-temp", "0");
        await page.ClickAsync("#smp-run");
        await WaitFor(page, "document.getElementById('status').textContent.includes('temperature must be in (0, 2]')");
        problems.RemoveAll(p => p.Contains("HTTP 400", StringComparison.Ordinal) && p.EndsWith("/api/sample", StringComparison.Ordinal));
        problems.RemoveAll(p => p.Contains("400 (Bad Request)", StringComparison.Ordinal));

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [ChromiumFact]
    public async Task APianoTreeRunServedAloneSamplesOnThePage()
    {
        await using var server = await MusicServer.StartAsync(new MusicServerOptions { Runs = MusicRuns.FromRuns([fx.PianoTree]), Port = 0, Workers = 1 });
        await using var browserPage = await BrowserPage.OpenAsync(1200, 900, 120_000);
        var page = browserPage.Page;
        await page.GotoAsync(server.Url.ToString());
        await WaitFor(page, "document.body.dataset.ready === '1'");
        // No MusicVAE: the sample tool starts on the polyphonic model, whose option is named after the run's model.
        Assert.Equal("pianotree", await page.InputValueAsync("#smp-model"));
        Assert.True(await page.EvaluateAsync<bool>("document.querySelector('#smp-model option[value=musicvae]') !== null && document.getElementById('interp-run').disabled"));
        await page.FillAsync("#smp-count", "2");
        await page.ClickAsync("#smp-run");
        await WaitFor(page, "document.body.dataset.sampleModel === 'pianotree' && document.body.dataset.images === '2'");
        Assert.True(int.Parse(await Data(page, "polyNotes"), CultureInfo.InvariantCulture) > 0);
        Assert.True(browserPage.Problems.Count == 0, string.Join("\n", browserPage.Problems));
    }
}
