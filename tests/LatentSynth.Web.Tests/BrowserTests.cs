using System.Globalization;
using Microsoft.Playwright;

namespace LatentSynth.Web.Tests;

/// <summary>A fact that runs only where Debian's chromium is installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Chromium = "/usr/bin/chromium";
    public ChromiumFactAttribute()
    {
        if (!File.Exists(Chromium)) Skip = $"needs headless Chromium at {Chromium} (apt-get install chromium); not installed here";
    }
}

/// <summary>
/// The page in a real browser: Playwright drives Debian's headless Chromium (ExecutablePath; Playwright's own
/// browser download is never used) with real mouse and key events, and catches console errors and page
/// exceptions.
/// </summary>
[Collection("Server")]
public class BrowserTests(ServerFixture fx)
{
    private static double Number(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    private static Task WaitFor(IPage page, string expression, string what, int seconds = 60) => BrowserPage.WaitFor(page, expression, what, seconds);

    [ChromiumFact]
    public async Task ThePagePlaysClicksAndDrawnPathsAndExportsWav()
    {
        var dir = Directory.CreateTempSubdirectory("lsweb-browser-").FullName;
        await using var browserPage = await BrowserPage.OpenAsync(1280, 1000, 60_000);
        var page = browserPage.Page;
        var problems = browserPage.Problems;
        await page.GotoAsync(fx.Server.Url.ToString());
        await WaitFor(page, "document.body.dataset.ready === '1'", "document.body.dataset.ready === '1'");
        int notes = await page.Locator("#map circle.note").CountAsync();
        Assert.InRange(notes, 2, 6);

        // Click on the first note: the point is decoded and played; the page records the decoded buffer's RMS.
        var first = page.Locator("#map circle.note").First;
        var id = await first.GetAttributeAsync("data-id");
        var box = (await first.BoundingBoxAsync())!;
        double cx = box.X + box.Width / 2, cy = box.Y + box.Height / 2;
        await page.Mouse.MoveAsync((float)cx, (float)cy);
        await page.Mouse.DownAsync();
        await page.Mouse.UpAsync();
        await WaitFor(page, "document.body.dataset.plays === '1'", "document.body.dataset.plays === '1'");
        Assert.Contains(id!, await page.Locator("#hover").TextContentAsync() ?? "");
        Assert.True(Number(await page.EvaluateAsync<string>("document.body.dataset.lastRms")) > 1e-4, "the clicked point decoded to silence");
        // decodeAudioData resamples to the AudioContext's rate, so the buffer's rate is the context's, not 22,050 Hz.
        Assert.True(Number(await page.EvaluateAsync<string>("String(document.body.dataset.lastSampleRate)")) >= 8000);
        Assert.Contains("z=", await page.EvaluateAsync<string>("location.hash"));

        // Drag across the map: a drawn path, played on release.
        var map = (await page.Locator("#map").BoundingBoxAsync())!;
        float X(double f) => (float)(map.X + map.Width * f);
        float Y(double f) => (float)(map.Y + map.Height * f);
        await page.Mouse.MoveAsync(X(0.2), Y(0.3));
        await page.Mouse.DownAsync();
        for (int i = 1; i <= 20; i++) await page.Mouse.MoveAsync(X(0.2 + 0.6 * i / 20), Y(0.3 + 0.4 * Math.Sin(i / 3.0)));
        await page.Mouse.UpAsync();
        await WaitFor(page, "document.body.dataset.plays === '2' && document.body.dataset.lastKind === 'drawn'", "document.body.dataset.plays === '2' && document.body.dataset.lastKind === 'drawn'");
        Assert.True(Number(await page.EvaluateAsync<string>("document.body.dataset.lastRms")) > 1e-4, "the drawn path decoded to silence");
        var line = await page.Locator("#path-line").GetAttributeAsync("points") ?? "";
        Assert.True(line.Split(' ').Length >= 10, "the played path is drawn on the map: " + line);
        Assert.StartsWith("data:image/png;base64,", await page.EvaluateAsync<string>("document.getElementById('spectrogram').src"));

        // Another plane: latent dimensions 0 and 1; the notes move, and a click still plays.
        var cxBefore = await first.GetAttributeAsync("cx");
        await page.SelectOptionAsync("#plane", "0,1");
        Assert.NotEqual(cxBefore, await first.GetAttributeAsync("cx"));
        Assert.Contains("plane=0%2C1", await page.EvaluateAsync<string>("location.hash"));
        await page.Mouse.MoveAsync(X(0.5), Y(0.5));
        await page.Mouse.DownAsync();
        await page.Mouse.UpAsync();
        await WaitFor(page, "document.body.dataset.plays === '3'", "document.body.dataset.plays === '3'");

        // Keyboard: the map has focus; an arrow key moves the point and plays it.
        await page.Keyboard.PressAsync("ArrowRight");
        await WaitFor(page, "document.body.dataset.plays === '4'", "document.body.dataset.plays === '4'");

        // A path tool: a line between the two notes chosen in the lists, played by the button.
        await page.SelectOptionAsync("#tool", "line");
        await page.ClickAsync("#play-path");
        await WaitFor(page, "document.body.dataset.plays === '5' && document.body.dataset.lastKind === 'line'", "document.body.dataset.plays === '5' && document.body.dataset.lastKind === 'line'");
        Assert.Contains("tool=line", await page.EvaluateAsync<string>("location.hash"));
        // A slider: moving latent dimension 0 changes the point and replays it.
        var before = await page.EvaluateAsync<string>("location.hash");
        await page.Locator("#dim-0").FillAsync("1.5");
        await page.Locator("#dim-0").DispatchEventAsync("change");
        await WaitFor(page, "document.body.dataset.plays === '6' && document.body.dataset.lastKind === 'point'", "document.body.dataset.plays === '6' && document.body.dataset.lastKind === 'point'");
        Assert.Contains("z=1.500", Uri.UnescapeDataString(await page.EvaluateAsync<string>("location.hash")));
        Assert.NotEqual(before, await page.EvaluateAsync<string>("location.hash"));

        // Export: the last sound is downloaded as a WAV.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#export"));
        var file = Path.Combine(dir, "export.wav");
        await download.SaveAsAsync(file);
        Assert.EndsWith(".wav", download.SuggestedFilename);
        Assert.Equal("RIFF/WAVE", await page.EvaluateAsync<string>("document.body.dataset.exportHeader"));
        EndpointTests.AssertWav(File.ReadAllBytes(file), 1); // the last sound: the point moved by the slider, 1 s

        // A screenshot for a person to look at (LATENTSYNTH_SCREENSHOT=path keeps it).
        var shot = await page.ScreenshotAsync();
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, shot[..4]);
        var keep = Environment.GetEnvironmentVariable("LATENTSYNTH_SCREENSHOT");
        if (!string.IsNullOrEmpty(keep)) File.WriteAllBytes(keep, shot);
        Assert.Equal("", await page.EvaluateAsync<string>("document.body.dataset.lastError || ''"));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        try { Directory.Delete(dir, true); } catch (IOException) { }
    }
}
