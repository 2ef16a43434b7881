using System.Globalization;

namespace LatentSynth.Cli.Tests;

/// <summary>The command line as a user meets it: exit codes, one-line errors, demo outputs.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleUsers
{
    public const string Name = "Console users";
}

[Collection(ConsoleUsers.Name)]
public class CliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("lst-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void InfoPrintsVersionsBlasAndThreads()
    {
        var (code, output) = CliRunner.Run("info");
        Assert.Equal(0, code);
        Assert.Contains("libtorch", output);
        Assert.Contains("1.13", output);
        Assert.Contains("OpenBLAS", output);
        Assert.Contains("intra-op threads", output);
    }

    [Fact]
    public void BadValueIsOneErrorLineNotAStackTrace()
    {
        var (code, output) = CliRunner.Run("demo", "--epochs", "0", "--out", dir);
        Assert.Equal(1, code);
        Assert.Contains("error: --epochs must be at least 1, got 0", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public void DemoTrainsAndWritesItsRunFolder()
    {
        var (code, output) = CliRunner.Run("demo", "--epochs", "3", "--out", dir);
        Assert.Equal(0, code);
        Assert.Contains("Results in", output);
        foreach (var f in new[] { "model.safetensors", "optimizer.safetensors", "metrics.csv", "loss.svg", "config.json" })
            Assert.True(File.Exists(Path.Combine(dir, f)), f + " missing");
        var rows = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
        Assert.Equal("epoch,train_mse,val_mse,lr", rows[0]);
        Assert.Equal(5, rows.Length); // header + epoch 0 + 3 epochs
        double first = double.Parse(rows[1].Split(',')[2], CultureInfo.InvariantCulture);
        double last = double.Parse(rows[^1].Split(',')[2], CultureInfo.InvariantCulture);
        Assert.True(last < first / 2, $"validation MSE {first} -> {last}");
        Assert.StartsWith("<svg", File.ReadAllText(Path.Combine(dir, "loss.svg")));
    }
}
