using System.CommandLine;
using LatentSynth.Data;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using LatentSynth.Models;
using LatentSynth.Models.Likelihoods;
using LatentSynth.Models.Networks;
using LatentSynth.Models.Priors;
using LatentSynth.Models.Regularizers;
using LatentSynth.Training;
using Spectre.Console;

namespace LatentSynth.Cli;

/// <summary>
/// <c>latentsynth train</c> and <c>latentsynth eval</c>: train a model of the zoo into a run folder
/// (with progress bar, validation, metrics, checkpoints, <c>--resume</c>, Ctrl-C) and report a run's
/// test-set loss.
/// </summary>
public static class TrainCommands
{
    /// <summary>Exit code of a run stopped by Ctrl-C after saving its checkpoint (128 + SIGINT, as shells use); SIGTERM gives <see cref="StopSignal.TerminateExitCode"/>.</summary>
    public const int InterruptedExitCode = StopSignal.InterruptExitCode;

    /// <summary>
    /// Flags that set a model key: flag, key (<c>model.NAME</c>, a property of the zoo's config
    /// records), help. The help is completed from the registries when the verb is built: the choices
    /// of the named components, the models that have the key and their defaults.
    /// </summary>
    private static readonly (string Flag, string Key, string Help, Func<IReadOnlyList<string>>? Choices)[] ModelFlags =
    [
        ("--arch", "model.arch", "Network family", () => NetworkRegistry.Registry.Names),
        ("--latent-dim", "model.latent_dim", "Latent dimensions", null),
        ("--prior", "model.prior", "Latent prior", () => PriorRegistry.Registry.Names),
        ("--recon", "model.recon", "Reconstruction objective", () => LikelihoodRegistry.Registry.Names),
        ("--kernel", "model.kernel", "MMD kernel", () => KernelRegistry.Registry.Names),
        ("--beta", "model.beta", "Weight β of the KL term", null),
        ("--warmup-epochs", "model.warmup_epochs", "Epochs of linear warm-up of the regularizer weight from 0 (fractions allowed)", null),
        ("--lambda", "model.lambda", "Weight λ of the latent regularizer", null),
    ];

    /// <summary>The flags of <c>train</c> that set a model key, with that key (<c>model.NAME</c>).</summary>
    public static IReadOnlyList<(string Flag, string Key)> ModelFlagKeys => ModelFlags.Select(f => (f.Flag, f.Key)).ToList();

    /// <summary>
    /// "Latent prior: mog, normal, sphere or uniform (vae, wae-mmd) [default: normal]": the choices, the
    /// registered models that have the key (all when none is named) and their default values.
    /// </summary>
    private static string FlagHelp(string key, string help, Func<IReadOnlyList<string>>? choices)
    {
        var name = key["model.".Length..];
        var models = ModelRegistry.All.Where(m => RunConfigBuilder.SettableKeys(m.ConfigType).Contains(name)).ToList();
        var text = help;
        if (choices is not null) text += ": " + OrList(choices());
        if (models.Count < ModelRegistry.All.Count) text += $" ({string.Join(", ", models.Select(m => m.Name))})";
        var defaults = models.Select(m => (m.Name, Value: DefaultValue(m.Name, name))).ToList();
        var distinct = defaults.Select(d => d.Value).Distinct().ToList();
        var shown = distinct.Count == 1 ? distinct[0] : string.Join(", ", defaults.Select(d => $"{d.Name} {d.Value}"));
        return $"{text} [default: {shown}]";
    }

    private static string DefaultValue(string model, string key)
    {
        var node = JsonNode.Parse(ModelRegistry.ToJson(ModelRegistry.DefaultConfig(model)))?[key];
        return node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node?.ToJsonString() ?? "null";
    }

    private static string OrList(IReadOnlyList<string> names) =>
        names.Count <= 1 ? string.Join("", names) : string.Join(", ", names.Take(names.Count - 1)) + " or " + names[^1];

    /// <summary>Builds the <c>train</c> verb.</summary>
    public static Command Train() => Train("train", "Train a model into a run folder: progress bar, validation each epoch, metrics, atomic checkpoints; Ctrl-C saves and stops.");

