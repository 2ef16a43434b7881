using System.Diagnostics;

namespace LatentSynth.Cli.Tests;

/// <summary>
/// Paths users name for verbs that read configs and write folders, through the command line: one error
/// line naming the flag and the path, before any work, and config files read with a size cap.
/// </summary>
[Collection(ConsoleUsers.Name)]
public sealed class UserPathTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("lst-userpaths-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static CliResult Run(params string[] args) => CliRunner.Run(10_000, args);

    private static void OneLineError(CliResult r, params string[] mentions)
    {
        Assert.True(r.Code == 1, r.Output);
        var text = r.Output.Trim();
        Assert.StartsWith("error:", text);
        Assert.Single(text.Split('\n'));
        Assert.DoesNotContain("   at ", text);
        foreach (var m in mentions) Assert.Contains(m, text);
    }

    /// <summary>Exit 1 and exactly one "error:" line (after any progress lines) holding every one of <paramref name="mentions"/>.</summary>
    private static void ErrorLine(CliResult r, params string[] mentions)
    {
        Assert.True(r.Code == 1, r.Output);
        var errors = r.Output.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        var error = Assert.Single(errors);
        Assert.DoesNotContain("   at ", r.Output);
        foreach (var m in mentions) Assert.Contains(m, error);
    }

    [Fact]
    [BadInput("config files", "`train --config /dev/zero`", "refused at once (not a regular file), nothing read past 1 MiB: one error line naming --config and the path; exit 1")]
    public void Train_config_from_a_device_stops_at_once()
    {
        if (!File.Exists("/dev/zero")) return;   // not on this system
        var clock = Stopwatch.StartNew();
        OneLineError(Run("train", "--config", "/dev/zero", "--out", Path.Combine(dir, "run")), "--config", "'/dev/zero'", "not a regular file");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.False(Directory.Exists(Path.Combine(dir, "run")));
    }

    [Fact]
    [BadInput("config files", "`train --config DIR` (a folder); a config file over 1 MiB; `benchmark`/`audio benchmark --config` likewise; `audio import --metadata /dev/zero`", "one error line naming the flag and the path (a folder; over the 1024 KiB limit); exit 1")]
    public void Config_folders_and_huge_files_are_refused_by_every_verb()
    {
        OneLineError(Run("train", "--config", dir), "--config", $"'{dir}' is a folder", "give a JSON file");
        OneLineError(Run("benchmark", "--config", dir, "--out", Path.Combine(dir, "b")), "--config", $"'{dir}' is a folder");
        OneLineError(Run("audio", "benchmark", "--notes", dir, "--config", dir, "--out", Path.Combine(dir, "a")), "--config", $"'{dir}' is a folder");
        var big = Path.Combine(dir, "big.json");
        File.WriteAllText(big, "{\"model\": {}, \"pad\": \"" + new string('x', 1 << 20) + "\"}");
        OneLineError(Run("train", "--config", big), "--config", big, "over the 1024 KiB limit of --config files");
        OneLineError(Run("benchmark", "--config", big, "--out", Path.Combine(dir, "b")), "--config", big, "over the 1024 KiB limit of --config files");
        var missing = Path.Combine(dir, "missing.json");
        OneLineError(Run("train", "--config", missing), "--config", $"'{missing}' does not exist");
        if (File.Exists("/dev/zero"))
            OneLineError(Run("audio", "import", dir, "--out", Path.Combine(dir, "set"), "--metadata", "/dev/zero"), "--metadata", "'/dev/zero' is not a regular file");
    }

    [Fact]
    [BadInput("output paths", "`--out FILE` (an existing file) or `--out FILE/sub` for train, audio train, benchmark, audio benchmark, audio render-notes, audio import; `data fetch --cache FILE`", "refused before any work: one error line naming the flag and the path (is a file; which part is a file); exit 1")]
    public void Output_folders_are_not_files_nor_under_files()
    {
        var file = Path.Combine(dir, "a-file");
        File.WriteAllText(file, "keep");
        var under = Path.Combine(file, "sub");
        OneLineError(Run("train", "--model", "ae", "--out", file), "--out", $"'{file}' is a file, not a folder");
        OneLineError(Run("train", "--model", "ae", "--out", under), "--out", $"cannot write '{under}'", $"'{file}' is a file");
        OneLineError(Run("benchmark", "--out", file), "--out", $"'{file}' is a file");
        OneLineError(Run("audio", "train", "--notes", dir, "--out", under), "--out", $"'{file}' is a file");
        OneLineError(Run("audio", "benchmark", "--notes", dir, "--out", under), "--out", $"'{file}' is a file");
        OneLineError(Run("audio", "render-notes", "--out", file), "--out", $"'{file}' is a file");
        OneLineError(Run("audio", "import", dir, "--out", under), "--out", $"'{file}' is a file");
        OneLineError(Run("data", "fetch", "mnist", "--cache", file), "--cache", $"'{file}' is a file");
        Assert.Equal("keep", File.ReadAllText(file));
    }

    [Fact]
    [BadInput("data", "`--data npy:DIR` (a folder where a .npy file is expected); `--data idx:FILE`", "one error line naming --data and the path, with an example of the right form; exit 1")]
    public void Data_given_as_the_wrong_kind_of_path_names_the_flag()
    {
        ErrorLine(Run("train", "--data", "npy:" + dir, "--model", "ae", "--out", Path.Combine(dir, "r")),
            $"--data npy:{dir}: '{dir}' is a folder", $"--data npy:{Path.Combine(dir, "x.npy")}");
        ErrorLine(Run("train", "--data", "csv:" + dir, "--model", "ae", "--out", Path.Combine(dir, "r")), $"--data csv:{dir}: '{dir}' is a folder");
        var file = Path.Combine(dir, "train-images-idx3-ubyte");
        File.WriteAllText(file, "");
        ErrorLine(Run("train", "--data", "idx:" + file, "--model", "ae", "--out", Path.Combine(dir, "r")), $"--data idx:{file}: '{file}' is a file", $"--data idx:{dir}");
    }
}

