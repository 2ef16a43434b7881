using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using LatentSynth.Cli;
using LatentSynth.Models;
using LatentSynth.Torch.IO;

namespace LatentSynth.Training.Tests;

/// <summary>The <c>train</c> and <c>eval</c> verbs as a user meets them (with the toy data source).</summary>
[Collection(ProcessWideState.Name)]
public class TrainCommandsTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("lst-traincli-").FullName;

    public TrainCommandsTests()
    {
        TestModels.Register();
        Cli.Cli.DataSource = new ToySource();
    }

    public void Dispose()
    {
        Cli.Cli.DataSource = null;
        Directory.Delete(root, recursive: true);
    }

    // No wrapping: messages are checked whole. Warnings in JSON mode are checked on stderr (CliResult.Error).
    private static CliResult RunCli(params string[] args) => CliRunner.Run(width: 100_000, args);

    private string[] TrainArgs(string outDir, params string[] more) =>
    [
        "train", "--data", "toy", "--model", "test-vae", "--latent-dim", "2", "--hidden", "8", "--epochs", "2",
        "--batch-size", "8", "--lr", "1e-2", "--seed", "0", "--out", outDir, .. more,
    ];

    [Fact]
    public void TrainThenEvalAsTableAndJson()
    {
        var dir = Path.Combine(root, "vae");
        var (code, output, _) = RunCli(TrainArgs(dir, "--beta", "0.5", "--warmup-epochs", "1", "--set", "recon=bce"));
        Assert.True(code == 0, output);
        Assert.Contains("epoch 2/2: train loss", output);
        Assert.Contains("Done", output);
        Assert.Contains("warning: toy: 0 malformed records skipped", output);
        var run = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "run.json")))!;
        Assert.Equal(0.5, run["model"]!["beta"]!.GetValue<double>());
        Assert.Equal(1, run["model"]!["warmup_epochs"]!.GetValue<int>());
        Assert.Equal("[8]", run["model"]!["hidden"]!.ToJsonString());
        Assert.Equal("toy", run["training"]!["data"]!.GetValue<string>());

        (code, output, _) = RunCli("eval", dir);
        Assert.Equal(0, code);
        Assert.Contains("checkpoint epoch-2", output);
        Assert.Contains("24 test examples", output);
        Assert.Contains("recon", output);
        Assert.Contains("kl", output);

        (code, output, var error) = RunCli("eval", dir, "--json");
        Assert.Equal(0, code);
        var json = JsonNode.Parse(output.Trim())!; // the whole output is one JSON object
        Assert.Equal("test-vae", json["model"]!.GetValue<string>());
        Assert.Equal(24, json["examples"]!.GetValue<long>());
        Assert.Equal(2, json["epochs"]!.GetValue<int>());
        double loss = json["loss"]!.GetValue<double>();
        double recon = json["terms"]!["recon"]!.GetValue<double>(), kl = json["terms"]!["kl"]!.GetValue<double>();
        Assert.Equal(recon + 0.5 * kl, loss, 3); // beta = 0.5 at full weight in evaluation
        Assert.Contains("warning:", error); // warnings go to stderr in JSON mode
    }

    [Fact]
    public void HiddenAcceptsSeveralWidthsAndConfigFilesWork()
    {
        var dir = Path.Combine(root, "cfg");
        var file = Path.Combine(root, "run.json");
        File.WriteAllText(file, """{"model": {"model": "test-wae", "lambda": 2}, "training": {"data": "toy", "epochs": 1, "batch_size": 20}}""");
        var (code, output, _) = RunCli("train", "--config", file, "--hidden", "8", "4", "--kernel", "imq", "--out", dir, "--set", "training.lr=0.05");
        Assert.True(code == 0, output);
        var run = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "run.json")))!;
        Assert.Equal("[8,4]", run["model"]!["hidden"]!.ToJsonString());
        Assert.Equal("imq", run["model"]!["kernel"]!.GetValue<string>());
        Assert.Equal(2.0, run["model"]!["lambda"]!.GetValue<double>());
        Assert.Equal(0.05, run["training"]!["lr"]!.GetValue<double>());
        Assert.Equal(20, run["training"]!["batch_size"]!.GetValue<int>());
    }

    [Fact]
    public void ModelSpecificFlagOnTheWrongModelIsOneErrorLineNamingTheFlag()
    {
        var dir = Path.Combine(root, "ae");
        var (code, output, _) = RunCli(["train", "--data", "toy", "--model", "test-ae", "--beta", "4", "--lambda", "-1", "--out", dir]);
        Assert.Equal(1, code);
        Assert.Contains("error: invalid configuration: --beta: model 'test-ae' has no setting 'beta'", output);
        Assert.Contains("--lambda: model 'test-ae' has no setting 'lambda'", output);
        Assert.DoesNotContain("   at ", output);
        Assert.False(Directory.Exists(dir)); // refused before anything ran
    }

    [Fact]
    public void BadValuesAreRefusedBeforeAnythingRuns()
    {
        var dir = Path.Combine(root, "bad");
        var source = new ToySource();
        Cli.Cli.DataSource = source;
        var (code, output, _) = RunCli(TrainArgs(dir, "--set", "beta=-2", "--prior", "cauchy", "--set", "latent_dim=0"));
        Assert.Equal(1, code);
        Assert.Contains("model.beta must be non-negative, got -2 (set by --set beta=-2)", output);
        Assert.Contains("model.prior must be 'mog', 'normal', 'sphere' or 'uniform', got 'cauchy' (set by --prior)", output);
        Assert.Contains("model.latent_dim must be at least 1, got 0 (set by --set latent_dim=0)", output);
        Assert.Equal(0, source.Loads); // not even the data were loaded
        Assert.False(Directory.Exists(dir));
    }

    /// <summary>The zoo's models that must accept each model flag (the real config property names).</summary>
    public static TheoryData<string, string, string, string[]> ZooFlags => new()
    {
        { "--arch", "model.arch", "conv", ["ae", "beta-vae", "vae", "wae-gan", "wae-mmd"] },
        { "--latent-dim", "model.latent_dim", "3", ["ae", "beta-vae", "vae", "wae-gan", "wae-mmd"] },
        { "--prior", "model.prior", "mog", ["ae", "beta-vae", "vae", "wae-gan", "wae-mmd"] },
        { "--recon", "model.recon", "l1", ["ae", "beta-vae", "vae", "wae-gan", "wae-mmd"] },
        { "--kernel", "model.kernel", "rbf", ["wae-mmd"] },
        { "--beta", "model.beta", "2.5", ["beta-vae"] },
        { "--warmup-epochs", "model.warmup_epochs", "0.5", ["beta-vae", "wae-gan", "wae-mmd"] },
        { "--lambda", "model.lambda", "3", ["wae-gan", "wae-mmd"] },
    };

    [Theory]
    [MemberData(nameof(ZooFlags))]
    public void ModelFlagsSetTheZoosRealConfigKeys(string flag, string key, string value, string[] models)
    {
        Assert.Contains((flag, key), TrainCommands.ModelFlagKeys);
        var zoo = ModelRegistry.All.Where(m => m.ModelType.Assembly == typeof(ModelRegistry).Assembly).Select(m => m.Name).ToList();
        Assert.Equal(["ae", "beta-vae", "vae", "wae-gan", "wae-mmd"], zoo);
        var name = key["model.".Length..];
        foreach (var model in zoo)
        {
            var builder = new RunConfigBuilder().Set("model", model, "--model").Set(key, RunConfigBuilder.ParseValue(value), flag);
            if (models.Contains(model))
            {
                var json = JsonNode.Parse(builder.Build().ToJson())!["model"]![name]!;
                Assert.Equal(RunConfigBuilder.ParseValue(value)!.ToJsonString(), json.ToJsonString());
            }
            else
            {
                var e = Assert.Throws<ConfigException>(() => builder.Build());
                Assert.Equal([$"{flag}: model '{model}' has no setting '{name}'"], e.Problems.Select(p => p[..p.IndexOf(';')]));
            }
        }
        // The help names the models that have the key (all: none named).
        var (_, help, _) = RunCli("train", "--help");
        var line = help.Split('\n').Single(l => l.TrimStart().StartsWith(flag + " ", StringComparison.Ordinal));
        var named = System.Text.RegularExpressions.Regex.Match(line, @"\(([^()]*)\) \[default: ");
        if (models.Length == zoo.Count)
            Assert.False(named.Success, line);   // the test models registered here have every common key too
        else
            Assert.Equal(models, named.Groups[1].Value.Split(", ").Where(zoo.Contains));
        Assert.Contains("[default: ", line);
    }

    [Theory]
    [InlineData("vae", "--prior", "cauchy", "model.prior must be 'mog', 'normal', 'sphere' or 'uniform', got 'cauchy' (set by --prior)")]
    [InlineData("vae", "--prior", "uniform", "model.prior 'uniform' cannot serve a VAE")]
    [InlineData("wae-mmd", "--prior", "Normal", "model.prior must be 'mog', 'normal', 'sphere' or 'uniform', got 'Normal' (set by --prior)")]
    [InlineData("wae-mmd", "--kernel", "cosine", "model.kernel must be 'imq' or 'rbf', got 'cosine' (set by --kernel)")]
    [InlineData("ae", "--recon", "huber", "model.recon must be 'bce', 'l1' or 'mse', got 'huber' (set by --recon)")]
    [InlineData("ae", "--arch", "resnet", "model.arch must be 'conv', 'conv1d' or 'mlp', got 'resnet' (set by --arch)")]
    [InlineData("wae-gan", "--lambda", "-1", "model.lambda must be finite and ≥ 0, got -1 (set by --lambda)")]
    [InlineData("beta-vae", "--warmup-epochs", "-2", "model.warmup_epochs must be finite and ≥ 0, got -2 (set by --warmup-epochs)")]
    public void BadZooChoicesAreRefusedBeforeAnythingRunsNamingTheKey(string model, string flag, string value, string expected)
    {
        var dir = Path.Combine(root, "refused");
        var source = new ToySource();
        Cli.Cli.DataSource = source;
        var (code, output, _) = RunCli(["train", "--data", "toy", "--model", model, flag, value, "--out", dir]);
        Assert.Equal(1, code);
        Assert.Contains("error: invalid configuration: " + expected, output);
        Assert.DoesNotContain("   at ", output);
        Assert.Equal(0, source.Loads); // not even the data were loaded
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void ChecksThatNeedTheDatasShapeWaitForTheData()
    {
        // The default input_shape [1, 28, 28] says nothing about the data: conv1d on C×L data trains.
        var dir = Path.Combine(root, "conv1d");
        var (code, output, _) = RunCli(["train", "--data", "toy-1d", "--model", "ae", "--arch", "conv1d", "--latent-dim", "2", "--hidden", "8",
                                        "--set", "channels=[4,8]", "--epochs", "1", "--batch-size", "8", "--out", dir]);
        Assert.True(code == 0, output);
        Assert.Equal("[2,8]", JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "run.json")))!["model"]!["input_shape"]!.ToJsonString());

        // The data's shape does not suit the network: refused once the data are loaded, before any run folder exists.
        dir = Path.Combine(root, "conv-wide");
        (code, output, _) = RunCli(["train", "--data", "toy-wide", "--model", "ae", "--arch", "conv", "--out", dir]);
        Assert.Equal(1, code);
        Assert.Contains("error: invalid configuration: model.arch 'conv' needs spatial sizes divisible by 4 (two stride-2 convolutions), " +
                        "got input_shape [1, 5, 5] (input_shape [1, 5, 5] is that of the data 'toy-wide')", output);
        Assert.False(Directory.Exists(dir));

        // input_shape given explicitly is checked at once.
        var source = new ToySource();
        Cli.Cli.DataSource = source;
        (code, output, _) = RunCli(["train", "--data", "toy", "--model", "ae", "--arch", "conv", "--set", "input_shape=[1,6,6]", "--out", dir]);
        Assert.Equal(1, code);
        Assert.Contains("model.arch 'conv' needs spatial sizes divisible by 4", output);
        Assert.Equal(0, source.Loads);
    }

    [Fact]
    public void ResumeExtendsARunAndRefusesOtherSettings()
    {
        var dir = Path.Combine(root, "resume");
        Assert.Equal(0, RunCli(TrainArgs(dir)).Code);

        var (code, output, _) = RunCli("train", "--resume", dir, "--lr", "1");
        Assert.Equal(1, code);
        Assert.Contains("--lr cannot be combined with it (only --epochs can", output);

        (code, output, _) = RunCli("train", "--resume", dir);
        Assert.Equal(1, code);
        Assert.Contains("already finished its 2 epochs; pass --epochs N with N > 2", output);

        (code, output, _) = RunCli("train", "--resume", dir, "--epochs", "3");
        Assert.True(code == 0, output);
        Assert.Contains("resumed from epoch-2", output);
        Assert.Equal(3, new MetricsLog(dir).ReadCsv().Count);
    }

    [Fact]
    [BadInput("training", "a loss that becomes NaN or infinite during `train`", "stops at that step with one error line naming the term, epoch and step; the last good checkpoint stays the latest; exit 1")]
    public void NanGuardIsOneErrorLine()
    {
        var (code, output, _) = RunCli(TrainArgs(Path.Combine(root, "nan"), "--set", "nan_at_step=6"));
        Assert.Equal(1, code);
        Assert.Contains("error: training stopped: loss term 'kl' is NaN at epoch 2, step 2 of 5", output);
    }

    [Fact]
    [BadInput("numbers", "--lr NaN, --beta Infinity, --lambda -Infinity, --set lr=Infinity", "one error naming each flag: must be a finite number; nothing is written; exit 1")]
    public void NonFiniteNumbersAreRefusedNamingTheFlag()
    {
        var dir = Path.Combine(root, "nonfinite");
        var (code, output, _) = RunCli("train", "--data", "toy", "--model", "test-vae", "--lr", "NaN", "--beta", "Infinity", "--out", dir);
        Assert.Equal(1, code);
        Assert.Contains("--lr: training.lr must be a finite number, got NaN", output);
        Assert.Contains("--beta: model.beta must be a finite number, got Infinity", output);
        Assert.DoesNotContain("   at ", output);
        (code, output, _) = RunCli("train", "--data", "toy", "--model", "test-wae", "--lambda", "-Infinity", "--out", dir);
        Assert.Equal(1, code);
        Assert.Contains("--lambda: model.lambda must be a finite number, got -Infinity", output);
        // In --set, Infinity is not a JSON number: it is read as text and refused as such.
        (code, output, _) = RunCli("train", "--data", "toy", "--model", "test-vae", "--set", "lr=Infinity", "--out", dir);
        Assert.Equal(1, code);
        Assert.Contains("--set lr=Infinity: training.lr expects a number, got \"Infinity\"", output);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    [BadInput("numbers", "--latent-dim 1000000000 or --hidden 2000000000 (a model too large to allocate)", "refused before allocating: the parameter count, the limit and the largest setting; exit 1")]
    [BadInput("run folders", "run.json edited to latent_dim 2147483647", "`eval` refuses it naming run.json and the size limit; exit 1")]
    public void ModelsTooLargeToAllocateAreRefusedUpFront()
    {
        var dir = Path.Combine(root, "huge");
        var (code, output, _) = RunCli("train", "--data", "toy", "--model", "test-vae", "--latent-dim", "1000000000", "--out", dir);
        Assert.Equal(1, code);
        Assert.Contains("more than the limit of 2.5e8", output);
        Assert.Contains("model.latent_dim = 1,000,000,000 makes the model hold 1.202e12 parameters", output);
        Assert.Contains("(set by --latent-dim)", output);
        (code, output, _) = RunCli("train", "--data", "toy", "--model", "test-vae", "--hidden", "2000000000", "--out", dir);
        Assert.Equal(1, code);
        Assert.Contains("model.hidden = 2,000,000,000 makes the model hold", output);
        Assert.False(Directory.Exists(dir));

        var run = Path.Combine(root, "small");
        (code, output, _) = RunCli(TrainArgs(run));
        Assert.True(code == 0, output);
        var config = Path.Combine(run, "run.json");
        var node = JsonNode.Parse(File.ReadAllText(config))!;
        node["model"]!["latent_dim"] = int.MaxValue;
        File.WriteAllText(config, node.ToJsonString());
        (code, output, _) = RunCli("eval", run);
        Assert.Equal(1, code);
        Assert.Contains("run.json", output);
        Assert.Contains("more than the limit of 2.5e8", output);
    }

    [Fact]
    [BadInput("checkpoints", "`checkpoints/latest` edited to point outside the run (`../../x`, an absolute path)", "never followed: one error line naming RUN/checkpoints/latest and what to write into it; exit 1")]
    public void LatestPointingOutsideTheRunIsRefused()
    {
        var dir = Path.Combine(root, "escape");
        Assert.Equal(0, RunCli(TrainArgs(dir)).Code);
        var pointer = Path.Combine(dir, "checkpoints", "latest");
        // A complete checkpoint elsewhere, which a path would reach.
        var outside = Path.Combine(root, "x");
        CopyDirectory(Path.Combine(dir, "checkpoints", "epoch-2"), outside);
        foreach (var bad in new[] { "../../x", outside, "..", "epoch-2/../epoch-2", "sub\\epoch-2" })
        {
            File.WriteAllText(pointer, bad + "\n");
            var (code, output, _) = RunCli("eval", dir);
            Assert.True(code == 1, output);
            Assert.Contains($"error: {pointer} names '{bad}', which is not a checkpoint folder of this run", output);
            Assert.Contains("write the name of a folder in", output);
            (code, output, _) = RunCli("train", "--resume", dir, "--epochs", "3");
            Assert.Equal(1, code);
            Assert.Contains($"{pointer} names '{bad}'", output);
        }
        File.WriteAllText(pointer, "epoch-2\n");
        Assert.Equal(0, RunCli("eval", dir).Code);
    }

    [Fact]
    [BadInput("checkpoints", "`train --resume RUN` on a finished run whose checkpoints/ folder was deleted", "one error line: RUN/checkpoints is missing or empty although metrics.csv records N epochs, and what to do; exit 1")]
    public void ResumeWithoutCheckpointsSaysWhatIsMissing()
    {
        var dir = Path.Combine(root, "gone");
        Assert.Equal(0, RunCli(TrainArgs(dir)).Code);
        Directory.Delete(Path.Combine(dir, "checkpoints"), recursive: true);
        var (code, output, _) = RunCli("train", "--resume", dir, "--epochs", "3");
        Assert.Equal(1, code);
        Assert.Contains($"error: {Path.Combine(dir, "checkpoints")} is missing or empty although {Path.Combine(dir, "metrics.csv")} records 2 epochs; " +
                        "put the run's checkpoints back", output);
        Assert.DoesNotContain("first epoch", output);
        Assert.Equal(0, RunCli("eval", dir).Code); // the run folder's weights still serve eval
    }

    [Fact]
    [BadInput("checkpoints", "the latest checkpoint's weights hold NaN or infinity (`eval`, `train --resume`, the generation verbs)", "refused: one error line naming the tensor and the file, and the `echo epoch-K > RUN/checkpoints/latest` that makes the newest intact earlier checkpoint the latest; exit 1")]
    [BadInput("checkpoints", "the latest checkpoint's weights file truncated or overwritten with garbage", "one error line naming the file and the newest intact earlier checkpoint, with the `echo` that makes it the latest; exit 1")]
    public void NonFiniteOrCorruptLatestWeightsPointToTheIntactEarlierCheckpoint()
    {
        var dir = Path.Combine(root, "poisoned");
        Assert.Equal(0, RunCli(TrainArgs(dir)).Code); // keeps epoch-1 and epoch-2
        var pointer = Path.Combine(dir, "checkpoints", "latest");
        var weights = Path.Combine(dir, "checkpoints", "epoch-2", "model.safetensors");
        var original = File.ReadAllBytes(weights);
        using (var file = SafeTensors.Read(weights))
        {
            file.Tensors["decoder.weight"].Fill_(double.NaN);
            SafeTensors.Save(weights, file.Tensors, file.Metadata);
        }
        Assert.Equal(original.Length, new FileInfo(weights).Length);
        var advice = $"the newest intact earlier checkpoint is epoch-1 (1 epoch): use it with `echo epoch-1 > {pointer}`";

        var (code, output, _) = RunCli("eval", dir, "--json");
        Assert.True(code == 1, output);
        Assert.Contains($"{weights}: tensor 'decoder.weight' holds 32 NaN or infinite values; these weights are unusable; {advice}", output);
        (code, output, _) = RunCli("train", "--resume", dir, "--epochs", "3");
        Assert.Equal(1, code);
        Assert.Contains("tensor 'decoder.weight' holds 32 NaN", output);
        Assert.Contains(advice, output);

        // Garbage of the right size, then a truncated file.
        File.WriteAllBytes(weights, new byte[original.Length]);
        (code, output, _) = RunCli("eval", dir);
        Assert.Equal(1, code);
        Assert.Contains(weights, output);
        Assert.Contains(advice, output);
        File.WriteAllBytes(weights, original[..100]);
        (code, output, _) = RunCli("eval", dir);
        Assert.Equal(1, code);
        Assert.Contains("is corrupt: model.safetensors is 100 bytes", output);
        Assert.Contains(advice, output);

        // The advice works.
        File.WriteAllText(pointer, "epoch-1\n");
        (code, output, _) = RunCli("eval", dir);
        Assert.True(code == 0, output);
        Assert.Contains("checkpoint epoch-1", output);
    }

    [Fact]
    [BadInput("training", "a run that diverges without reaching NaN (`--lr 1.0`: validation loss 1e22 and more)", "finishes, with one warning line naming the epoch whose validation loss exceeds 1000 times the first epoch's")]
    public void DivergingRunIsWarnedOnceNamingTheEpoch()
    {
        // Healthy: no warning.
        var (code, output, _) = RunCli(TrainArgs(Path.Combine(root, "healthy")));
        Assert.True(code == 0, output);
        Assert.DoesNotContain("training is diverging", output);

        // The decoder's weights blow up in the last step of epoch 2 (run step 9, 0-based), finite all along.
        (code, output, _) = RunCli(TrainArgs(Path.Combine(root, "blowup"), "--set", "epochs=4", "--set", "blow_up_at_step=9"));
        Assert.True(code == 0, output);
        var warnings = output.Split('\n').Where(l => l.Contains("training is diverging")).ToList();
        var line = Assert.Single(warnings);
        Assert.Matches(@"^warning: training is diverging: validation loss \S+ at epoch 2 is more than 1000 times that of epoch 1 \(\S+\); lower the learning rate \(--lr\)", line.Trim());
        Assert.Contains("Done", output);
    }

    [Fact]
    [BadInput("training", "`train --resume RUN` after the training data's values changed (same shapes)", "refused: one error line naming both data fingerprints and --allow-data-change; with --allow-data-change one warning line; runs without a recorded fingerprint resume unchecked")]
    public void ResumeOnChangedDataIsRefusedUnlessAllowed()
    {
        var dir = Path.Combine(root, "fingerprint");
        Assert.Equal(0, RunCli(TrainArgs(dir)).Code);
        var checkpoint = Path.Combine(dir, "checkpoints", "epoch-2");
        var recorded = JsonNode.Parse(File.ReadAllText(Path.Combine(checkpoint, "trainer.json")))!["train_data_hash"]!.GetValue<string>();
        Assert.Matches("^sha256:[0-9a-f]{64}$", recorded);

        // The same data resumes silently.
        var (code, output, _) = RunCli("train", "--resume", dir, "--epochs", "3");
        Assert.True(code == 0, output);
        Assert.DoesNotContain("examples of data", output);

        Cli.Cli.DataSource = new ToySource { TrainSeed = 99 }; // same shapes, other values
        (code, output, _) = RunCli("train", "--resume", dir, "--epochs", "4");
        Assert.Equal(1, code);
        Assert.Contains($"error: the training examples of data 'toy' changed since checkpoint '{Path.Combine(dir, "checkpoints", "epoch-3")}' was written " +
                        $"(it recorded {recorded}, the data now hash to sha256:", output);
        Assert.Contains("start a new run, or pass --allow-data-change to continue anyway", output);
        Assert.Equal(3, new MetricsLog(dir).ReadCsv().Count);

        (code, output, _) = RunCli("train", "--resume", dir, "--epochs", "4", "--allow-data-change");
        Assert.True(code == 0, output);
        Assert.Single(output.Split('\n'), l => l.Contains("warning: the training examples of data 'toy' changed") && l.Contains("--allow-data-change"));

        (code, output, _) = RunCli("train", "--data", "toy", "--allow-data-change", "--out", Path.Combine(root, "other"));
        Assert.Equal(1, code);
        Assert.Contains("--allow-data-change applies only to --resume", output);

        // A checkpoint written before fingerprints were recorded resumes without the check.
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "checkpoints", "epoch-4", "trainer.json")))!.AsObject();
        state.Remove("train_data_hash");
        File.WriteAllText(Path.Combine(dir, "checkpoints", "epoch-4", "trainer.json"), state.ToJsonString());
        Cli.Cli.DataSource = new ToySource();
        (code, output, _) = RunCli("train", "--resume", dir, "--epochs", "5");
        Assert.True(code == 0, output);
        Assert.DoesNotContain("examples of data", output);
    }

    [Fact]
    public void StopSignalRecordsTheFirstSignalAndItsExitCode()
    {
        using (var stop = new StopSignal())
        {
            Assert.False(stop.Token.IsCancellationRequested);
            Assert.Null(stop.Received);
            Assert.Equal(130, stop.ExitCode);
            Assert.True(stop.Request(PosixSignal.SIGTERM));
            Assert.True(stop.Token.IsCancellationRequested);
            Assert.False(stop.Request(PosixSignal.SIGINT)); // the first one wins; a second is not intercepted
            Assert.Equal(PosixSignal.SIGTERM, stop.Received);
            Assert.Equal(143, stop.ExitCode);
            Assert.Equal("SIGTERM", stop.Description);
        }
        using (var stop = new StopSignal())
        {
            stop.Request(PosixSignal.SIGINT);
            Assert.Equal(130, stop.ExitCode);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [Fact]
    [BadInput("training", "SIGTERM (`kill PID`, a scheduler, `docker stop`) in the middle of `train`", "like Ctrl-C: the step finishes, a checkpoint is saved, the resume command is printed; exit 143")]
    public void SigtermMidTrainingSavesPrintsTheResumeCommandAndExits143()
    {
        if (!OperatingSystem.IsLinux()) return;
        // The real command line in a child process (a signal to this process would hit the test host).
        var exe = Path.Combine(AppContext.BaseDirectory, "latentsynth");
        Assert.True(File.Exists(exe), $"{exe} is missing (the CLI is built beside the tests)");
        var csv = Path.Combine(root, "x.csv");
        var rng = new Random(1);
        File.WriteAllLines(csv, Enumerable.Range(0, 4000).Select(_ =>
            string.Join(",", Enumerable.Range(0, 16).Select(_ => rng.NextDouble().ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)))));
        var dir = Path.Combine(root, "sigterm");
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "train", "--data", "csv:" + csv, "--model", "ae", "--hidden", "8", "--latent-dim", "2", "--epochs", "500", "--batch-size", "8", "--out", dir })
            psi.ArgumentList.Add(a);
        var output = new StringBuilder();
        using var firstEpoch = new ManualResetEventSlim();
        using var child = Process.Start(psi)!;
        try
        {
            DataReceivedEventHandler collect = (_, e) =>
            {
                if (e.Data is null) return;
                lock (output) output.AppendLine(e.Data);
                if (e.Data.StartsWith("epoch 1/500:", StringComparison.Ordinal)) firstEpoch.Set();
            };
            child.OutputDataReceived += collect;
            child.ErrorDataReceived += collect;
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            Assert.True(firstEpoch.Wait(TimeSpan.FromSeconds(120)), $"no first epoch line: {output}");
            Assert.Equal(0, Kill(child.Id, 15)); // SIGTERM
            Assert.True(child.WaitForExit(60_000), $"still running after SIGTERM: {output}");
            child.WaitForExit(); // drains the output
            string text;
            lock (output) text = System.Text.RegularExpressions.Regex.Replace(output.ToString(), "\u001b\\[[0-9;]*m", ""); // bold and colours
            Assert.True(child.ExitCode == 143, $"exit {child.ExitCode}: {text}");
            Assert.Matches(@"Interrupted by SIGTERM after \d+ steps \(\d+ complete epochs?\); checkpoint saved in ", text);
            Assert.Contains($"Resume with: latentsynth train --resume {dir}", text);
            var latest = File.ReadAllText(Path.Combine(dir, "checkpoints", "latest")).Trim();
            Assert.Matches(@"^epoch-\d+(-step-\d+)?$", latest);
            Assert.True(File.Exists(Path.Combine(dir, "checkpoints", latest, "model.safetensors")));
        }
        finally
        {
            if (!child.HasExited) child.Kill();
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    [Fact]
    [BadInput("run folders", "`eval DIR` where DIR holds no run.json", "one error line: DIR is not a run folder, it has no run.json; exit 1")]
    public void EvalOfSomethingThatIsNotARunIsOneErrorLine()
    {
        var (code, output, _) = RunCli("eval", root);
        Assert.Equal(1, code);
        Assert.Contains("is not a run folder: it has no run.json", output);
    }

    [Fact]
    public void ByDefaultTheDatasetCatalogLoadsTheData()
    {
        Cli.Cli.DataSource = null; // back to the default: the dataset catalog
        Assert.IsType<LatentSynth.Data.CatalogDatasetSource>(Cli.Cli.DataSource);
        var dir = Path.Combine(root, "catalog");
        var (code, output, _) = RunCli(TrainArgs(dir)); // "toy" is no catalog name: refused before anything is written
        Assert.Equal(1, code);
        // frames:DIR is registered by the audio verbs, the melody datasets by the music verbs.
        Assert.Contains("error: unknown dataset 'toy'; known names: fashion-mnist, jsb-poly, mnist, nottingham, nottingham-16, nottingham-16-aug, nottingham-16-hop4, nottingham-aug, nottingham-bars24, nottingham-inpaint, nottingham-poly, csv:FILE, frames:DIR, idx:DIR, midi-bars24:DIR, midi-inpaint:DIR, midi-poly:DIR, midi16:DIR, midi:DIR, npy:FILE", output);
        Assert.DoesNotContain("   at ", output);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void HelpShowsEveryFlagWithDefaults()
    {
        var (code, output, _) = RunCli("train", "--help");
        Assert.Equal(0, code);
        foreach (var flag in new[] { "--data", "--model", "--arch", "--latent-dim", "--hidden", "--epochs", "--batch-size", "--lr", "--seed", "--out",
                                     "--kernel", "--prior", "--recon", "--beta", "--warmup-epochs", "--lambda", "--config", "--set", "--resume",
                                     "--limit-train", "--limit-test" })
            Assert.Contains(flag, output);
        Assert.Contains("[default: 128]", output);
        Assert.Contains("[default: 10]", output);
        Assert.Contains("[default: 0.001]", output);
        (code, output, _) = RunCli("eval", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--json", output);
    }
}