    /// <summary>
    /// Builds a training verb with every flag of <c>train</c>: <paramref name="extra"/> options are added,
    /// <paramref name="presets"/> sets keys before the user's flags (which override them; it receives the
    /// model the user named, if any, so it sets model keys only for the model they belong to), and
    /// <paramref name="prepare"/> may rewrite the validated config before training starts (e.g. to
    /// prepare and name the data). <paramref name="complete"/> runs after every flag, <c>--config</c> and <c>--set</c>
    /// and before the config is built: it may fill in defaults for keys left unassigned
    /// (<see cref="RunConfigBuilder.TryGetAssigned"/>) or refuse the combination. The flags named in
    /// <paramref name="refused"/> are hidden from the help and refused with the given message when given.
    /// <paramref name="help"/> replaces the help of the flags it names (e.g. <c>--data</c>, <c>--model</c>).
    /// <paramref name="checkResume"/> receives the run folder of <c>--resume</c> before it is continued, to refuse it.
    /// Used by <c>train</c>, <c>audio train</c> and <c>music train</c>.
    /// </summary>
    internal static Command Train(string name, string description, IReadOnlyList<Option>? extra = null,
        Action<RunConfigBuilder, string?>? presets = null, Func<ParseResult, RunConfig, RunConfig>? prepare = null,
        Action<RunConfigBuilder>? complete = null, IReadOnlyDictionary<string, string>? refused = null,
        IReadOnlyDictionary<string, string>? help = null, Action<string>? checkResume = null)
    {
        var defaults = new TrainingConfig();
        var data = new Option<string?>("--data") { Description = $"Dataset: {string.Join(", ", LatentSynth.Data.DatasetCatalog.List().Select(d => d.Name))} [default: {defaults.Data}]" };
        var model = new Option<string?>("--model") { Description = "Model: " + string.Join(", ", ModelRegistry.All.Select(m => m.Name)) + " (required unless --config names one)" };
        var hidden = new Option<string[]?>("--hidden")
        {
            Description = FlagHelp("model.hidden", "Hidden widths, encoder side (the decoder mirrors them): --hidden 512 256 or --hidden 512,256", null),
            AllowMultipleArgumentsPerToken = true,
        };
        var epochs = new Option<int?>("--epochs") { Description = $"Epochs to train (with --resume: the new total) [default: {defaults.Epochs}]" };
        var batch = new Option<int?>("--batch-size") { Description = $"Examples per step [default: {defaults.BatchSize}]" };
        var lr = new Option<double?>("--lr") { Description = $"Learning rate [default: {defaults.Lr.ToString(CultureInfo.InvariantCulture)}]" };
        var seed = new Option<long?>("--seed") { Description = $"Random seed: same seed, same run [default: {defaults.Seed}]" };
        var outDir = new Option<string?>("--out") { Description = $"Run folder to create [default: {defaults.Out}]" };
        var limitTrain = new Option<long?>("--limit-train") { Description = "Use only the first N training examples (tiny runs) [default: all]" };
        var limitTest = new Option<long?>("--limit-test") { Description = "Use only the first N test examples (tiny runs) [default: all]" };
        var config = new Option<string?>("--config") { Description = "Run config JSON {\"model\": {...}, \"training\": {...}} (a run's run.json works); flags and --set override it" };
        var set = new Option<string[]>("--set")
        {
            Description = "Override one key: --set beta=4, --set training.lr=1e-4, --set hidden=[512,256] (repeatable; applied last)",
            DefaultValueFactory = _ => [],
        };
        var resume = new Option<string?>("--resume") { Description = "Continue the run in this folder from its latest checkpoint (only --epochs and --allow-data-change may be combined)" };
        var allowDataChange = new Option<bool>("--allow-data-change")
        {
            Description = "With --resume: continue even though the training data changed since the checkpoint (one warning instead of a refusal) [default: false]",
        };
        var modelFlags = ModelFlags.Select(f => (Option: (Option)(f.Flag switch
        {
            "--latent-dim" => new Option<int?>(f.Flag) { Description = FlagHelp(f.Key, f.Help, f.Choices) },
            "--beta" or "--lambda" or "--warmup-epochs" => new Option<double?>(f.Flag) { Description = FlagHelp(f.Key, f.Help, f.Choices) },
            _ => new Option<string?>(f.Flag) { Description = FlagHelp(f.Key, f.Help, f.Choices) },
        }), f.Key)).ToList();

        var cmd = new Command(name, description);
        foreach (var o in extra ?? []) cmd.Options.Add(o);
        if (prepare is null) cmd.Options.Add(data); // a verb that prepares its own data names it
        cmd.Options.Add(model);
        foreach (var (option, _) in modelFlags.Take(2)) cmd.Options.Add(option);
        cmd.Options.Add(hidden);
        foreach (var (option, _) in modelFlags.Skip(2)) cmd.Options.Add(option);
        foreach (var o in new Option[] { epochs, batch, lr, seed, outDir, limitTrain, limitTest, config, set, resume, allowDataChange }) cmd.Options.Add(o);
        var launch = new DistributedLaunch.Options();
        foreach (var o in launch.All) cmd.Options.Add(o);
        foreach (var o in cmd.Options)
        {
            if (refused?.ContainsKey(o.Name) == true) o.Hidden = true;
            if (help?.TryGetValue(o.Name, out var text) == true) o.Description = text;
        }

        cmd.SetAction(parse => Guard(() =>
        {
            foreach (var o in cmd.Options)
                if (refused is not null && refused.TryGetValue(o.Name, out var why) && parse.GetResult(o) is { Implicit: false })
                    throw new ArgumentException(why);
            // --nproc N (or --nnodes): this process checks and prepares the run once, then starts the workers and
            // supervises them; each runs this same verb. A worker of a new run takes the config its launcher prepared.
            var plan = DistributedLaunch.Read(parse, launch);
            var workerArgs = DistributedLaunch.WorkerArguments(parse.Tokens.Select(t => t.Value));
            if (WorkerPlace.FromEnvironment() is not null && DistributedLaunch.PreparedConfig() is { } prepared)
                return RunNew(prepared);
            var resumeDir = parse.GetValue(resume);
            if (resumeDir is not null)
            {
                var others = cmd.Options.Where(o => o != resume && o != epochs && o != allowDataChange && !launch.All.Contains(o) && parse.GetResult(o) is { Implicit: false })
                    .Select(o => o.Name).ToList();
                if (others.Count > 0)
                    throw new ArgumentException($"--resume continues '{resumeDir}' with its own configuration ({RunFolder.ConfigFile}); " +
                                                $"{string.Join(", ", others)} cannot be combined with it (only --epochs can, to extend the run)");
                checkResume?.Invoke(resumeDir);
                if (plan is not null) return DistributedLaunch.Run(plan, workerArgs, prepared: null);
                return RunResume(resumeDir, parse.GetValue(epochs), parse.GetValue(allowDataChange));
            }
            if (parse.GetValue(allowDataChange))
                throw new ArgumentException("--allow-data-change applies only to --resume RUN (a new run records the data it is given)");

            var builder = new RunConfigBuilder();
            presets?.Invoke(builder, parse.GetResult(model) is { Implicit: false } ? parse.GetValue(model) : null);
            if (parse.GetValue(config) is { } file) builder = RunConfigBuilder.FromFile(file);
            void Put(Option option, string key, JsonNode? value)
            {
                if (parse.GetResult(option) is { Implicit: false }) builder.Set(key, value, option.Name);
            }
            Put(model, "model.model", parse.GetValue(model));
            Put(data, "training.data", parse.GetValue(data));
            foreach (var (option, key) in modelFlags)
            {
                JsonNode? value = option switch
                {
                    Option<int?> o => parse.GetValue(o),
                    Option<double?> o => parse.GetValue(o),
                    Option<string?> o => parse.GetValue(o),
                    _ => null,
                };
                Put(option, key, value);
            }
            if (parse.GetResult(hidden) is { Implicit: false }) builder.Set("model.hidden", ParseHidden(parse.GetValue(hidden) ?? []), "--hidden");
            Put(epochs, "training.epochs", parse.GetValue(epochs));
            Put(batch, "training.batch_size", parse.GetValue(batch));
            Put(lr, "training.lr", parse.GetValue(lr));
            Put(seed, "training.seed", parse.GetValue(seed));
            Put(outDir, "training.out", parse.GetValue(outDir));
            Put(limitTrain, "training.limit_train", parse.GetValue(limitTrain));
            Put(limitTest, "training.limit_test", parse.GetValue(limitTest));
            foreach (var assignment in parse.GetValue(set) ?? []) builder.SetAssignment(assignment);
            complete?.Invoke(builder);
            var run = builder.Build();
            // Before prepare, which may already write into the run folder (audio train's frames).
            UserPaths.CheckOutputFolder("--out", run.Training.Out);
            if (prepare is not null) run = prepare(parse, run);
            if (plan is not null) return DistributedLaunch.Run(plan, workerArgs, run);
            return RunNew(run);
        }));
        return cmd;
    }

