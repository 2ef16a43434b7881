using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

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
/// Headless Chromium driven over the DevTools protocol (a WebSocket from System.Net.WebSockets): real mouse
/// and key events, not a script inside the page. Playwright was not tried: the protocol needs no package
/// beyond the browser and worked here, so we kept it.
/// </summary>
sealed class Cdp : IAsyncDisposable
{
    readonly Process browser;
    readonly ClientWebSocket ws = new();
    readonly string profile;
    int id;

    Cdp(Process browser, string profile) { this.browser = browser; this.profile = profile; }

    public static async Task<Cdp> Launch(string url, string profile)
    {
        var psi = new ProcessStartInfo(ChromiumFactAttribute.Chromium) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--autoplay-policy=no-user-gesture-required", "--remote-debugging-port=0", "--window-size=1280,1000",
            $"--user-data-dir={profile}", url }) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        var cdp = new Cdp(p, profile);
        // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID"
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string? line;
        int port = 0;
        while (port == 0 && (line = await p.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30))) is not null)
        {
            var m = Regex.Match(line, @"DevTools listening on ws://[^:]+:(\d+)/");
            if (m.Success) port = int.Parse(m.Groups[1].Value);
            if (DateTime.UtcNow > deadline) break;
        }
        if (port == 0) throw new InvalidOperationException("chromium did not print its DevTools address");
        _ = p.StandardError.ReadToEndAsync();
        using var http = new HttpClient();
        string? wsUrl = null;
        for (int i = 0; i < 50 && wsUrl is null; i++)
        {
            var list = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray();
            wsUrl = list.FirstOrDefault(t => (string?)t!["type"] == "page")?["webSocketDebuggerUrl"]?.GetValue<string>();
            if (wsUrl is null) await Task.Delay(100);
        }
        await cdp.ws.ConnectAsync(new Uri(wsUrl ?? throw new InvalidOperationException("no page target")), CancellationToken.None);
        return cdp;
    }

    public async Task<JsonNode> Send(string method, object? parameters = null)
    {
        int my = ++id;
        var msg = JsonSerializer.SerializeToUtf8Bytes(new { id = my, method, @params = parameters ?? new { } });
        await ws.SendAsync(msg, WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[1 << 20];
        while (true)
        {
            using var ms = new MemoryStream();
            WebSocketReceiveResult r;
            do { r = await ws.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)); ms.Write(buffer, 0, r.Count); } while (!r.EndOfMessage);
            var node = JsonNode.Parse(ms.ToArray())!;
            if ((int?)node["id"] != my) continue; // events
            if (node["error"] is { } e) throw new InvalidOperationException($"{method}: {e.ToJsonString()}");
            return node["result"]!;
        }
    }

    public async Task<JsonNode?> Eval(string expression)
    {
        var r = await Send("Runtime.evaluate", new { expression, returnByValue = true, awaitPromise = true });
        if (r["exceptionDetails"] is { } ex) throw new InvalidOperationException($"page script failed: {ex.ToJsonString()}");
        return r["result"]!["value"];
    }

    public async Task<string> WaitFor(string expression, string what, int seconds = 60)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < until)
        {
            // The page may still be loading (document.body null, or the start page): not yet, not an error.
            var v = await Eval($"(() => {{ try {{ return ({expression}); }} catch (e) {{ return false; }} }})()");
            if (v is not null && v.GetValueKind() != JsonValueKind.False && v.ToString() is { Length: > 0 } s && s != "false") return s;
            await Task.Delay(100);
        }
        var state = await Eval("JSON.stringify({status: document.getElementById('status').textContent, data: Object.assign({}, document.body.dataset)})");
        throw new TimeoutException($"timed out waiting for {what}; page: {state}");
    }

    public async Task Mouse(string type, double x, double y, int buttons = 0) =>
        await Send("Input.dispatchMouseEvent", new { type, x, y, button = type == "mouseMoved" ? (buttons == 1 ? "left" : "none") : "left", buttons, clickCount = type == "mouseMoved" ? 0 : 1 });

    public async ValueTask DisposeAsync()
    {
        try { await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception) { }
        ws.Dispose();
        try { browser.Kill(true); browser.WaitForExit(10_000); } catch (InvalidOperationException) { }
        browser.Dispose();
        try { Directory.Delete(profile, true); } catch (IOException) { }
    }
}

