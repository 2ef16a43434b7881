using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LatentSynth.Evaluation.Plots;
using LatentSynth.Torch;
using LatentSynth.Torch.NN;
using LatentSynth.Torch.Optim;
using Spectre.Console;

namespace LatentSynth.Cli;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// <c>latentsynth demo</c>: what the toolkit can do today, end to end in about a minute. An MLP
/// autoencoder (64-128-3-128-64) learns data generated from a 3-dimensional latent manifold; the
/// loss is printed as it falls, and the run folder receives the weights (safetensors), the
/// optimizer state, the metrics (CSV) and a loss-curve picture (SVG).
/// </summary>
public static class DemoCommand
{
    /// <summary>Builds the verb.</summary>
    public static Command Create()
    {
        var outOpt = new Option<string>("--out") { Description = "Run folder for the results", DefaultValueFactory = _ => "runs/demo" };
        var epochsOpt = new Option<int>("--epochs") { Description = "Training epochs", DefaultValueFactory = _ => 100 };
        var seedOpt = new Option<int>("--seed") { Description = "Random seed (same seed, same run)", DefaultValueFactory = _ => 0 };
        var cmd = new Command("demo", "Train a small MLP autoencoder on generated data and show its loss falling.")
        {
            outOpt, epochsOpt, seedOpt,
        };
        cmd.SetAction(parse => Run(parse.GetValue(outOpt)!, parse.GetValue(epochsOpt), parse.GetValue(seedOpt)));
        return cmd;
    }

    private const int Dim = 64, LatentDim = 3, Train = 3600, Validation = 400, Batch = 128;