    /// <summary>Reads <c>--hidden</c>: tokens holding integers separated by commas, spaces or brackets.</summary>
    private static JsonArray ParseHidden(string[] tokens)
    {
        var array = new JsonArray();
        foreach (var part in tokens.SelectMany(t => t.Split([',', ' ', '[', ']'], StringSplitOptions.RemoveEmptyEntries)))
        {
            if (!int.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var width))
                throw new ConfigException([$"--hidden: '{part}' is not an integer (write --hidden 512 256 or --hidden 512,256)"]);
            array.Add(width);
        }
        if (array.Count == 0) throw new ConfigException(["--hidden: give at least one width"]);
        return array;
    }

    /// <summary>Builds the <c>eval</c> verb.</summary>
    public static Command Eval()
    {
        var run = new Argument<string>("run") { Description = "Run folder (written by train)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table [default: false]" };
        var cmd = new Command("eval", "Test-set loss and each loss term per example of a run's latest checkpoint.") { run, json };
        cmd.SetAction(parse => Guard(() => RunEval(parse.GetValue(run)!, parse.GetValue(json))));
        return cmd;
    }

    /// <summary>Permission problems become <see cref="IOException"/>s, which the command line prints as one error line.</summary>
    private static int Guard(Func<int> action)
    {
        try { return action(); }
        catch (UnauthorizedAccessException e) { throw new IOException(e.Message, e); }
    }

    private static void Warn(string message) => AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(message)}");

    private static int RunNew(RunConfig config)
    {
        AnsiConsole.MarkupLine($"[bold]train[/] {Markup.Escape(config.Model.Model)} on {Markup.Escape(config.Training.Data)} → {Markup.Escape(config.Training.Out)}");
        return WithProgress((trainer, token) => trainer.Train(config, token));
    }

    private static int RunResume(string runDir, int? epochs, bool allowDataChange)
    {
        AnsiConsole.MarkupLine($"[bold]resume[/] {Markup.Escape(runDir)}");
        return WithProgress((trainer, token) => trainer.Resume(runDir, epochs, allowDataChange, token));
    }

    /// <summary>
    /// Runs training under a progress bar, with Ctrl-C wired to cancellation; prints the summary. In a data-parallel
    /// worker (RANK, WORLD_SIZE set: <see cref="WorkerPlace"/>) the trainer joins the group first; rank 0 draws the
    /// progress, the other ranks train quietly.
    /// </summary>
    private static int WithProgress(Func<Trainer, CancellationToken, TrainingResult> train)
    {
        // First SIGINT (Ctrl-C) or SIGTERM: finish the step, save, stop. A second one is not
        // intercepted and ends the process (the checkpoints stay consistent: they are committed atomically).
        using var stop = new StopSignal();
        var place = WorkerPlace.FromEnvironment();
        using var group = place is null ? null : GlooGroup.Join(place.Rank, place.WorldSize, place.MasterAddress, place.MasterPort, place.Timeout);
        if (group is not null)
        {
            group.OverlapGradients = place!.OverlapGradients;
            group.BucketBytes = place.BucketBytes;
        }
        if (place is not null && place.Rank != 0)
        {
            var quiet = train(new Trainer(Cli.DataSource, null, Warn) { Group = group, LocalWorkers = place.LocalWorldSize }, stop.Token);
            return quiet.Outcome == TrainingOutcome.Interrupted ? stop.ExitCode : 0;
        }
        var observer = new ProgressObserver();
        var result = AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                observer.Context = ctx;
                return train(new Trainer(Cli.DataSource, observer, Warn) { Group = group, LocalWorkers = place?.LocalWorldSize ?? 1 }, stop.Token);
            });

        if (result.Outcome == TrainingOutcome.Interrupted)
        {
            var by = stop.Description is { } d ? $" by {d}" : "";
            AnsiConsole.MarkupLine($"[yellow]Interrupted[/]{Markup.Escape(by)} after {Count(result.Step, "step")} ({Count(result.EpochsDone, "complete epoch")}); checkpoint saved in {Markup.Escape(result.Checkpoint)}.");
            // A data-parallel run resumes only on its own world size (the trainer refuses another): say how to launch it.
            var command = result.ResumeCommand + (place is not null && place.WorldSize == place.LocalWorldSize ? $" --nproc {place.WorldSize}" : "");
            var note = place is not null && place.WorldSize != place.LocalWorldSize ? $", with the same launch options on every machine ({place.WorldSize} processes)" : "";
            AnsiConsole.MarkupLine($"Resume with: [bold]{Markup.Escape(command)}[/]{Markup.Escape(note)}");
            return stop.ExitCode;
        }
        if (group?.GradientSummary is { } summary) AnsiConsole.MarkupLine($"data-parallel: {Markup.Escape(summary)}");
        var val = result.LastValidation is { } v ? $" validation loss {Fmt(v.Means["loss"])} per example;" : "";
        AnsiConsole.MarkupLine($"[green]Done[/]: {Count(result.EpochsDone, "epoch")}, {Count(result.Step, "step")};{val} run folder {Markup.Escape(result.RunDir)}");
        return 0;
    }

    private static string Count(long n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    private static string Fmt(double v) => double.IsFinite(v)
        ? Math.Abs(v) >= 1000 || Math.Abs(v) < 0.01 && v != 0 ? v.ToString("G5", CultureInfo.InvariantCulture) : v.ToString("F4", CultureInfo.InvariantCulture)
        : v.ToString(CultureInfo.InvariantCulture);

    private static int RunEval(string runDir, bool json)
    {
        var run = RunFolder.Open(runDir);
        Action<string> warn = json ? m => Console.Error.WriteLine("warning: " + m) : Warn;
        var (result, checkpoint) = run.Evaluate(Cli.DataSource, warn);
        if (json)
        {
            var terms = new JsonObject();
            foreach (var (k, v) in result.Means) if (k != "loss") terms[k] = double.IsFinite(v) ? v : null;
            var obj = new JsonObject
            {
                ["run"] = runDir,
                ["model"] = run.Config.Model.Model,
                ["data"] = run.Config.Training.Data,
                ["checkpoint"] = checkpoint?.Name,   // null: the weights came from model.safetensors (no checkpoints)
                ["weights"] = checkpoint?.ModelPath ?? run.WeightsPath,
                ["epochs"] = checkpoint?.State.EpochsDone,
                ["step"] = checkpoint?.State.Step,
                ["examples"] = result.Examples,
                ["loss"] = double.IsFinite(result.Means["loss"]) ? result.Means["loss"] : null,
                ["terms"] = terms,
            };
            Console.Out.WriteLine(obj.ToJsonString());
            return 0;
        }
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(runDir)}[/]: {Markup.Escape(run.Config.Model.Model)} on {Markup.Escape(run.Config.Training.Data)}, " +
                               (checkpoint is null
                                   ? $"weights {Markup.Escape(run.WeightsPath)} (no checkpoints), "
                                   : $"checkpoint {Markup.Escape(checkpoint.Name)} ({checkpoint.State.EpochsDone} epochs, {checkpoint.State.Step} steps), ") +
                               $"{result.Examples} test examples");
        var table = new Table().Border(TableBorder.Rounded).AddColumn("term").AddColumn(new TableColumn("per example").RightAligned());
        foreach (var (k, v) in result.Means) table.AddRow(k == "loss" ? "[bold]loss[/]" : Markup.Escape(k), Fmt(v));
        AnsiConsole.Write(table);
        return 0;
    }

    /// <summary>Renders the trainer's reports as one progress task over all steps, with ETA and live loss terms.</summary>
    private sealed class ProgressObserver : ITrainingObserver
    {
        private ProgressTask? task;
        private readonly Stopwatch sinceUpdate = Stopwatch.StartNew();

        public ProgressContext? Context { get; set; }

        public void OnStart(TrainingStarted r)
        {
            var what = r.ResumedFrom is null ? "" : $" (resumed from {r.ResumedFrom})";
            AnsiConsole.MarkupLine(Markup.Escape(
                $"{r.Model}: {r.ParameterCount:N0} parameters; {r.Data}: {r.TrainExamples} train / {r.TestExamples} test examples; " +
                $"{Count(r.Epochs, "epoch")} × {Count(r.StepsPerEpoch, "step")}{what}"));
            task = Context?.AddTask("starting", maxValue: Math.Max(1, r.TotalSteps));
            if (task is not null) task.Value = r.StartStep;
        }

        public void OnStep(StepReport r)
        {
            if (task is null) return;
            bool epochDone = r.StepInEpoch == r.StepsPerEpoch;
            if (!epochDone && sinceUpdate.ElapsedMilliseconds < 200) return;
            sinceUpdate.Restart();
            task.Value = r.Step;
            var terms = string.Join("  ", r.EpochMean.Select(kv => $"{kv.Key} {Fmt(kv.Value)}"));
            var eta = r.Eta is { } t ? $"  ETA {(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : "";
            task.Description = Markup.Escape($"epoch {r.Epoch}/{r.Epochs}  {terms}{eta}");
        }

        public void OnWarning(string message) => Warn(message);

        public void OnEpochEnd(EpochReport r)
        {
            var val = string.Join("  ", r.Validation.Select(kv => $"{kv.Key} {Fmt(kv.Value)}"));
            AnsiConsole.MarkupLine(Markup.Escape($"epoch {r.Epoch}/{r.Epochs}: train loss {Fmt(r.Train.GetValueOrDefault("loss", double.NaN))}; validation {val}; {r.Seconds:F1} s"));
        }
    }
}
