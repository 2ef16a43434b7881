using System.CommandLine;
using System.Globalization;
using LatentSynth.Data;
using LatentSynth.Evaluation;
using LatentSynth.Evaluation.Imaging;
using LatentSynth.Torch;
using LatentSynth.Training;
using Spectre.Console;

namespace LatentSynth.Cli;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// The verbs that get pictures and codes out of a trained run folder: <c>sample</c>,
/// <c>reconstruct</c>, <c>interpolate</c>, <c>traverse</c> (PNG grids) and <c>encode</c> (latent
/// codes with labels, CSV or NPY). Each takes a run folder written by <c>train</c> (opened with
/// <see cref="RunFolder"/>: the latest checkpoint's weights), a
/// <c>--seed</c> (same seed, same picture) and writes into the run folder unless told otherwise.
/// <para>Output paths follow <see cref="UserPaths.CheckOutputFile"/>, checked before any work: never a
/// run's own files or checkpoints, never a file of another kind, an existing file only with
/// <c>--force</c> (a verb's own default file in the run folder, such as <c>RUN/samples.png</c>, is
/// regenerated without it). Counts are bounded before anything is allocated: at most
/// <see cref="MaxPictures"/> pictures in one PNG, and the PNG itself within the pixel limit of
/// <see cref="ImageGrid.Layout"/>.</para>
/// </summary>
public static class GenerateCommands
{
    /// <summary>
    /// Most pictures one PNG grid holds (<c>sample --n</c>, twice <c>reconstruct --n</c>,
    /// <c>interpolate --steps</c> × <c>--pairs</c>, <c>traverse --steps</c> × dimensions shown). A
    /// 100×100 grid is already more than anyone can look at; the decoded pictures of 10,000 examples
    /// of 3×64×64 take about 0.5 GB, so the bound also keeps memory bounded.
    /// </summary>
    public const int MaxPictures = 10_000;

    /// <summary>The five verbs.</summary>
    public static IEnumerable<Command> Create() => [Sample(), Reconstruct(), Interpolate(), Traverse(), Encode()];

    // ---- shared options ------------------------------------------------------------------------

    private static Argument<string> RunArgument() => new("RUN")
    {
        Description = "Run folder written by `latentsynth train` (the weights of its latest checkpoint are used)",
    };

    private static Option<int> SeedOption(string description = "Random seed: the same seed gives the same picture") => new("--seed")
    {
        Description = description,
        DefaultValueFactory = _ => 0,
    };

    private static Option<string?> PngOption(string fileName) => new("--png")
    {
        Description = $"PNG file to write [default: RUN/{fileName}]",
    };

    private static Option<bool> ForceOption() => new("--force")
    {
        Description = "Replace the output file when it already exists (never a run's own files; a verb's own default file in the run folder is always regenerated)",
    };

    private static Option<int?> ScaleOption() => new("--scale")
    {
        Description = $"Enlarge each picture by this integer factor [default: the smallest making its longer side ≥ {ImageGrid.AutoScaleTarget} px, 3 for 28×28]",
    };

    private static Option<string?> DataOption() => new("--data")
    {
        Description = "Dataset to take examples from [default: the run's training data, from run.json]",
    };

    private static Option<string> SplitOption()
    {
        var opt = new Option<string>("--split")
        {
            Description = "Which part of the dataset to take examples from",
            DefaultValueFactory = _ => "test",
        };
        opt.AcceptOnlyFromAmong("test", "train");
        return opt;
    }

    private static void AtLeast(string option, long value, long min)
    {
        if (value < min) throw new ArgumentException($"{option} must be at least {min}, got {value}");
    }

    private static Generator Seeded(int seed)
    {
        AtLeast("--seed", seed, 0);
        Torch.ManualSeed((ulong)seed);
        return new Generator((ulong)seed);
    }