[Collection("Server")]
public class BrowserTests(ServerFixture fx)
{
    [ChromiumFact]
    public async Task ThePagePlaysClicksAndDrawnPathsAndExportsWav()
    {
        var dir = Directory.CreateTempSubdirectory("lsweb-browser-").FullName;
        var downloads = Path.Combine(dir, "downloads");
        Directory.CreateDirectory(downloads);
        await using var cdp = await Cdp.Launch(fx.Server.Url.ToString(), Path.Combine(dir, "profile"));
        await cdp.Send("Runtime.enable");
        await cdp.Send("Browser.setDownloadBehavior", new { behavior = "allow", downloadPath = downloads });
        await cdp.WaitFor("document.body.dataset.ready === '1'", "the map to load");
        var notes = int.Parse((await cdp.Eval("String(document.querySelectorAll('#map circle.note').length)"))!.ToString());
        Assert.InRange(notes, 2, 6);

        // Click on the first note: the point is decoded and played; the page records the decoded buffer's RMS.
        var box = (await cdp.Eval("(() => { const r = document.querySelector('#map circle.note').getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"))!.AsArray();
        double cx = box[0]!.GetValue<double>(), cy = box[1]!.GetValue<double>();
        var hover = await cdp.Eval("document.querySelector('#map circle.note').getAttribute('data-id')");
        await cdp.Mouse("mouseMoved", cx, cy);
        await cdp.Mouse("mousePressed", cx, cy);
        await cdp.Mouse("mouseReleased", cx, cy);
        await cdp.WaitFor("document.body.dataset.plays === '1'", "the clicked point to play");
        Assert.Contains(hover!.ToString(), (await cdp.Eval("document.getElementById('hover').textContent"))!.ToString());
        Assert.True(double.Parse((await cdp.Eval("document.body.dataset.lastRms"))!.ToString(), System.Globalization.CultureInfo.InvariantCulture) > 1e-4, "the clicked point decoded to silence");
        // decodeAudioData resamples to the AudioContext's rate, so the buffer's rate is the context's, not 22,050 Hz.
        Assert.True(int.Parse((await cdp.Eval("String(document.body.dataset.lastSampleRate)"))!.ToString()) >= 8000);
        Assert.Contains("z=", (await cdp.Eval("location.hash"))!.ToString());

        // Drag across the map: a drawn path, played on release.
        var map = (await cdp.Eval("(() => { const r = document.getElementById('map').getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })()"))!.AsArray();
        double mx = map[0]!.GetValue<double>(), my = map[1]!.GetValue<double>(), mw = map[2]!.GetValue<double>(), mh = map[3]!.GetValue<double>();
        await cdp.Mouse("mousePressed", mx + mw * 0.2, my + mh * 0.3);
        for (int i = 1; i <= 20; i++) await cdp.Mouse("mouseMoved", mx + mw * (0.2 + 0.6 * i / 20), my + mh * (0.3 + 0.4 * Math.Sin(i / 3.0)), buttons: 1);
        await cdp.Mouse("mouseReleased", mx + mw * 0.8, my + mh * 0.5);
        await cdp.WaitFor("document.body.dataset.plays === '2' && document.body.dataset.lastKind === 'drawn'", "the drawn path to play");
        Assert.True(double.Parse((await cdp.Eval("document.body.dataset.lastRms"))!.ToString(), System.Globalization.CultureInfo.InvariantCulture) > 1e-4, "the drawn path decoded to silence");
        var line = (await cdp.Eval("document.getElementById('path-line').getAttribute('points')"))!.ToString();
        Assert.True(line.Split(' ').Length >= 10, "the played path is drawn on the map: " + line);
        Assert.StartsWith("data:image/png;base64,", (await cdp.Eval("document.getElementById('spectrogram').src"))!.ToString());

        // Another plane: latent dimensions 0 and 1; the notes move, and a click still plays.
        var firstBefore = (await cdp.Eval("document.querySelector('#map circle.note').getAttribute('cx')"))!.ToString();
        await cdp.Eval("(() => { const p = document.getElementById('plane'); p.value = '0,1'; p.dispatchEvent(new Event('change')); })()");
        Assert.NotEqual(firstBefore, (await cdp.Eval("document.querySelector('#map circle.note').getAttribute('cx')"))!.ToString());
        Assert.Contains("plane=0%2C1", (await cdp.Eval("location.hash"))!.ToString());
        await cdp.Mouse("mousePressed", mx + mw * 0.5, my + mh * 0.5);
        await cdp.Mouse("mouseReleased", mx + mw * 0.5, my + mh * 0.5);
        await cdp.WaitFor("document.body.dataset.plays === '3'", "a click on the z[0], z[1] plane to play");

        // Keyboard: the map has focus; an arrow key moves the point and plays it.
        await cdp.Send("Input.dispatchKeyEvent", new { type = "keyDown", key = "ArrowRight", code = "ArrowRight", windowsVirtualKeyCode = 39 });
        await cdp.Send("Input.dispatchKeyEvent", new { type = "keyUp", key = "ArrowRight", code = "ArrowRight", windowsVirtualKeyCode = 39 });
        await cdp.WaitFor("document.body.dataset.plays === '4'", "the arrow key to move and play the point");

        // A path tool: a line between the two notes chosen in the lists, played by the button.
        await cdp.Eval("(() => { const t = document.getElementById('tool'); t.value = 'line'; t.dispatchEvent(new Event('change')); document.getElementById('play-path').click(); })()");
        await cdp.WaitFor("document.body.dataset.plays === '5' && document.body.dataset.lastKind === 'line'", "the line tool to play");
        Assert.Contains("tool=line", (await cdp.Eval("location.hash"))!.ToString());
        // A slider: moving latent dimension 0 changes the point and replays it.
        var before = (await cdp.Eval("location.hash"))!.ToString();
        await cdp.Eval("(() => { const s = document.getElementById('dim-0'); s.value = '1.5'; s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change')); })()");
        await cdp.WaitFor("document.body.dataset.plays === '6' && document.body.dataset.lastKind === 'point'", "the slider to replay the point");
        Assert.Contains("z=1.500", Uri.UnescapeDataString((await cdp.Eval("location.hash"))!.ToString()));
        Assert.NotEqual(before, (await cdp.Eval("location.hash"))!.ToString());

        // Export: the last sound is downloaded as a WAV.
        await cdp.Eval("document.getElementById('export').click()");
        await cdp.WaitFor("document.body.dataset.exportHeader", "the export");
        Assert.Equal("RIFF/WAVE", (await cdp.Eval("document.body.dataset.exportHeader"))!.ToString());
        string? file = null;
        for (int i = 0; i < 100 && file is null; i++)
        {
            file = Directory.GetFiles(downloads, "*.wav").FirstOrDefault();
            if (file is null) await Task.Delay(100);
        }
        Assert.NotNull(file);
        EndpointTests.AssertWav(File.ReadAllBytes(file!), 1); // the last sound: the point moved by the slider, 1 s

        // A screenshot for a person to look at (LATENTSYNTH_SCREENSHOT=path keeps it).
        var shot = Convert.FromBase64String((await cdp.Send("Page.captureScreenshot", new { format = "png" }))["data"]!.GetValue<string>());
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, shot[..4]);
        var keep = Environment.GetEnvironmentVariable("LATENTSYNTH_SCREENSHOT");
        if (!string.IsNullOrEmpty(keep)) File.WriteAllBytes(keep, shot);
        var errors = await cdp.Eval("document.body.dataset.lastError || ''");
        Assert.Equal("", errors!.ToString());
        try { Directory.Delete(dir, true); } catch (IOException) { }
    }
}
