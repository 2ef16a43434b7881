using System.Globalization;
using System.Text.Json.Nodes;
using LatentSynth.Torch;
using LatentSynth.Torch.IO;

namespace LatentSynth.Training.Tests;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// The trainer on tiny synthetic data (40 training examples, batches of 8: 5 steps per epoch):
/// run folder, metrics, progress reports, checkpoints, resume, Ctrl-C, NaN guard, sanity check,
/// memory.
/// </summary>
[Collection(ProcessWideState.Name)]
public class TrainerTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("lst-trainer-").FullName;
    private readonly ToySource source = new();

    public TrainerTests() => TestModels.Register();

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string Dir(string name) => Path.Combine(root, name);

    private TrainingResult Train(RunConfig config, RecordingObserver? observer = null, CancellationToken cancel = default,
        Action<string>? hook = null) =>
        new Trainer(source, observer) { CheckpointHook = hook }.Train(config, cancel);

    private TrainingResult Resume(string dir, int? epochs = null, RecordingObserver? observer = null, CancellationToken cancel = default,
        Action<string>? hook = null) =>
        new Trainer(source, observer) { CheckpointHook = hook }.Resume(dir, epochs, cancel);

    [Fact]
    public void AConfigIsValidatedOnceOnTheWayToTraining()
    {
        TestVaeConfig.ValidateCalls = 0;
        var config = TestModels.Config("test-vae", Dir("once"), epochs: 1);
        Assert.Equal(1, TestVaeConfig.ValidateCalls); // the builder
        Train(config);
        // The trainer, the data's shape (only its own checks), the registry and the model's constructor add none.
        Assert.Equal(1, TestVaeConfig.ValidateCalls);

        // A config changed by hand is a new instance: the trainer checks it (once) and refuses a bad one.
        var changed = config with { Model = (TestVaeConfig)config.Model with { Beta = -1 }, Training = config.Training with { Out = Dir("changed") } };
        var e = Assert.Throws<ConfigException>(() => Train(changed));
        Assert.Contains("model.beta must be non-negative, got -1", e.Message);
        Assert.Equal(2, TestVaeConfig.ValidateCalls);
    }

    private static string[] CheckpointDirs(string dir) =>
        Directory.GetDirectories(Path.Combine(dir, "checkpoints")).Select(d => Path.GetFileName(d)!).Order().ToArray();

    private static string Latest(string dir) => File.ReadAllText(Path.Combine(dir, "checkpoints", "latest")).Trim();

    private static void AssertSameRun(string expectedDir, string actualDir, params string[] optimizers)
    {
        TestModels.AssertSameTensors(Path.Combine(expectedDir, "model.safetensors"), Path.Combine(actualDir, "model.safetensors"));
        var e = Path.Combine(expectedDir, "checkpoints", Latest(expectedDir));
        var a = Path.Combine(actualDir, "checkpoints", Latest(actualDir));
        Assert.Equal(Path.GetFileName(e), Path.GetFileName(a));
        TestModels.AssertSameTensors(Path.Combine(e, "model.safetensors"), Path.Combine(a, "model.safetensors"));
        foreach (var o in optimizers)
            TestModels.AssertSameTensors(Path.Combine(e, CheckpointStore.OptimizerFile(o)), Path.Combine(a, CheckpointStore.OptimizerFile(o)));
        // The metrics agree too, except for the timings.
        var me = new MetricsLog(expectedDir).ReadCsv();
        var ma = new MetricsLog(actualDir).ReadCsv();
        Assert.Equal(me.Count, ma.Count);
        for (int i = 0; i < me.Count; i++)
            foreach (var (k, v) in me[i])
                if (k is not ("seconds" or "train_seconds")) Assert.True(v.Equals(ma[i][k]), $"metrics row {i + 1} column {k}: {v} vs {ma[i][k]}");
    }

    [Theory]
    [InlineData("mlp", Workload.Dense)]
    [InlineData("conv", Workload.Convolution)]
    public void TrainingAppliesTheThreadPlanOfItsModelsWorkload(string arch, Workload workload)
    {
        var dir = Dir("plan-" + arch);
        Train(TestModels.Config("vae", dir, 1, "arch=" + arch), new RecordingObserver());
        // The plan depends on the machine's load at the start (ThreadPlans.FreeCores): read what was applied.
        var (applied, expected, _) = ThreadPlans.Current!.Value;
        Assert.Equal(workload, applied);
        Assert.Contains(expected, new[] { ThreadPlans.Default(workload, Environment.ProcessorCount), ThreadPlans.Default(workload, 1) });
        Assert.Equal(expected.IntraOpThreads, Torch.NumThreads);
        if (Torch.BlasThreads >= 0) Assert.Equal(expected.BlasThreads, Torch.BlasThreads);
        var session = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "environment.json")))!["sessions"]!.AsArray()[0]!;
        Assert.Equal(expected.IntraOpThreads, session["intra_op_threads"]!.GetValue<int>());
        Assert.StartsWith($"{expected} (measured plan for {workload}", session["thread_plan"]!.GetValue<string>());
    }

    [Fact]
    public void TrainingWritesTheWholeRunFolder()
    {
        var dir = Dir("vae");
        var observer = new RecordingObserver();
        var result = Train(TestModels.Config("test-vae", dir, epochs: 3), observer);

        Assert.Equal(TrainingOutcome.Completed, result.Outcome);
        Assert.Equal(3, result.EpochsDone);
        Assert.Equal(15, result.Step);

        // run.json: the resolved config, model by name, input shape taken from the data.
        var run = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "run.json")))!;
        Assert.Equal("test-vae", run["model"]!["model"]!.GetValue<string>());
        Assert.Equal("[1,4,4]", run["model"]!["input_shape"]!.ToJsonString());
        Assert.Equal(3, run["training"]!["epochs"]!.GetValue<int>());
        Assert.Equal(8, run["training"]!["batch_size"]!.GetValue<int>());

        // environment.json: versions, BLAS, threads, git commit.
        var env = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "environment.json")))!["sessions"]!.AsArray();
        var session = Assert.Single(env)!;
        Assert.Equal("start", session["kind"]!.GetValue<string>());
        Assert.StartsWith("1.13", session["libtorch"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(session["latentsynth"]!.GetValue<string>()));
        Assert.False(string.IsNullOrEmpty(session["blas"]!.GetValue<string>()));
        Assert.True(session["intra_op_threads"]!.GetValue<int>() >= 1);
        var commit = session["git_commit"]!.GetValue<string>();
        Assert.True(commit == "unknown" || commit.Length == 40 && commit.All(char.IsAsciiHexDigit), commit);

        // Checkpoints: the last two kept, latest points at the last epoch, weights copied to the run folder.
        Assert.Equal("epoch-3", Latest(dir));
        var kept = CheckpointDirs(dir);
        Assert.Equal(["epoch-2", "epoch-3"], kept);
        var ckpt = Path.Combine(dir, "checkpoints", "epoch-3");
        foreach (var f in new[] { "model.safetensors", "optimizer-model.safetensors", "trainer.json" })
            Assert.True(File.Exists(Path.Combine(ckpt, f)), f);
        TestModels.AssertSameTensors(Path.Combine(ckpt, "model.safetensors"), Path.Combine(dir, "model.safetensors"));
        var state = new CheckpointStore(dir).Latest()!.State;
        Assert.Equal(3, state.EpochsDone);
        Assert.Equal(15, state.Step);
        Assert.Equal(0, state.StepInEpoch);
        Assert.Equal(["model"], state.Optimizers);
        Assert.Equal(3, observer.Checkpoints.Count);

        // Metrics: one row per epoch in both files, every term, validation terms, lr, seconds.
        var csv = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
        Assert.Equal("epoch,step,train_loss,train_recon,train_kl,val_loss,val_recon,val_kl,lr,seconds,train_seconds", csv[0]);
        Assert.Equal(4, csv.Length);
        var rows = new MetricsLog(dir).ReadCsv();
        Assert.Equal([1.0, 2, 3], rows.Select(r => r["epoch"]));
        Assert.Equal([5.0, 10, 15], rows.Select(r => r["step"]));
        Assert.All(rows, r => Assert.Equal(0.01, r["lr"]));
        Assert.All(rows, r => Assert.True(r["seconds"] > 0));
        Assert.All(rows, r => Assert.InRange(r["train_seconds"], 1e-9, r["seconds"]));
        Assert.All(rows, r => Assert.True(Math.Abs(r["train_loss"] - r["train_recon"] - r["train_kl"]) < 1e-3 * r["train_loss"]));
        Assert.True(rows[2]["val_loss"] < rows[0]["val_loss"], $"validation loss {rows[0]["val_loss"]} -> {rows[2]["val_loss"]}");
        var jsonl = File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(3, jsonl.Count);
        Assert.Equal(rows[1]["val_kl"], jsonl[1]["val_kl"]!.GetValue<double>());
        Assert.Equal(10, jsonl[1]["step"]!.GetValue<long>());

        // Progress reports: start, every step with ETA and live terms, every epoch with validation.
        var start = Assert.Single(observer.Starts);
        Assert.Equal((40L, 24L, 5L, 15L, 0L), (start.TrainExamples, start.TestExamples, start.StepsPerEpoch, start.TotalSteps, start.StartStep));
        Assert.Null(start.ResumedFrom);
        Assert.Equal(15, observer.Steps.Count);
        Assert.Equal(Enumerable.Range(1, 15).Select(i => (long)i), observer.Steps.Select(s => s.Step));
        Assert.All(observer.Steps, s => Assert.Equal(["loss", "recon", "kl"], s.Batch.Keys));
        Assert.All(observer.Steps, s => Assert.NotNull(s.Eta));
        Assert.Equal(TimeSpan.Zero, observer.Steps[^1].Eta);
        Assert.Equal(3, observer.Epochs.Count);
        Assert.Equal(rows[2]["val_loss"], observer.Epochs[2].Validation["loss"]);
        // The epoch mean reported at the last step of an epoch is the epoch's training mean.
        Assert.Equal(observer.Epochs[0].Train["loss"], observer.Steps[4].EpochMean["loss"]);
        Assert.Equal(rows[2]["val_loss"], result.LastValidation!.Means["loss"]);
    }

    [Fact]
    public void SameSeedSameRun()
    {
        Train(TestModels.Config("test-vae", Dir("a"), epochs: 2));
        Train(TestModels.Config("test-vae", Dir("b"), epochs: 2));
        AssertSameRun(Dir("a"), Dir("b"), "model");
    }

    [Fact]
    public void RefusesToOverwriteARun()
    {
        var dir = Dir("once");
        Train(TestModels.Config("test-ae", dir, epochs: 1));
        var e = Assert.Throws<ArgumentException>(() => Train(TestModels.Config("test-ae", dir, epochs: 1)));
        Assert.Contains("already holds a run", e.Message);
        Assert.Contains("--resume " + dir, e.Message);
    }

    [Theory]
    [InlineData("test-vae")]
    [InlineData("test-wae")]
    public void ResumeAfterFinishingEqualsAnUninterruptedRunBitForBit(string model)
    {
        string[] optimizers = model == "test-wae" ? ["model", "critic"] : ["model"];
        Train(TestModels.Config(model, Dir("straight"), epochs: 4));

        var dir = Dir("resumed");
        Train(TestModels.Config(model, dir, epochs: 2));
        var observer = new RecordingObserver();
        var result = Resume(dir, epochs: 4, observer);
        Assert.Equal(TrainingOutcome.Completed, result.Outcome);
        Assert.Equal("epoch-2", observer.Starts.Single().ResumedFrom);
        Assert.Equal(10, observer.Starts.Single().StartStep);
        Assert.Equal(10, observer.Steps.Count);
        Assert.Equal(4, JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "run.json")))!["training"]!["epochs"]!.GetValue<int>());
        var sessions = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "environment.json")))!["sessions"]!.AsArray();
        Assert.Equal(["start", "resume"], sessions.Select(s => s!["kind"]!.GetValue<string>()));

        AssertSameRun(Dir("straight"), dir, optimizers);
    }

    [Theory]
    [InlineData("test-vae", 7)]  // inside epoch 2
    [InlineData("test-wae", 13)] // inside epoch 3
    [InlineData("test-vae", 10)] // last step of epoch 2: the epoch completes first
    public void CtrlCSavesAndResumeEqualsAnUninterruptedRunBitForBit(string model, int stopAfterStep)
    {
        string[] optimizers = model == "test-wae" ? ["model", "critic"] : ["model"];
        Train(TestModels.Config(model, Dir("straight"), epochs: 4));

        var dir = Dir("interrupted");
        using var cts = new CancellationTokenSource();
        var observer = new RecordingObserver { AfterStep = s => { if (s.Step == stopAfterStep) cts.Cancel(); } };
        var result = Train(TestModels.Config(model, dir, epochs: 4), observer, cts.Token);

        // The current step finished, a checkpoint was saved, the trainer returned cleanly.
        Assert.Equal(TrainingOutcome.Interrupted, result.Outcome);
        Assert.Equal(stopAfterStep, result.Step);
        Assert.Equal(stopAfterStep, observer.Steps.Count);
        Assert.Equal("latentsynth train --resume " + dir, result.ResumeCommand);
        var state = new CheckpointStore(dir).Latest()!.State;
        Assert.Equal(stopAfterStep, state.Step);
        bool midEpoch = stopAfterStep % 5 != 0;
        Assert.Equal(midEpoch ? stopAfterStep % 5 : 0, state.StepInEpoch);
        Assert.Equal(midEpoch ? $"epoch-{stopAfterStep / 5}-step-{stopAfterStep}" : $"epoch-{stopAfterStep / 5}", Latest(dir));
        Assert.Equal(result.Checkpoint, Path.Combine(dir, "checkpoints", Latest(dir)));
        Assert.Equal(stopAfterStep / 5, new MetricsLog(dir).ReadCsv().Count);

        var resumed = Resume(dir);
        Assert.Equal(TrainingOutcome.Completed, resumed.Outcome);
        Assert.Equal(20, resumed.Step);
        AssertSameRun(Dir("straight"), dir, optimizers);
    }

    [Fact]
    public void ResumingAFinishedRunAsksForMoreEpochs()
    {
        var dir = Dir("done");
        Train(TestModels.Config("test-ae", dir, epochs: 1));
        var e = Assert.Throws<InvalidOperationException>(() => Resume(dir));
        Assert.Contains("already finished its 1 epochs; pass --epochs N with N > 1", e.Message);
        var a = Assert.Throws<ArgumentException>(() => Resume(Dir("nowhere")));
        Assert.Contains("does not exist", a.Message);
        Directory.CreateDirectory(Dir("empty"));
        a = Assert.Throws<ArgumentException>(() => Resume(Dir("empty")));
        Assert.Contains("has no run.json", a.Message);
    }

    [Fact]
    public void ResumingOnDifferentDataIsRefused()
    {
        var dir = Dir("changed");
        Train(TestModels.Config("test-ae", dir, epochs: 1));
        var e = Assert.Throws<InvalidOperationException>(() => new Trainer(new ToySource { TrainCount = 32 }).Resume(dir, epochs: 2));
        Assert.Contains("data 'toy' now has 32 training / 24 test examples, but run '" + dir + "' was trained on 40 / 24", e.Message);
    }

    [Fact]
    public void NonFiniteLossStopsNamingEpochStepAndTermAndKeepsTheLastGoodCheckpoint()
    {
        var dir = Dir("nan");
        // Global step 7 (0-based) is the third step of epoch 2.
        var config = TestModels.Config("test-vae", dir, epochs: 3, "nan_at_step=7");
        var e = Assert.Throws<NonFiniteLossException>(() => Train(config));
        Assert.Contains("loss term 'kl' is NaN at epoch 2, step 3 of 5 (step 8 of the run)", e.Message);
        Assert.Contains("epoch-1", e.Message);
        Assert.Equal((2, 3L, 8L, "kl"), (e.Epoch, e.StepInEpoch, e.Step, e.Term));
        Assert.True(double.IsNaN(e.Value));

        // The last good checkpoint stays the latest; the weights in the run folder are its weights.
        Assert.Equal("epoch-1", Latest(dir));
        Assert.Equal(["epoch-1"], CheckpointDirs(dir));
        TestModels.AssertSameTensors(Path.Combine(dir, "checkpoints", "epoch-1", "model.safetensors"), Path.Combine(dir, "model.safetensors"));
        using (var weights = SafeTensors.Read(Path.Combine(dir, "model.safetensors")))
            Assert.All(weights.Tensors.Values, t => Assert.True(t.IsFinite().All().Item() != 0));
        Assert.Single(new MetricsLog(dir).ReadCsv());
        var run = RunFolder.Open(dir);
        var (eval, checkpoint) = run.Evaluate(source);
        Assert.Equal("epoch-1", checkpoint!.Name);
        Assert.True(double.IsFinite(eval.Means["loss"]));
    }

    [Fact]
    public void NonFiniteLossInTheFirstEpochSaysNoCheckpointExists()
    {
        var e = Assert.Throws<NonFiniteLossException>(() => Train(TestModels.Config("test-vae", Dir("nan0"), epochs: 2, "nan_at_step=1")));
        Assert.Contains("epoch 1, step 2 of 5", e.Message);
        Assert.Contains("no checkpoint had been written yet", e.Message);
        Assert.Null(e.LastCheckpoint);
    }

    [Fact]
    public void SanityCheckNamesTheDataShapeAndTheModelsInputShape()
    {
        // A shape given explicitly that the data do not have: refused before anything is written.
        var dir = Dir("wide");
        var e = Assert.Throws<SanityCheckException>(() => Train(TestModels.Config("test-ae", dir, 1, "input_shape=[1,5,5]")));
        Assert.Contains("the data 'toy' has examples of shape [1, 4, 4] but model 'test-ae' expects input_shape [1, 5, 5]", e.Message);
        Assert.False(File.Exists(Path.Combine(dir, "run.json")));

        // A model whose network does not fit its own input_shape: libtorch's error, with both shapes.
        dir = Dir("broken");
        e = Assert.Throws<SanityCheckException>(() => Train(TestModels.Config("test-broken", dir, 1)));
        Assert.Contains("sanity check failed: the model could not compute its loss on one batch of 'toy' (batch shape [8, 1, 4, 4]; model 'test-broken' with input_shape [1, 4, 4])", e.Message);
        Assert.Contains("cannot be multiplied", e.Message); // libtorch's own words
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void SanityCheckDoesNotMoveTheRandomStream()
    {
        // The default generator when training starts must be where seeding and building the model
        // left it: the sanity check (which samples noise in a VAE's loss) puts it back.
        var config = TestModels.Config("test-vae", Dir("rng"), epochs: 1);
        Torch.ManualSeed(3);
        using (Models.ModelRegistry.Create(config.Model with { InputShape = [1, 4, 4] })) { }
        var expected = Torch.GetRngState();

        byte[]? atStart = null;
        var observer = new StartProbe(() => atStart = Torch.GetRngState());
        new Trainer(source, observer).Train(config);
        Assert.Equal(expected, atStart);
    }

    private sealed class StartProbe(Action probe) : ITrainingObserver
    {
        public void OnStart(TrainingStarted report) => probe();
    }

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("optimizer-model.safetensors")]
    [InlineData("trainer.json")]
    [BadInput("checkpoints", "a crash or kill while a checkpoint is being written", "the previous checkpoint stays the latest; `--resume` continues from it")]
    public void ACrashWhileWritingACheckpointLeavesThePreviousOneLatestAndResumeWorks(string crashAfter)
    {
        Train(TestModels.Config("test-vae", Dir("straight"), epochs: 4));

        var dir = Dir("crash");
        int commits = 0;
        var e = Assert.Throws<IOException>(() => Train(TestModels.Config("test-vae", dir, epochs: 4), hook: file =>
        {
            if (file == "commit") commits++;
            if (commits == 2 && file == crashAfter) throw new IOException("No space left on device (simulated)");
        }));
        Assert.Contains("checkpoint 'epoch-3' could not be written", e.Message);
        Assert.Contains("No space left on device (simulated)", e.Message);
        Assert.Contains("the latest checkpoint is still 'epoch-2'", e.Message);

        Assert.Equal("epoch-2", Latest(dir));
        var left = CheckpointDirs(dir);
        Assert.Equal(["epoch-1", "epoch-2"], left); // no half-written epoch-3, no temporary folder
        Assert.Equal(3, new MetricsLog(dir).ReadCsv().Count); // epoch 3's row was written before the crash

        var resumed = Resume(dir);
        Assert.Equal(TrainingOutcome.Completed, resumed.Outcome);
        AssertSameRun(Dir("straight"), dir, "model"); // metrics rewound to epoch 2, then redone
    }

    [Fact]
    public void ACrashBetweenRenameAndPointerUpdateIsHarmless()
    {
        Train(TestModels.Config("test-vae", Dir("straight"), epochs: 4));
        var dir = Dir("crash");
        int commits = 0;
        Assert.Throws<InvalidOperationException>(() => Train(TestModels.Config("test-vae", dir, epochs: 4), hook: file =>
        {
            if (file == "commit" && ++commits == 3) throw new InvalidOperationException("killed (simulated)");
        }));
        // epoch-3 is complete on disk but was never made the latest.
        Assert.Equal("epoch-2", Latest(dir));
        Assert.True(Directory.Exists(Path.Combine(dir, "checkpoints", "epoch-3")));

        Resume(dir);
        AssertSameRun(Dir("straight"), dir, "model");
    }

    [Fact]
    public void LeftoversOfAKilledWriteAreIgnoredAndCleanedUp()
    {
        var dir = Dir("killed");
        Train(TestModels.Config("test-ae", dir, epochs: 2));
        var checkpoints = Path.Combine(dir, "checkpoints");
        // What a kill -9 in the middle of writing epoch 3 could leave behind.
        var tmp = Directory.CreateDirectory(Path.Combine(checkpoints, ".epoch-3.tmp-0123456789abcdef")).FullName;
        File.WriteAllBytes(Path.Combine(tmp, "model.safetensors"), [1, 2, 3]);
        var half = Directory.CreateDirectory(Path.Combine(checkpoints, "epoch-9")).FullName;
        File.WriteAllBytes(Path.Combine(half, "model.safetensors"), [1, 2, 3]);
        File.WriteAllText(Path.Combine(checkpoints, ".latest.1234abcd.tmp"), "epoch-9");

        Assert.Equal("epoch-2", Latest(dir));
        Assert.Equal("epoch-2", RunFolder.Open(dir).LatestCheckpoint().Name);
        Resume(dir, epochs: 3);
        Assert.Equal("epoch-3", Latest(dir));
        Assert.Equal(["epoch-2", "epoch-3"], CheckpointDirs(dir));
    }

    [Fact]
    public void ACheckpointWithAMissingOrTruncatedFileIsReportedNotLoaded()
    {
        var dir = Dir("damaged");
        Train(TestModels.Config("test-ae", dir, epochs: 1));
        var opt = Path.Combine(dir, "checkpoints", "epoch-1", "optimizer-model.safetensors");
        File.WriteAllBytes(opt, File.ReadAllBytes(opt)[..100]);
        var e = Assert.Throws<IOException>(() => Resume(dir, epochs: 2));
        Assert.Contains("is corrupt: optimizer-model.safetensors is 100 bytes", e.Message);
        File.Delete(opt);
        e = Assert.Throws<IOException>(() => Resume(dir, epochs: 2));
        Assert.Contains("is incomplete: optimizer-model.safetensors is missing", e.Message);
    }

    [Fact]
    public void CheckpointEveryNEpochsStillWritesTheLastOne()
    {
        var dir = Dir("every2");
        var observer = new RecordingObserver();
        Train(TestModels.Config("test-ae", dir, epochs: 3, "checkpoint_every=2", "keep_checkpoints=5"), observer);
        Assert.Equal([2, 3], observer.Checkpoints.Select(c => c.EpochsDone));
        Assert.Equal(["epoch-2", "epoch-3"], CheckpointDirs(dir));
    }

    [Fact]
    public void LimitsTakeTheFirstExamples()
    {
        var observer = new RecordingObserver();
        Train(TestModels.Config("test-ae", Dir("limited"), 1, "limit_train=12", "limit_test=5"), observer);
        var start = observer.Starts.Single();
        Assert.Equal((12L, 5L, 2L), (start.TrainExamples, start.TestExamples, start.StepsPerEpoch));
    }

    [Fact]
    public void EvaluationReproducesTheLastValidationPass()
    {
        var dir = Dir("eval");
        var result = Train(TestModels.Config("test-ae", dir, epochs: 2));
        var (eval, checkpoint) = RunFolder.Open(dir).Evaluate(source);
        Assert.Equal("epoch-2", checkpoint!.Name);
        Assert.Equal(24, eval.Examples);
        Assert.Equal(["loss", "recon"], eval.Means.Keys);
        // Same weights, same batches, deterministic model: the very same number.
        Assert.Equal(result.LastValidation!.Means["loss"], eval.Means["loss"]);

        // A VAE's evaluation samples its code: both passes draw from the generator seeded by the run's seed.
        dir = Dir("eval-vae");
        result = Train(TestModels.Config("test-vae", dir, epochs: 2));
        (eval, _) = RunFolder.Open(dir).Evaluate(source);
        Assert.Equal(result.LastValidation!.Means, eval.Means);
    }

    [Fact]
    public void LiveTensorsStayFlatOverEpochsAndNothingLeaks()
    {
        long before = Torch.LiveTensors;
        var observer = new RecordingObserver();
        Train(TestModels.Config("test-wae", Dir("flat"), epochs: 6), observer);
        // After the first epoch (optimizer state created), every epoch ends with the same count.
        var counts = observer.LiveTensorsAtEpochEnd;
        Assert.Equal(6, counts.Count);
        Assert.All(counts.Skip(1), c => Assert.Equal(counts[1], c));
        Assert.Equal(before, Torch.LiveTensors);
    }

    [Fact]
    public void UnknownDatasetIsReportedByTheSource()
    {
        var e = Assert.Throws<ArgumentException>(() => Train(TestModels.Config("test-ae", Dir("x"), 1, "data=nope")));
        Assert.Contains("unknown dataset 'nope'", e.Message);
        Assert.False(Directory.Exists(Dir("x")));
    }
}
