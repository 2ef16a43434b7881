using Microsoft.Playwright;

namespace LatentSynth.Web.Tests;

/// <summary>What both pages' browser tests share: Debian's headless Chromium through Playwright (its ExecutablePath; Playwright's
/// own browser download is never used), a page that records every console error or warning, page error and HTTP error, and
/// polling for a condition.</summary>
internal sealed class BrowserPage : IAsyncDisposable
{
    private readonly IPlaywright playwright;
    private readonly IBrowser browser;

    private BrowserPage(IPlaywright playwright, IBrowser browser, IPage page)
    {
        this.playwright = playwright;
        this.browser = browser;
        Page = page;
        page.Console += (_, m) => { if (m.Type is "error" or "warning") Problems.Add($"console {m.Type}: {m.Text}"); };
        page.PageError += (_, e) => Problems.Add("page error: " + e);
        page.Response += (_, r) => { if (r.Status >= 400) Problems.Add($"HTTP {r.Status}: {r.Url}"); };
    }

    /// <summary>The page.</summary>
    public IPage Page { get; }

    /// <summary>Console errors and warnings, page errors and HTTP errors seen so far.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>Launches Chromium and opens a page of <paramref name="width"/>×<paramref name="height"/> that accepts downloads.</summary>
    public static async Task<BrowserPage> OpenAsync(int width, int height, float timeoutMs)
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumFactAttribute.Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                    "--no-first-run", "--autoplay-policy=no-user-gesture-required"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { AcceptDownloads = true, ViewportSize = new ViewportSize { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(timeoutMs);
        return new BrowserPage(playwright, browser, page);
    }

    /// <summary>Polls <paramref name="expression"/> with page.evaluate (which the pages' Content-Security-Policy allows, unlike
    /// waitForFunction's in-page eval) until it is true; on time-out the message has the status line and the body's data.</summary>
    public static async Task WaitFor(IPage page, string expression, string what, int seconds)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < until)
        {
            if (await page.EvaluateAsync<bool>($"(() => {{ try {{ return !!({expression}); }} catch (e) {{ return false; }} }})()")) return;
            await Task.Delay(100);
        }
        var state = await page.EvaluateAsync<string>("JSON.stringify({status: document.getElementById('status')?.textContent, data: Object.assign({}, document.body?.dataset)})");
        throw new TimeoutException($"timed out after {seconds} s waiting for {what}; page: {state}");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
    }
}
