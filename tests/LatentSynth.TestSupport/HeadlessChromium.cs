using System.Diagnostics;

namespace LatentSynth.TestSupport;

/// <summary>
/// Debian's headless Chromium for the report checks: a page is loaded from a file, its DOM dumped after a
/// virtual-time budget (so audio players and images finish loading) and its console messages collected from
/// Chromium's log. Tests that need it skip with <see cref="SkipReason"/> where it is not installed.
/// </summary>
public static class HeadlessChromium
{
    /// <summary>Where Debian's chromium package installs the browser.</summary>
    public const string Path = "/usr/bin/chromium";

    /// <summary>Null when Chromium is installed, else why a test needing it is skipped.</summary>
    public static string? SkipReason => File.Exists(Path) ? null : $"needs headless Chromium at {Path} (apt-get install chromium); not installed here";

    /// <summary>The flags every call uses: headless, no sandbox (containers), no network side traffic, a fresh profile in <paramref name="profileDir"/>.</summary>
    public static string[] CommonFlags(string profileDir) =>
        ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run",
         $"--user-data-dir={profileDir}"];

    /// <summary>Runs Chromium with <paramref name="args"/>; (exit code, stdout, stderr); exit −1 when it takes over 60 s.</summary>
    public static (int Rc, string Out, string Err) Run(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(60_000)) { p.Kill(true); return (-1, output, "timed out after 60 s"); }
        return (p.ExitCode, output, err.Result);
    }

    /// <summary>
    /// Loads <paramref name="page"/> (a file) with a virtual-time budget of <paramref name="budgetMs"/> and returns its DOM
    /// and the console messages it logged (lines of Chromium's log holding ":CONSOLE").
    /// </summary>
    /// <exception cref="InvalidOperationException">Chromium exited with an error.</exception>
    public static (string Dom, IReadOnlyList<string> Console) Load(string page, string profileDir, int budgetMs = 5000)
    {
        var (rc, dom, err) = Run([.. CommonFlags(profileDir), "--enable-logging=stderr", "--v=0", $"--virtual-time-budget={budgetMs}", "--dump-dom",
            "file://" + System.IO.Path.GetFullPath(page)]);
        if (rc != 0) throw new InvalidOperationException($"chromium exited {rc}: {err}");
        return (dom, err.Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal)).ToList());
    }
}