    /// <summary>Runs the demo; returns the process exit code.</summary>
    public static int Run(string outDir, int epochs, int seed)
    {
        if (epochs < 1) throw new ArgumentException($"--epochs must be at least 1, got {epochs}");
        if (seed < 0) throw new ArgumentException($"--seed must be non-negative, got {seed}");
        Directory.CreateDirectory(outDir);
        Torch.ManualSeed((ulong)seed);

        var (xTrain, xVal) = MakeData();
        using var _t = xTrain;
        using var _v = xVal;
        using var model = new Sequential(
            ("encoder", new Sequential(new Linear(Dim, 128), new ReLU(), new Linear(128, LatentDim))),
            ("decoder", new Sequential(new Linear(LatentDim, 128), new ReLU(), new Linear(128, Dim))));
        using var opt = new Adam(model.Parameters(), lr: 3e-3);
        int stepsPerEpoch = (Train + Batch - 1) / Batch;
        var sched = SequentialLR.WarmupCosine(opt, warmupSteps: stepsPerEpoch, totalSteps: epochs * stepsPerEpoch);

        AnsiConsole.MarkupLine($"[bold]LatentSynth demo[/]: MLP autoencoder {Dim}-128-{LatentDim}-128-{Dim} on {Train} generated vectors " +
                               $"({Validation} held out), Adam 3e-3 with warm-up + cosine, {epochs} epochs, seed {seed}");
        var rows = new List<(int Epoch, double Train, double Val, double Lr)>();
        double firstVal = Evaluate(model, xVal);
        rows.Add((0, double.NaN, firstVal, opt.LearningRate));
        var sw = Stopwatch.StartNew();

        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: epochs);
                for (int epoch = 1; epoch <= epochs; epoch++)
                {
                    double sum = 0;
                    using (var perm = Torch.Randperm(Train))
                    {
                        for (long i = 0; i < Train; i += Batch)
                        {
                            using var scope = Torch.NewScope();
                            var x = xTrain.IndexSelect(0, perm.Slice(0, i, Math.Min(i + Batch, Train)));
                            opt.ZeroGrad();
                            var loss = F.MseLoss(model.Forward(x), x);
                            loss.Backward();
                            opt.Step();
                            sched.Step();
                            sum += loss.Item() * x.Size(0);
                        }
                    }
                    double trainLoss = sum / Train, valLoss = Evaluate(model, xVal);
                    rows.Add((epoch, trainLoss, valLoss, opt.LearningRate));
                    task.Description = $"epoch {epoch}/{epochs}  train {trainLoss:F5}  val {valLoss:F5}";
                    task.Increment(1);
                }
            });

        var table = new Table().Border(TableBorder.Rounded).AddColumns("epoch", "train MSE", "validation MSE");
        foreach (var r in rows.Where(r => r.Epoch == 0 || r.Epoch % Math.Max(1, epochs / 8) == 0 || r.Epoch == epochs))
            table.AddRow(r.Epoch.ToString(), double.IsNaN(r.Train) ? "-" : r.Train.ToString("F5"), r.Val.ToString("F5"));
        AnsiConsole.Write(table);

        double lastVal = rows[^1].Val;
        model.Save(Path.Combine(outDir, "model.safetensors"));
        opt.Save(Path.Combine(outDir, "optimizer.safetensors"));
        WriteMetrics(Path.Combine(outDir, "metrics.csv"), rows);
        File.WriteAllText(Path.Combine(outDir, "loss.svg"), LossChart(rows));
        File.WriteAllText(Path.Combine(outDir, "config.json"), JsonSerializer.Serialize(new
        {
            kind = "demo-mlp-autoencoder",
            dim = Dim, latent_dim = LatentDim, hidden = 128, train = Train, validation = Validation,
            batch_size = Batch, lr = 3e-3, epochs, seed,
            latentsynth = Torch.Version, libtorch = Torch.LibTorchVersion, threads = Torch.NumThreads,
        }, new JsonSerializerOptions { WriteIndented = true }));

        AnsiConsole.MarkupLine($"Validation MSE fell from [bold]{firstVal:F5}[/] to [bold]{lastVal:F5}[/] " +
                               $"([green]{firstVal / lastVal:F0}x lower[/]) in {sw.Elapsed.TotalSeconds:F1} s.");
        AnsiConsole.MarkupLine($"Results in [bold]{Markup.Escape(Path.GetFullPath(outDir))}[/]: model.safetensors, optimizer.safetensors, metrics.csv, loss.svg, config.json");
        return 0;
    }

    /// <summary>
    /// Data on a curved 3-D manifold in 64-D: z ~ U(-1, 1)^3, x = tanh(A·sin(B z + c)) with fixed
    /// random A, B, c, plus a little noise. Returns (train, validation).
    /// </summary>
    private static (Tensor Train, Tensor Validation) MakeData()
    {
        using var scope = Torch.NewScope();
        var b = Torch.Randn(LatentDim, 16);
        var c = Torch.Rand(16) * Math.PI;
        var a = Torch.Randn(16, Dim) * 0.5;
        var z = Torch.Rand(Train + Validation, LatentDim) * 2.0 - 1.0;
        var x = ((z.Matmul(b) + c).Sin().Matmul(a)).Tanh() + Torch.Randn(Train + Validation, Dim) * 0.01;
        return (x.Narrow(0, 0, Train).Contiguous().DetachFromScope(), x.Narrow(0, Train, Validation).Contiguous().DetachFromScope());
    }

    private static double Evaluate(Module<Tensor, Tensor> model, Tensor x)
    {
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        return F.MseLoss(model.Forward(x), x).Item();
    }

    private static void WriteMetrics(string path, List<(int Epoch, double Train, double Val, double Lr)> rows)
    {
        var sb = new StringBuilder("epoch,train_mse,val_mse,lr\n");
        foreach (var r in rows)
            sb.Append(CultureInfo.InvariantCulture, $"{r.Epoch},{(double.IsNaN(r.Train) ? "" : r.Train.ToString("R", CultureInfo.InvariantCulture))},{r.Val.ToString("R", CultureInfo.InvariantCulture)},{r.Lr.ToString("R", CultureInfo.InvariantCulture)}\n");
        File.WriteAllText(path, sb.ToString());
    }

    /// <summary>The losses on a log scale, drawn by the project's chart renderer.</summary>
    private static string LossChart(List<(int Epoch, double Train, double Val, double Lr)> rows) =>
        Charts.Line(
            [
                new LineSeries("train", rows.Where(r => !double.IsNaN(r.Train)).Select(r => ((double)r.Epoch, r.Train)).ToList()),
                new LineSeries("validation", rows.Select(r => ((double)r.Epoch, r.Val)).ToList()),
            ],
            new ChartOptions
            {
                Title = "Demo autoencoder: mean squared error per element",
                XLabel = "epoch",
                YLabel = "MSE (log scale)",
                LogY = true,
            });
}
