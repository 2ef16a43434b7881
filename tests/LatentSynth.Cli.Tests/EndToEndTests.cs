using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json.Nodes;
using LatentSynth.Data;
using LatentSynth.Torch;

namespace LatentSynth.Cli.Tests;

/// <summary>
/// The whole product through the command line, as a user runs it, with no network: a small
/// synthetic dataset registered in the dataset catalog (so the default data source of every verb
/// finds it), then <c>train</c>, <c>eval</c> (table and JSON), <c>sample</c>, <c>reconstruct</c>,
/// <c>interpolate</c>, <c>traverse</c>, <c>encode</c> (CSV and NPY) and <c>train --resume</c>, for
/// every model of the zoo.
/// </summary>
[Collection(ConsoleUsers.Name)]
public class EndToEndTests : IDisposable
{
    /// <summary>Name of the synthetic dataset in the catalog.</summary>
    private const string DataName = "cli-e2e-bars";
    private const int TrainCount = 96, TestCount = 32, Side = 8, Classes = 4;

    private readonly string dir = Directory.CreateTempSubdirectory("lst-e2e-").FullName;

    static EndToEndTests() => DatasetCatalog.Register(DataName, "8×8 bars, 4 classes (end-to-end tests)", _ => Bars());

    public EndToEndTests() => LatentSynth.Cli.Cli.DataSource = null; // the default: the dataset catalog

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>
    /// 8×8 pictures in [0, 1]: class k is a bright bar (k = 0, 1: a row; 2, 3: a column) at a
    /// random position on faint noise. Made with System.Random: the default generator is untouched.
    /// </summary>
    private static LoadedDataset Bars()
    {
        var random = new Random(2024);
        TensorDataset Make(string split, int n)
        {
            var x = new float[n * Side * Side];
            var y = new long[n];
            for (int i = 0; i < n; i++)
            {
                int k = i % Classes, at = random.Next(Side);
                y[i] = k;
                for (int r = 0; r < Side; r++)
                    for (int c = 0; c < Side; c++)
                        x[(i * Side + r) * Side + c] = (k < 2 ? r == at : c == at) ? 0.9f + 0.1f * (float)random.NextDouble() : 0.1f * (float)random.NextDouble();
            }
            return new TensorDataset($"{DataName}/{split}", Tensor.From(x, n, 1, Side, Side), Tensor.From(y, n));
        }
        var splits = new DatasetSplits(Make("train", TrainCount), Make("test", TestCount));
        return new LoadedDataset(splits, new DatasetReport
        {
            Name = DataName, Source = "synthetic (end-to-end tests)", RecordsRead = TrainCount + TestCount, RecordsKept = TrainCount + TestCount,
            TrainCount = TrainCount, TestCount = TestCount, ItemShape = [1, Side, Side],
        });
    }

    private static CliResult RunCli(params string[] args) => CliRunner.Run(width: 10_000, args); // messages are checked whole

    private static string Ok(params string[] args)
    {
        var (code, output) = RunCli(args);
        Assert.True(code == 0, $"latentsynth {string.Join(' ', args)} exited with {code}:\n{output}");
        Assert.DoesNotContain("error:", output);
        return output;
    }

