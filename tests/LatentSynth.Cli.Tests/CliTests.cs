using LatentSynth.Torch;
namespace LatentSynth.Cli.Tests;

/// <summary>The command line as a user meets it: exit codes, one-line errors.</summary>
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
        Assert.Contains("thread plan in force", output);
        Assert.Contains($"Convolution: {ThreadPlans.Default(Workload.Convolution, Environment.ProcessorCount)}", output);
        Assert.Contains($"Dense: {ThreadPlans.Default(Workload.Dense, Environment.ProcessorCount)}", output);
    }

    [Fact]
    public void BadValueIsOneErrorLineNotAStackTrace()
    {
        var (code, output) = CliRunner.Run(400, "train", "--model", "ae", "--epochs", "0", "--out", Path.Combine(dir, "run"));
        Assert.Equal(1, code);
        Assert.Contains("error:", output);
        Assert.Contains("epochs must be at least 1, got 0", output);
        Assert.DoesNotContain("   at ", output);
        Assert.False(Directory.Exists(Path.Combine(dir, "run")), "a refused config must not leave a run folder");
    }

    [Fact]
    public void TheRetiredDemoVerbIsAnUnknownCommand()
    {
        // `make demo` (scripts/demo.sh) is the demo; the old `demo` verb with its own training loop is gone.
        var (code, output) = CliRunner.Run(400, "demo");
        Assert.NotEqual(0, code);
        Assert.Contains("Unrecognized command or argument 'demo'", output);
    }
}
