namespace LatentSynth.Data;

/// <summary>Figures that describe one split: size, shape, value range, class balance.</summary>
/// <param name="Name">The dataset's name (for example <c>mnist/train</c>).</param>
/// <param name="Count">Examples.</param>
/// <param name="ItemShape">Shape of one example.</param>
/// <param name="Min">Smallest value (NaN when empty).</param>
/// <param name="Max">Largest value (NaN when empty).</param>
/// <param name="Mean">Mean value (NaN when empty).</param>
/// <param name="Std">Standard deviation of all values (population; NaN when empty).</param>
/// <param name="ClassCounts">Examples per label, ascending by label; empty when unlabelled.</param>
/// <param name="ClassNames">Class names by label, when known.</param>
public sealed record DatasetSummary(string Name, long Count, long[] ItemShape, double Min, double Max, double Mean, double Std,
    IReadOnlyList<KeyValuePair<long, long>> ClassCounts, IReadOnlyList<string>? ClassNames)
{
    /// <summary>Computes the figures of <paramref name="dataset"/>.</summary>
    public static DatasetSummary Of(TensorDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        double min = double.NaN, max = double.NaN, mean = double.NaN, std = double.NaN;
        if (dataset.Count > 0)
        {
            // One pass in double over a copy of the values (no float64 tensor temporaries).
            // Token datasets (int64) are summarised through a float32 copy (token ids are small integers, exact in float32).
            float[] values;
            if (dataset.Examples.DType == LatentSynth.Torch.DType.Float32) values = dataset.Examples.ToArray<float>();
            else
            {
                using var scope = LatentSynth.Torch.Torch.NewScope();
                values = dataset.Examples.To(LatentSynth.Torch.DType.Float32).ToArray<float>();
            }
            double lo = double.PositiveInfinity, hi = double.NegativeInfinity, sum = 0, sumSq = 0;
            foreach (var f in values)
            {
                if (f < lo) lo = f;
                if (f > hi) hi = f;
                sum += f;
                sumSq += (double)f * f;
            }
            (min, max, mean) = (lo, hi, sum / values.Length);
            std = Math.Sqrt(Math.Max(0, sumSq / values.Length - mean * mean));
        }
        var counts = new SortedDictionary<long, long>();
        if (dataset.Labels is { } labels)
            foreach (var l in labels.ToArray<long>()) counts[l] = counts.GetValueOrDefault(l) + 1;
        return new DatasetSummary(dataset.Name, dataset.Count, dataset.ItemShape, min, max, mean, std, counts.ToList(), dataset.ClassNames);
    }

    /// <summary>The class name of <paramref name="label"/>, or the label itself.</summary>
    public string ClassName(long label) =>
        ClassNames is { } names && label >= 0 && label < names.Count ? names[(int)label] : label.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
