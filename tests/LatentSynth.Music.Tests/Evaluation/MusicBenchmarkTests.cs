using System.Text.Json;
using System.Text.RegularExpressions;
using LatentSynth.Evaluation.Benchmark;
using LatentSynth.Music.Evaluation;
using static LatentSynth.Music.Tests.Data.MidiFixtures;

namespace LatentSynth.Music.Tests.Evaluation;

/// <summary>A fact that runs only where Debian's chromium is installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    /// <summary>Skips without Chromium.</summary>
    public ChromiumFactAttribute() => Skip = HeadlessChromium.SkipReason;
}

/// <summary>
/// <c>music benchmark</c> through the command line on a folder of generated 16-bar tunes (midi16:DIR, so it runs without
/// the shared Nottingham copy): a tiny flat and a tiny hierarchical variant, the report checked in headless Chromium,
/// the rerun skipping both runs, and the refusals.
/// </summary>
[Collection("MusicProcessWide")]
public sealed class MusicBenchmarkTests : IDisposable
{
    private readonly string root = TempFolder();

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string Tunes() => ScaleTunes(root);

    private string Matrix(string midi)
    {
        var config = Path.Combine(root, "matrix.json");
        File.WriteAllText(config, $$"""
            { "data": "midi16:{{midi}}",
              "variants": [
                { "name": "flat", "model": { "model": "musicvae", "encoder_size": 16, "encoder_layers": 1, "decoder_size": 16, "decoder_layers": 1, "latent_dim": 8 } },
                { "name": "hier", "model": { "model": "musicvae-hier", "encoder_size": 16, "encoder_layers": 1, "decoder_size": 16, "decoder_layers": 1,
                                             "conductor_size": 16, "conductor_layers": 1, "latent_dim": 8, "free_bits": 0 } } ] }
            """);
        return config;
    }

    [ChromiumFact]
    public void QuickBenchmarkWritesTheTableAndAReportThatLoadsInChromium()
    {
        var midi = Tunes();
        var config = Matrix(midi);
        var outDir = Path.Combine(root, "bench");
        var (code, output) = CliRunner.Run(300, "music", "benchmark", "--config", config, "--out", outDir, "--quick", "--pairs", "3");
        Assert.True(code == 0, output);
        Assert.Contains("2 trained, 0 resumed, 0 skipped", output);

        // Every run's metrics: the Table 1 columns and the study's, each a share in [0, 1].
        foreach (var variant in new[] { "flat", "hier" })
        {
            var metrics = JsonSerializer.Deserialize<RunMetrics>(File.ReadAllText(Path.Combine(outDir, "runs", variant + "-s0", MatrixRunner.MetricsFile)),
                new JsonSerializerOptions { IncludeFields = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals })!;
            foreach (var key in new[] { "tf_acc", "sampled_acc", "greedy_acc", "tf_event_acc", "sampled_event_acc", "interp_plausible_latent", "interp_plausible_data" })
                Assert.InRange(metrics.Values[key], 0.0, 1.0);
            Assert.True(metrics.Values["nll_step"] > 0 && metrics.Values["kl"] >= 0);
            // The melodies beside the run: MIDI, WAV, piano rolls.
            var files = Path.Combine(outDir, "runs", variant + "-s0", "music");
            Assert.True(File.Exists(Path.Combine(files, "original-0.mid")));
            Assert.True(File.Exists(Path.Combine(files, "latent-interpolation.wav")));
            Assert.True(File.Exists(Path.Combine(files, "reconstructions.png")));
        }
        var md = File.ReadAllText(Path.Combine(outDir, "summary.md"));
        foreach (var metric in MusicBenchmark.Info.Keys) Assert.Contains(metric, md);

        var html = Path.Combine(outDir, "report.html");
        var page = File.ReadAllText(html);
        Assert.DoesNotContain(Path.GetFullPath(outDir), page);
        // The legend is the music report's own, not the image benchmark's (no traversals or latent maps here).
        Assert.Contains("Hamming curves", page);
        Assert.DoesNotContain("Traversals", page);
        int images = Regex.Matches(page, "<img ").Count, audio = Regex.Matches(page, "<audio ").Count;
        Assert.Equal(2 * 3, images);      // reconstructions, prior samples, interpolation per variant
        Assert.Equal(2 * 3, audio);       // original, sampled reconstruction, prior sample per variant (first bars)
        var (dom, console) = HeadlessChromium.Load(html, Path.Combine(root, "profile"));
        Assert.True(console.Count == 0, "console messages: " + string.Join("\n", console));
        Assert.Contains($"data-images-loaded=\"{images}/{images}\"", dom);
        Assert.Contains($"data-audio-loaded=\"{audio}/{audio}\"", dom);
        Assert.Contains("Hamming distance to A and to B", dom);

        // Rerun: both runs are complete and skipped; the report is written again.
        File.Delete(html);
        (code, output) = CliRunner.Run(300, "music", "benchmark", "--config", config, "--out", outDir, "--quick", "--pairs", "3");
        Assert.True(code == 0, output);
        Assert.Contains("0 trained, 0 resumed, 2 skipped", output);
        Assert.True(File.Exists(html));
    }

    [Fact]
    [BadInput("music", "`music benchmark` with a matrix whose variant is an image model, or whose data is not a melody dataset", "one line naming the variant and model (or the data) and what the music benchmark takes; exit 1")]
    public void ImageModelsAndImageDataAreRefusedByName()
    {
        var config = Path.Combine(root, "image.json");
        File.WriteAllText(config, """{ "data": "nottingham", "variants": [ { "name": "pictures", "model": { "model": "vae" } } ] }""");
        var (code, output) = CliRunner.Run(300, "music", "benchmark", "--config", config, "--out", Path.Combine(root, "b1"), "--quick");
        Assert.Equal(1, code);
        Assert.Contains("variant 'pictures': model 'vae' is not a melody model", output);
        (code, output) = CliRunner.Run(300, "music", "benchmark", "--data", "mnist", "--out", Path.Combine(root, "b2"), "--quick");
        Assert.Equal(1, code);
        Assert.Contains("data 'mnist' is not a melody dataset", output);
        (code, output) = CliRunner.Run(300, "music", "benchmark", "--data", "nottingham-inpaint", "--out", Path.Combine(root, "b4"), "--quick");
        Assert.Equal(1, code);
        Assert.Contains("data 'nottingham-inpaint' is not a melody dataset of MusicVAE's tokens", output);
        (code, output) = CliRunner.Run(300, "music", "benchmark", "--out", Path.Combine(root, "b3"), "--pairs", "0");
        Assert.Equal(1, code);
        Assert.Contains("--pairs: 0 must be between 1 and 1000", output);
        (code, output) = CliRunner.Run(300, "music", "benchmark", "--out", Path.Combine(root, "b4"), "--epochs", "0");
        Assert.Equal(1, code);
        Assert.Contains("--epochs: 0 must be at least 1", output);
        (code, output) = CliRunner.Run(300, "music", "benchmark", "--out", Path.Combine(root, "b5"), "--seeds", "0,x");
        Assert.NotEqual(0, code);
        Assert.Contains("'x' is not an integer seed", output);
    }
}