    private static void Warn(string message) => AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(message)}");

    private static TensorDataset Split(DatasetSplits splits, string split) => split == "train" ? splits.Train : splits.Test;

    /// <summary>The file to write (given, or the default in the run folder), checked by the output-path policy.</summary>
    private static string OutputPath(RunFolder run, string? given, string fileName, string flag, string kind, bool force)
    {
        var path = given is null ? Path.Combine(run.Dir, fileName) : given;
        UserPaths.CheckOutputFile(flag, path, kind, force, ownDefault: fileName);
        return path;
    }

    /// <summary>Refuses more than <see cref="MaxPictures"/> pictures, naming the flags that set the count.</summary>
    private static void AtMostPictures(string what, long count)
    {
        if (count > MaxPictures)
            throw new ArgumentException($"{what}: {count} pictures, but one PNG holds at most {MaxPictures.ToString("N0", CultureInfo.InvariantCulture)}; ask for fewer");
    }

    /// <summary>Refuses, before decoding, a grid whose PNG would exceed the pixel limit of <see cref="ImageGrid.Layout"/>.</summary>
    private static void CheckGridSize(LatentSynth.Models.AutoencoderModel model, int count, int? columns, int? scale)
    {
        AtLeast("--scale", scale ?? 1, 1);
        var (_, h, w) = Generation.PictureShape(model.InputShape);
        try { ImageGrid.Layout(count, h, w, new GridOptions { Columns = columns, Scale = scale }); }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"--scale/--cols: {e.Message.Split(" (Parameter", 2)[0]}");
        }
    }

    private static Dictionary<string, string> PngText(RunFolder run, string description) => new()
    {
        ["Software"] = $"LatentSynth {Torch.Version}",
        ["Source"] = Png.ToLatin1($"run {Path.GetFullPath(run.Dir)} (model {run.Config.Model.Model})"),
        ["Description"] = Png.ToLatin1(description),
    };


    private static void Save(RunFolder run, PictureGrid grid, string path, int? scale, string description)
    {
        AtLeast("--scale", scale ?? 1, 1);
        var image = grid.SavePng(path, new GridOptions { Scale = scale }, PngText(run, description));
        AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(path)}[/]: {Markup.Escape(description)} ({image.Width}×{image.Height} px)");
    }

    private static string Label(long[] labels, long index) => labels[index].ToString(CultureInfo.InvariantCulture);

    private static Tensor Rows(TensorDataset data, long[] indices)
    {
        using var idx = Tensor.From(indices, indices.Length);
        return data.Examples.IndexSelect(0, idx);
    }

    // ---- sample --------------------------------------------------------------------------------

    private static Command Sample()
    {
        var runArg = RunArgument();
        var n = new Option<int>("--n") { Description = "Number of samples", DefaultValueFactory = _ => 64 };
        var cols = new Option<int?>("--cols") { Description = "Pictures per row [default: ceil(sqrt(n))]" };
        var png = PngOption("samples.png");
        var seed = SeedOption();
        var scale = ScaleOption();
        var force = ForceOption();
        var cmd = new Command("sample", "Draw codes from the prior, decode them and save the pictures as one PNG grid.")
        {
            runArg, n, cols, png, seed, scale, force,
        };
        cmd.SetAction(parse =>
        {
            int count = parse.GetValue(n);
            AtLeast("--n", count, 1);
            AtMostPictures($"--n {count}", count);
            if (parse.GetValue(cols) is int c) AtLeast("--cols", c, 1);
            using var generator = Seeded(parse.GetValue(seed));
            var run = RunFolder.Open(parse.GetValue(runArg)!);
            var file = OutputPath(run, parse.GetValue(png), "samples.png", "--png", "png", parse.GetValue(force));
            using var model = run.LoadModel();
            CheckGridSize(model, count, parse.GetValue(cols), parse.GetValue(scale));
            using var scope = Torch.NewScope();
            using var grid = Generation.Samples(model, count, generator, parse.GetValue(cols));
            Save(run, grid, file, parse.GetValue(scale),
                $"{count} samples from the prior, seed {parse.GetValue(seed)}");
            return 0;
        });
        return cmd;
    }

    // ---- reconstruct ---------------------------------------------------------------------------

    private static Command Reconstruct()
    {
        var runArg = RunArgument();
        var n = new Option<int>("--n") { Description = "Number of examples", DefaultValueFactory = _ => 16 };
        var png = PngOption("reconstructions.png");
        var seed = SeedOption();
        var data = DataOption();
        var split = SplitOption();
        var scale = ScaleOption();
        var force = ForceOption();
        var cmd = new Command("reconstruct", "Encode and decode random examples: originals in the top row, reconstructions below, as one PNG.")
        {
            runArg, n, png, seed, data, split, scale, force,
        };
        cmd.SetAction(parse =>
        {
            int count = parse.GetValue(n);
            AtLeast("--n", count, 1);
            AtMostPictures($"--n {count} (each example shown twice)", 2L * count);
            using var generator = Seeded(parse.GetValue(seed));
            var run = RunFolder.Open(parse.GetValue(runArg)!);
            var file = OutputPath(run, parse.GetValue(png), "reconstructions.png", "--png", "png", parse.GetValue(force));
            using var model = run.LoadModel();
            CheckGridSize(model, 2 * count, count, parse.GetValue(scale));
            using var splits = run.LoadData(Cli.DataSource, parse.GetValue(data), Warn);
            var set = Split(splits, parse.GetValue(split)!);
            if (count > set.Count) throw new ArgumentException($"--n {count} is more than the {set.Count} examples of {set.Name}");
            using var scope = Torch.NewScope();
            var indices = Generation.PickExamples(set, count, generator);
            var all = set.Labels?.ToArray<long>();
            var labels = all is null ? null : indices.Select(i => Label(all, i)).ToList();
            using var grid = Generation.Reconstructions(model, Rows(set, indices), labels);
            Save(run, grid, file, parse.GetValue(scale),
                $"{count} examples of {set.Name} (top) and their reconstructions (bottom), seed {parse.GetValue(seed)}");
            return 0;
        });
        return cmd;
    }

    // ---- interpolate ---------------------------------------------------------------------------

    private static Command Interpolate()
    {
        var runArg = RunArgument();
        var steps = new Option<int>("--steps") { Description = "Decoded points from one code to the other, both ends included", DefaultValueFactory = _ => 10 };
        var pairs = new Option<int>("--pairs") { Description = "Pairs of examples (of different classes), one row each", DefaultValueFactory = _ => 8 };
        var spherical = new Option<bool>("--spherical") { Description = "Interpolate along the great circle (slerp) instead of a straight line" };
        var png = PngOption("interpolations.png");
        var seed = SeedOption();
        var data = DataOption();
        var split = SplitOption();
        var scale = ScaleOption();
        var force = ForceOption();
        var cmd = new Command("interpolate", "Walk in latent space between the codes of pairs of examples of different classes; one PNG row per pair.")
        {
            runArg, steps, pairs, spherical, png, seed, data, split, scale, force,
        };
        cmd.SetAction(parse =>
        {
            int stepCount = parse.GetValue(steps), pairCount = parse.GetValue(pairs);
            AtLeast("--steps", stepCount, 2);
            AtLeast("--pairs", pairCount, 1);
            // Each row shows the two examples and the steps between them.
            AtMostPictures($"--steps {stepCount} × --pairs {pairCount} (plus the two ends of each row)", (stepCount + 2L) * pairCount);
            using var generator = Seeded(parse.GetValue(seed));
            var run = RunFolder.Open(parse.GetValue(runArg)!);
            var file = OutputPath(run, parse.GetValue(png), "interpolations.png", "--png", "png", parse.GetValue(force));
            using var model = run.LoadModel();
            CheckGridSize(model, (stepCount + 2) * pairCount, stepCount + 2, parse.GetValue(scale));
            using var splits = run.LoadData(Cli.DataSource, parse.GetValue(data), Warn);
            var set = Split(splits, parse.GetValue(split)!);
            if (2L * pairCount > set.Count) throw new ArgumentException($"--pairs {pairCount} needs {2 * pairCount} examples; {set.Name} has {set.Count}");
            using var scope = Torch.NewScope();
            var (a, b) = Generation.PickPairs(set, pairCount, generator);
            var all = set.Labels?.ToArray<long>();
            var rowLabels = all is null ? null : a.Zip(b, (i, j) => $"{Label(all, i)}→{Label(all, j)}").ToList();
            var kind = parse.GetValue(spherical) ? InterpolationKind.Spherical : InterpolationKind.Linear;
            using var grid = Generation.Interpolations(model, Rows(set, a), Rows(set, b), stepCount, kind, rowLabels);
            Save(run, grid, file, parse.GetValue(scale),
                $"{(kind == InterpolationKind.Spherical ? "spherical" : "linear")} interpolations between {pairCount} pairs of {set.Name}, {stepCount} steps, seed {parse.GetValue(seed)}");
            return 0;
        });
        return cmd;
    }

    // ---- traverse ------------------------------------------------------------------------------

    private static Command Traverse()
    {
        var runArg = RunArgument();
        var range = new Option<double>("--range") { Description = "Move each latent dimension from -range to +range", DefaultValueFactory = _ => 3.0 };
        var steps = new Option<int>("--steps") { Description = "Pictures per dimension", DefaultValueFactory = _ => 9 };
        var index = new Option<long?>("--index") { Description = "Example (index in the split) whose code is the centre [default: one drawn with --seed]" };
        var maxDims = new Option<int>("--max-dims")
        {
            Description = "Show at most this many dimensions; with more latent dimensions, those whose codes vary most over the split",
            DefaultValueFactory = _ => Generation.DefaultMaxTraversalDims,
        };
        var absolute = new Option<bool>("--absolute") { Description = "Set each dimension to the values themselves instead of offsetting the example's code" };
        var png = PngOption("traversals.png");
        var seed = SeedOption();
        var data = DataOption();
        var split = SplitOption();
        var scale = ScaleOption();
        var force = ForceOption();
        var cmd = new Command("traverse", "Vary one latent dimension at a time around the code of an example, the others fixed; one PNG row per dimension.")
        {
            runArg, range, steps, index, maxDims, absolute, png, seed, data, split, scale, force,
        };
        cmd.SetAction(parse =>
        {
            double r = parse.GetValue(range);
            if (!(r > 0) || double.IsInfinity(r)) throw new ArgumentException($"--range must be a positive number, got {r.ToString(CultureInfo.InvariantCulture)}");
            int stepCount = parse.GetValue(steps), dims = parse.GetValue(maxDims);
            AtLeast("--steps", stepCount, 2);
            AtLeast("--max-dims", dims, 1);
            AtMostPictures($"--steps {stepCount}", stepCount);
            using var generator = Seeded(parse.GetValue(seed));
            var run = RunFolder.Open(parse.GetValue(runArg)!);
            var file = OutputPath(run, parse.GetValue(png), "traversals.png", "--png", "png", parse.GetValue(force));
            using var model = run.LoadModel();
            int rows = Math.Min(dims, model.LatentDim);
            AtMostPictures($"--steps {stepCount} × {rows} dimensions (--max-dims)", (long)stepCount * rows);
            CheckGridSize(model, stepCount * rows, stepCount, parse.GetValue(scale));
            using var splits = run.LoadData(Cli.DataSource, parse.GetValue(data), Warn);
            var set = Split(splits, parse.GetValue(split)!);
            long i = parse.GetValue(index) ?? Generation.PickExamples(set, 1, generator)[0];
            if (i < 0 || i >= set.Count) throw new ArgumentException($"--index must be in [0, {set.Count - 1}] for {set.Name}, got {i}");
            using var scope = Torch.NewScope();
            var reference = model.LatentDim > dims ? set.Examples : null;
            using var grid = Generation.Traversals(model, set.Examples.Narrow(0, i, 1), r, stepCount, reference, dims, parse.GetValue(absolute));
            var label = set.Labels is null ? "" : $" (class {Label(set.Labels.ToArray<long>(), i)})";
            Save(run, grid, file, parse.GetValue(scale),
                $"traversals of {grid.Rows} latent dimensions around example {i}{label} of {set.Name}, " +
                $"{(parse.GetValue(absolute) ? "values" : "offsets")} -{r.ToString(CultureInfo.InvariantCulture)}..+{r.ToString(CultureInfo.InvariantCulture)} in {stepCount} steps");
            return 0;
        });
        return cmd;
    }

    // ---- encode --------------------------------------------------------------------------------

    private static Command Encode()
    {
        var runArg = RunArgument();
        var output = new Option<string?>("--out") { Description = "File to write: .csv (header z0..zK-1,label) or .npy (float32 [N, K], labels in FILE.labels.npy) [default: RUN/latents.csv]" };
        var data = DataOption();
        var split = SplitOption();
        var batch = new Option<int>("--batch-size") { Description = "Examples encoded at once", DefaultValueFactory = _ => Generation.DefaultBatchSize };
        var seed = SeedOption("Random seed for models that draw while encoding (the codes written are the deterministic ones)");
        var force = ForceOption();
        var cmd = new Command("encode", "Write the latent code (posterior mean for a VAE) of every example of a split, with its label.")
        {
            runArg, output, data, split, batch, seed, force,
        };
        cmd.SetAction(parse =>
        {
            AtLeast("--batch-size", parse.GetValue(batch), 1);
            using var generator = Seeded(parse.GetValue(seed));
            var run = RunFolder.Open(parse.GetValue(runArg)!);
            using var model = run.LoadModel();
            var path = parse.GetValue(output) ?? Path.Combine(run.Dir, "latents.csv");
            var ext = Path.GetExtension(path).ToLowerInvariant();
            if (ext is not (".csv" or ".npy")) throw new ArgumentException($"--out must end in .csv or .npy, got '{path}'");
            OutputPath(run, path, "latents.csv", "--out", ext[1..], parse.GetValue(force));
            // The labels of an NPY go beside it (x.npy → x.labels.npy): the same rules apply to that file.
            if (ext == ".npy") UserPaths.CheckOutputFile("--out", LatentCodes.LabelsPath(path), "npy", parse.GetValue(force));
            using var splits = run.LoadData(Cli.DataSource, parse.GetValue(data), Warn);
            var set = Split(splits, parse.GetValue(split)!);
            var codes = Generation.Encode(model, set, parse.GetValue(batch));
            var files = codes.Write(path);
            AnsiConsole.MarkupLine($"Wrote the {codes.Dim}-dimensional codes of the {codes.Count} examples of {Markup.Escape(set.Name)} to [bold]{Markup.Escape(string.Join(" and ", files))}[/]");
            return 0;
        });
        return cmd;
    }
}
