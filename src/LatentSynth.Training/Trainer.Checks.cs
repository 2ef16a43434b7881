using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using LatentSynth.Data;
using LatentSynth.Models;
using LatentSynth.Torch;

namespace LatentSynth.Training;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>The trainer's checks before a run starts: the config, the data (loading, limits, fingerprint, shape) and one batch of the loss.</summary>
public sealed partial class Trainer
{
    /// <summary>
    /// The trainer's check of a config: free for one built by <see cref="RunConfigBuilder"/> (already
    /// validated), a real check for one a caller built or changed by hand (<see cref="RunConfig.EnsureValid"/>).
    /// </summary>
    private static void Validate(RunConfig config) => config.EnsureValid();

    /// <summary>Takes <c>input_shape</c> from the data and runs the checks that depend on it (the rest passed before).</summary>
    private static RunConfig WithShapeOf(RunConfig config, DatasetSplits data)
    {
        var shape = data.Train.ItemShape;
        config = config with { Model = config.Model with { InputShape = shape }, InputShapeFromData = false };
        var problems = config.Model.InputShapeProblems().ToList();
        if (problems.Count > 0)
            throw new ConfigException(problems.Select(p => $"model.{p} (input_shape {Shape(shape)} is that of the data '{config.Training.Data}')").ToList());
        config.MarkValid();
        return config;
    }

    /// <summary>
    /// Loads the splits named by <see cref="TrainingConfig.Data"/> and applies the limits; the caller
    /// owns the result.
    /// </summary>
    /// <exception cref="ArgumentException">A split is empty.</exception>
    public static DatasetSplits LoadData(IDatasetSource source, TrainingConfig training, Action<string>? warn)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(training);
        DatasetSplits splits;
        try { splits = source.Load(training.Data, warn); }
        catch (Exception e) when (e is InvalidDataException or FormatException or UnauthorizedAccessException)
        {
            throw new IOException($"data '{training.Data}' cannot be loaded: {e.Message}", e);
        }
        var train = splits.Train;
        var test = splits.Test;
        try
        {
            if (training.LimitTrain is { } lt && lt < train.Count) train = train.Take(lt);
            if (training.LimitTest is { } ls && ls < test.Count) test = test.Take(ls);
        }
        catch
        {
            if (!ReferenceEquals(train, splits.Train)) train.Dispose();
            splits.Dispose();
            throw;
        }
        if (!ReferenceEquals(train, splits.Train)) splits.Train.Dispose();
        if (!ReferenceEquals(test, splits.Test)) splits.Test.Dispose();
        var result = new DatasetSplits(train, test);
        if (train.Count == 0 || test.Count == 0)
        {
            result.Dispose();
            throw new ArgumentException($"data '{training.Data}': the {(train.Count == 0 ? "training" : "test")} split is empty; training needs examples in both");
        }
        return result;
    }

    /// <summary>
    /// The fingerprint of a training split, <c>sha256:HEX</c>: SHA-256 over its example shape
    /// (count and item dimensions, as little-endian 64-bit integers) and the float32 bytes of every
    /// example in order. Computed once per training call, in chunks (no copy of the whole split);
    /// SHA-256 because it is built into .NET and fast enough (hundreds of MB/s with the CPU's
    /// SHA instructions), so no package is needed.
    /// </summary>
    public static string DataHash(TensorDataset train)
    {
        ArgumentNullException.ThrowIfNull(train);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var shape = new long[] { train.Count }.Concat(train.ItemShape).ToArray();
        sha.AppendData(MemoryMarshal.AsBytes(shape.AsSpan()));
        long item = Math.Max(1, train.ItemSize);
        long chunk = Math.Max(1, (1L << 20) / item); // about 4 MB of floats at a time
        var buffer = new float[checked((int)(Math.Min(chunk, Math.Max(1, train.Count)) * item))];
        for (long start = 0; start < train.Count; start += chunk)
        {
            long n = Math.Min(chunk, train.Count - start);
            using var scope = Torch.NewScope();
            var part = train.Examples.Narrow(0, start, n);
            if (part.DType != DType.Float32) part = part.To(DType.Float32);
            var span = buffer.AsSpan(0, checked((int)(n * item)));
            part.Contiguous().CopyTo<float>(span);
            sha.AppendData(MemoryMarshal.AsBytes(span));
        }
        return "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Refuses data whose example shape differs from the model's <c>input_shape</c>.</summary>
    /// <exception cref="SanityCheckException">The shapes differ.</exception>
    internal static void CheckShape(AutoencoderModel model, DatasetSplits data, string dataName)
    {
        var shape = data.Train.ItemShape;
        if (!shape.AsSpan().SequenceEqual(model.InputShape) || !data.Test.ItemShape.AsSpan().SequenceEqual(model.InputShape))
            throw new SanityCheckException(
                $"the data '{dataName}' has examples of shape {Shape(shape)} but model '{model.Config.Model}' expects " +
                $"input_shape {Shape(model.InputShape)}: remove input_shape from the config (it is then taken from the data) or choose matching data");
    }

    /// <summary>
    /// Runs the loss on one batch before training, in evaluation mode and without gradients, and
    /// turns what goes wrong into a message naming the data's shape and the model's input_shape.
    /// The default generator is left as it was.
    /// </summary>
    private static void SanityCheck(AutoencoderModel model, DatasetSplits data, RunConfig config)
    {
        var dataName = config.Training.Data;
        CheckShape(model, data, dataName);
        long n = Math.Min(config.Training.BatchSize, data.Train.Count);
        var batchShape = Shape(new[] { n }.Concat(data.Train.ItemShape));
        string Where() => $"on one batch of '{dataName}' (batch shape {batchShape}; model '{model.Config.Model}' with input_shape {Shape(model.InputShape)})";
        var rng = Torch.GetRngState();
        try
        {
            using var mode = model.Inference();
            using var scope = Torch.NewScope();
            var (x, _) = data.Train.Range(0, n);
            LossTerms loss;
            try
            {
                loss = model.Loss(x, new TrainingProgress(0, 0, 1, config.Training.Epochs));
            }
            catch (Exception e) when (e is TorchException or ArgumentException or InvalidOperationException or IndexOutOfRangeException)
            {
                throw new SanityCheckException($"sanity check failed: the model could not compute its loss {Where()}: {e.Message}", e);
            }
            foreach (var (name, t) in loss.Terms.Prepend(new KeyValuePair<string, Tensor>("loss", loss.Total)))
                if (t.NumEl != 1)
                    throw new SanityCheckException($"sanity check failed: loss term '{name}' has shape {Shape(t.Shape)} {Where()}; every term must be one number (a per-example mean)");
            foreach (var (name, v) in loss.Values())
                if (!double.IsFinite(v))
                    throw new SanityCheckException($"sanity check failed: loss term '{name}' is {Show(v)} before any training {Where()}: check the data's value range (for example [0, 1] for recon=bce) and the model's settings");
        }
        finally
        {
            Torch.SetRngState(rng);
        }
    }

    private static string Shape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";

    private static string G4(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    private static string Show(double v) => double.IsNaN(v) ? "NaN" : double.IsPositiveInfinity(v) ? "+inf" : double.IsNegativeInfinity(v) ? "-inf" : v.ToString("R", CultureInfo.InvariantCulture);
}
