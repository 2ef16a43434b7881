using System.Text.RegularExpressions;
using LatentSynth.Audio.Evaluation;
using LatentSynth.Audio.IO;

namespace LatentSynth.Audio.Tests.Evaluation;

[Collection("AudioProcessWide")]
public sealed class AudioBenchmarkTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("ls-audio-bench-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void QuickBenchmarkWritesAReportWithSoundsAndSkipsFinishedRunsOnRerun()
    {
        var notes = Path.Combine(root, "notes");
        var (code, output) = CliRunner.Run(200, "audio", "render-notes", "--out", notes, "--instruments", "flute,violin", "--dynamics", "mf", "--pitch-step", "6");
        Assert.True(code == 0, output);
        var config = Path.Combine(root, "matrix.json");
        File.WriteAllText(config, """
            { "variants": [ { "name": "beta-vae", "model": { "model": "beta-vae" } },
                            { "name": "wae-mmd-imq", "model": { "model": "wae-mmd", "kernel": "imq" } } ] }
            """);
        var outDir = Path.Combine(root, "bench");
        (code, output) = CliRunner.Run(200, "audio", "benchmark", "--notes", notes, "--out", outDir, "--config", config, "--quick");
        Assert.True(code == 0, output);
        Assert.Contains("2 trained, 0 resumed, 0 skipped", output);

        var html = File.ReadAllText(Path.Combine(outDir, "report.html"));
        // Per variant: original + reconstruction of one note per instrument (2 × 2), morph, geodesic, circle, spiral.
        Assert.Equal(2 * 8, Regex.Matches(html, "<audio ").Count);
        Assert.Contains("morph flute → violin", html);
        // Shareable: no path of this machine in the page or the summary (the set is named by its folder).
        var notesDir = Path.GetFullPath(notes);
        Assert.DoesNotContain(notesDir, html);
        Assert.DoesNotContain(notesDir, File.ReadAllText(Path.Combine(outDir, "summary.md")));
        Assert.DoesNotContain(Path.GetFullPath(outDir), html);
        // The same sounds as WAV files in the run folder.
        var sounds = Directory.GetFiles(Path.Combine(outDir, "runs", "beta-vae-s0", "sounds"), "*.wav");
        Assert.Equal(8, sounds.Length);
        Assert.Contains(sounds, f => Path.GetFileName(f).StartsWith("morph-flute", StringComparison.Ordinal));
        Assert.All(sounds, f => Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(f), 0, 4)));
        Assert.Contains("data:audio/wav;base64,", html);
        Assert.Contains("Descriptor topology", html);
        Assert.Contains("Pearson correlation", html);
        Assert.Contains(", by dynamics", html);
        Assert.Contains(", by pitch (octave)", html);
        var md = File.ReadAllText(Path.Combine(outDir, "summary.md"));
        foreach (var metric in new[] { "sc_model", "lsd_model", "sc_gl", "lsd_gl", "centroid_err", "contrast_err", "latent_mmd", "active_units" })
            Assert.Contains(metric, md);
        Assert.Contains("wae-mmd-imq", md);

        // Rerun: both runs are complete and skipped, the report is written again.
        File.Delete(Path.Combine(outDir, "report.html"));
        (code, output) = CliRunner.Run(200, "audio", "benchmark", "--notes", notes, "--out", outDir, "--config", config, "--quick");
        Assert.True(code == 0, output);
        Assert.Equal(2, Regex.Matches(output, "complete, skipped").Count);
        Assert.Contains("0 trained, 0 resumed, 2 skipped", output);
        Assert.True(File.Exists(Path.Combine(outDir, "report.html")));
    }

    [Fact]
    public void MissingNoteSetIsReportedByName()
    {
        var (code, output) = CliRunner.Run(300, "audio", "benchmark", "--notes", Path.Combine(root, "none"), "--out", Path.Combine(root, "b"), "--quick");
        Assert.Equal(1, code);
        Assert.Contains("none", output);
        Assert.Contains("render-notes", output);
    }

    [Fact]
    public void WavBytesAreAReadableWaveFile()
    {
        var clip = new AudioClip(Enumerable.Range(0, 2205).Select(i => (float)(0.5 * Math.Sin(i * 0.1))).ToArray(), 22050);
        var bytes = AudioBenchmark.Wav(clip);
        Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(bytes, 0, 4));
        var file = Path.Combine(root, "x.wav");
        File.WriteAllBytes(file, bytes);
        var back = AudioFile.ReadMono(file);
        Assert.Equal(2205, back.Samples.Length);
        Assert.Equal(0.5, back.Peak, 2);
    }
}