/// <summary>Count and length flags outside the generation verbs, bounded before any work.</summary>
[Collection(ConsoleUsers.Name)]
public sealed class CountLimitTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("lst-limits-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    [BadInput("numbers", "`train --hidden 100000000`, `--latent-dim 1000000000`, `--set channels=[100000,100000]` (a model too large to allocate)", "refused as a config error before any allocation: one error line naming the largest setting, the parameter count and the limit of 2.5e8 parameters; no run folder; exit 1")]
    public void Train_bounds_the_network_size_before_allocating()
    {
        foreach (var (args, key) in new[] { (new[] { "--hidden", "100000000" }, "hidden"), (["--latent-dim", "1000000000"], "latent_dim"), (["--arch", "conv", "--set", "channels=[100000,100000]"], "channels") })
        {
            var (code, output) = CliRunner.Run(10_000, ["train", "--model", "ae", "--out", Path.Combine(dir, "run"), .. args]);
            Assert.True(code == 1, output);
            Assert.StartsWith($"error: invalid configuration: model.{key} = ", output.Trim());
            Assert.Contains("parameters", output);
            Assert.Contains("more than the limit of 2.5e8", output);
            Assert.False(Directory.Exists(Path.Combine(dir, "run")));
        }
    }

    [Fact]
    [BadInput("numbers", "`audio train --n-fft 1000000000` (also --hop above --n-fft, --n-mels, --bins-per-octave)", "refused before the note set is read: one error line naming the flag and its range (--n-fft 2..65,536); exit 1")]
    public void Audio_train_bounds_the_spectral_sizes_before_reading_notes()
    {
        var notes = Path.Combine(dir, "no-notes");   // never read: the sizes are checked first
        foreach (var (flag, value, range) in new[] { ("--n-fft", "1000000000", "2..65,536"), ("--hop", "5000", "1..1,024"), ("--n-mels", "100000", "1..1,024"), ("--bins-per-octave", "1000", "1..96") })
        {
            var (code, output) = CliRunner.Run(10_000, "audio", "train", "--notes", notes, "--out", Path.Combine(dir, "run"), flag, value);
            Assert.True(code == 1, output);
            Assert.StartsWith($"error: {flag} must be in {range}; got {value}", output.Trim());
            Assert.False(Directory.Exists(Path.Combine(dir, "run")));
        }
    }

    [Fact]
    [BadInput("numbers", "`audio render-notes --hold 1e9` or `--length 1e9`", "refused before FluidSynth starts: one error line naming --length and the 30 s limit; exit 1")]
    public void Render_notes_bounds_the_note_length()
    {
        foreach (var args in new[] { new[] { "--hold", "1e9" }, ["--length", "1e9"] })
        {
            var (code, output) = CliRunner.Run(10_000, ["audio", "render-notes", "--out", Path.Combine(dir, "notes"), .. args]);
            Assert.Equal(1, code);
            Assert.StartsWith("error: --length: 1000000000", output.Trim());   // --hold 1e9 makes the length 1e9 + 0.5
            Assert.Contains("s is over the limit of 30 s a note", output);
            Assert.False(Directory.Exists(Path.Combine(dir, "notes")));
        }
    }
}