    /// <summary>Width and height of a PNG file, after checking its signature and IHDR chunk.</summary>
    private static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.AsSpan(0, 8).SequenceEqual(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }), $"{path}: not a PNG");
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    /// <summary>The shape in the header of an NPY file.</summary>
    private static long[] NpyShape(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal("\u0093NUMPY", System.Text.Encoding.Latin1.GetString(bytes, 0, 6));
        int headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        var header = System.Text.Encoding.ASCII.GetString(bytes, 10, headerLength);
        var shape = header[(header.IndexOf("'shape': (", StringComparison.Ordinal) + 10)..];
        return shape[..shape.IndexOf(')')].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
    }

    [Theory]
    [InlineData("ae", "mlp", new[] { "--recon", "mse" }, new[] { "recon" })]
    [InlineData("vae", "mlp", new string[0], new[] { "recon", "kl" })]
    [InlineData("beta-vae", "conv", new[] { "--beta", "4", "--warmup-epochs", "1" }, new[] { "recon", "kl" })]
    [InlineData("wae-mmd", "mlp", new[] { "--kernel", "imq", "--prior", "mog" }, new[] { "recon", "mmd" })]
    [InlineData("wae-gan", "mlp", new[] { "--lambda", "2" }, new[] { "recon", "adv", "disc" })]
    public void TrainEvaluateAndEveryGenerationVerbOnATinyRun(string model, string arch, string[] flags, string[] terms)
    {
        var run = Path.Combine(dir, model);
        var output = Ok(["train", "--data", DataName, "--model", model, "--arch", arch, "--latent-dim", "3", "--hidden", "16",
                         "--epochs", "2", "--batch-size", "16", "--lr", "1e-3", "--seed", "0", "--out", run, .. flags]);
        Assert.Contains($"{DataName}: {TrainCount} train / {TestCount} test examples; 2 epochs × 6 steps", output);
        Assert.Contains("epoch 2/2: train loss", output);
        foreach (var file in new[] { "run.json", "environment.json", "model.safetensors", "metrics.csv", "metrics.jsonl", "checkpoints/latest" })
            Assert.True(File.Exists(Path.Combine(run, file)), $"{file} missing from the run folder");
        var lastValidation = File.ReadAllLines(Path.Combine(run, "metrics.csv"))[^1];

        // eval: a table, and one JSON object whose numbers are the last validation pass's.
        output = Ok("eval", run);
        Assert.Contains($"checkpoint epoch-2 (2 epochs, 12 steps), {TestCount} test examples", output);
        foreach (var term in terms) Assert.Contains(term, output);
        var json = JsonNode.Parse(Ok("eval", run, "--json").Trim())!;
        Assert.Equal(model, json["model"]!.GetValue<string>());
        Assert.Equal(DataName, json["data"]!.GetValue<string>());
        Assert.Equal(TestCount, json["examples"]!.GetValue<long>());
        Assert.Equal(terms, json["terms"]!.AsObject().Select(kv => kv.Key));
        double loss = json["loss"]!.GetValue<double>();
        Assert.True(double.IsFinite(loss));
        Assert.Contains(loss.ToString("R", CultureInfo.InvariantCulture), lastValidation);

        // Pictures: 8×8 examples are enlarged 8× (longer side ≥ 64 px) with 2 px padding around each.
        Ok("sample", run, "--n", "9", "--png", Path.Combine(run, "s.png"));
        Assert.Equal((2 + 3 * 66, 2 + 3 * 66), PngSize(Path.Combine(run, "s.png")));
        Ok("reconstruct", run, "--n", "5");
        var (w, h) = PngSize(Path.Combine(run, "reconstructions.png"));
        Assert.True(w > 5 * 66 && h > 2 * 66, $"reconstructions.png is {w}×{h}");
        Ok("interpolate", run, "--steps", "4", "--pairs", "3");
        (w, h) = PngSize(Path.Combine(run, "interpolations.png"));
        Assert.True(w > 6 * 66 && h > 3 * 66, $"interpolations.png is {w}×{h}");   // a, 4 steps, b
        Ok("traverse", run, "--range", "2", "--steps", "5");
        (w, h) = PngSize(Path.Combine(run, "traversals.png"));
        Assert.True(w > 5 * 66 && h > 3 * 66, $"traversals.png is {w}×{h}");       // one row per latent dimension

        // Codes with labels, CSV and NPY.
        Ok("encode", run, "--out", Path.Combine(run, "z.csv"));
        var lines = File.ReadAllLines(Path.Combine(run, "z.csv"));
        Assert.Equal("z0,z1,z2,label", lines[0]);
        Assert.Equal(TestCount + 1, lines.Length);
        Assert.Equal(Enumerable.Range(0, TestCount).Select(i => (i % Classes).ToString(CultureInfo.InvariantCulture)), lines.Skip(1).Select(l => l.Split(',')[^1]));
        Ok("encode", run, "--out", Path.Combine(run, "z.npy"), "--split", "train");
        Assert.Equal([TrainCount, 3L], NpyShape(Path.Combine(run, "z.npy")));
        Assert.Equal([TrainCount], NpyShape(Path.Combine(run, "z.labels.npy")));

        // The run goes on where it stopped.
        output = Ok("train", "--resume", run, "--epochs", "3");
        Assert.Contains("resumed from epoch-2", output);
        Assert.Contains("epoch 3/3: train loss", output);
        Assert.Contains("checkpoint epoch-3 (3 epochs, 18 steps)", Ok("eval", run));
    }

    [Fact]
    public void MistakesAcrossTheVerbsAreOneErrorLine()
    {
        var run = Path.Combine(dir, "vae");
        Ok("train", "--data", DataName, "--model", "vae", "--latent-dim", "2", "--hidden", "8", "--epochs", "1", "--batch-size", "32", "--out", run);
        foreach (var (args, expected) in new (string[], string)[]
        {
            (["train", "--data", DataName, "--model", "vae", "--out", run], $"'{run}' already holds a run (run.json); continue it with --resume {run}"),
            (["train", "--data", "no-such-data", "--model", "vae", "--out", Path.Combine(dir, "x")], "unknown dataset 'no-such-data'; known names:"),
            (["train", "--data", DataName, "--model", "vae", "--arch", "conv", "--channels", "8"], "error: Unrecognized command or argument '--channels'; Unrecognized command or argument '8' (see `latentsynth train --help`)"),
            (["data", "info"], "error: Required argument missing for command: 'info' (see `latentsynth data info --help`)"),
            (["trian"], "Unrecognized command or argument 'trian' (see `latentsynth --help`)"),
            (["train", "--epochs", "x", "--lr", "fast"], "error: --epochs: 'x' is not an integer; --lr: 'fast' is not a number (see `latentsynth train --help`)"),
            (["train", "--data", DataName, "--model", "vae", "--prior", "cauchy", "--out", Path.Combine(dir, "x")],
                "model.prior must be 'mog', 'normal', 'sphere' or 'uniform', got 'cauchy' (set by --prior)"),
            (["eval", Path.Combine(dir, "nowhere")], $"run folder '{Path.Combine(dir, "nowhere")}' does not exist"),
            (["sample", dir], $"'{dir}' is not a run folder: it has no run.json"),
            (["reconstruct", run, "--data", "mnist:x"], "unknown dataset 'mnist:x'"),
            (["encode", run, "--out", Path.Combine(run, "z.txt")], "--out must end in .csv or .npy"),
        })
        {
            var (code, output) = RunCli(args);
            Assert.True(code == 1, $"latentsynth {string.Join(' ', args)}: exit {code}\n{output}");
            Assert.Contains(expected, output);
            Assert.DoesNotContain("   at ", output);
        }
        Assert.False(Directory.Exists(Path.Combine(dir, "x")));
    }

    [Fact]
    public void ARunSharedWithoutItsCheckpointsStillWorksFromModelSafetensors()
    {
        var run = Path.Combine(dir, "shared");
        Ok("train", "--data", DataName, "--model", "wae-mmd", "--latent-dim", "2", "--hidden", "8", "--epochs", "1", "--batch-size", "32", "--out", run);
        var before = JsonNode.Parse(Ok("eval", run, "--json").Trim())!;
        Assert.Equal("epoch-1", before["checkpoint"]!.GetValue<string>());
        Assert.Equal(Path.Combine(run, "checkpoints", "epoch-1", "model.safetensors"), before["weights"]!.GetValue<string>());

        Directory.Delete(Path.Combine(run, "checkpoints"), recursive: true);
        var after = JsonNode.Parse(Ok("eval", run, "--json").Trim())!;
        Assert.Null(after["checkpoint"]);
        Assert.Equal(Path.Combine(run, "model.safetensors"), after["weights"]!.GetValue<string>());
        Assert.Equal(before["loss"]!.GetValue<double>(), after["loss"]!.GetValue<double>()); // the copy holds the same weights
        Assert.Contains($"weights {Path.Combine(run, "model.safetensors")} (no checkpoints)", Ok("eval", run));
        Ok("sample", run, "--n", "4");
        Assert.True(File.Exists(Path.Combine(run, "samples.png")));
    }
}
