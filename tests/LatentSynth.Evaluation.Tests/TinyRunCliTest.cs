namespace LatentSynth.Evaluation.Tests;

/// <summary>
/// A temporary folder with a tiny run in it (<see cref="run"/>) and the command line reading its data
/// from <see cref="TestDataSource"/>: the set-up of the tests that drive the generation verbs.
/// </summary>
public abstract class TinyRunCliTest : IDisposable
{
    /// <summary>The temporary folder (deleted at the end).</summary>
    protected readonly string dir;

    /// <summary>The tiny run's folder.</summary>
    protected readonly string run;

    protected TinyRunCliTest(string prefix)
    {
        dir = Directory.CreateTempSubdirectory(prefix).FullName;
        using var model = TestModels.Tiny(seed: 3);
        run = RunFolders.Write(Path.Combine(dir, "run"), model);
        Cli.Cli.DataSource = new TestDataSource();
    }

    public void Dispose()
    {
        Cli.Cli.DataSource = null;
        Directory.Delete(dir, recursive: true);
        GC.SuppressFinalize(this);
    }
}
