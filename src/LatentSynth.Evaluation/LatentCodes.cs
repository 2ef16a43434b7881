using LatentSynth.Torch.IO;
using System.Globalization;
using System.Text;

namespace LatentSynth.Evaluation;

/// <summary>
/// Latent codes of a dataset (the deterministic code of each example: z for an AE/WAE, the
/// posterior mean for a VAE) with the examples' labels, ready to be written as CSV or NPY.
/// </summary>
public sealed class LatentCodes
{
    /// <summary>Creates the codes: <paramref name="means"/> is [count, dim] row-major.</summary>
    /// <exception cref="ArgumentException">Sizes do not match.</exception>
    public LatentCodes(float[] means, int count, int dim, long[]? labels)
    {
        ArgumentNullException.ThrowIfNull(means);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        if (means.LongLength != (long)count * dim)
            throw new ArgumentException($"means must hold {count}×{dim} values, got {means.LongLength}", nameof(means));
        if (labels is not null && labels.Length != count)
            throw new ArgumentException($"labels must hold {count} values, got {labels.Length}", nameof(labels));
        Means = means;
        Count = count;
        Dim = dim;
        Labels = labels;
    }

    /// <summary>The codes, [Count, Dim] row-major.</summary>
    public float[] Means { get; }
    /// <summary>Number of examples.</summary>
    public int Count { get; }
    /// <summary>Latent dimensions.</summary>
    public int Dim { get; }
    /// <summary>Labels, or null for unlabelled data.</summary>
    public long[]? Labels { get; }

    /// <summary>Where <see cref="WriteNpy"/> puts the labels next to <paramref name="path"/>: <c>x.npy</c> → <c>x.labels.npy</c>.</summary>
    public static string LabelsPath(string path) => Path.ChangeExtension(path, null) + ".labels.npy";

    /// <summary>
    /// Writes by extension: <c>.csv</c> (<see cref="WriteCsv"/>) or <c>.npy</c>
    /// (<see cref="WriteNpy"/>). Returns the files written.
    /// </summary>
    /// <exception cref="ArgumentException">Another extension.</exception>
    public IReadOnlyList<string> Write(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".csv" => [WriteCsv(path)],
            ".npy" => WriteNpy(path),
            var ext => throw new ArgumentException($"output file '{path}' must end in .csv or .npy (got '{ext}')", nameof(path)),
        };
    }

    /// <summary>
    /// CSV with a header <c>z0,z1,…,z{Dim-1},label</c> (no label column for unlabelled data), one row
    /// per example, values in invariant culture with enough digits to read back the same float32.
    /// </summary>
    public string WriteCsv(string path)
    {
        var sb = new StringBuilder();
        sb.Append(string.Join(",", Enumerable.Range(0, Dim).Select(d => "z" + d.ToString(CultureInfo.InvariantCulture))));
        if (Labels is not null) sb.Append(",label");
        sb.Append('\n');
        for (int i = 0; i < Count; i++)
        {
            for (int d = 0; d < Dim; d++)
            {
                if (d > 0) sb.Append(',');
                sb.Append(Means[(long)i * Dim + d].ToString("R", CultureInfo.InvariantCulture));
            }
            if (Labels is not null) sb.Append(',').Append(Labels[i].ToString(CultureInfo.InvariantCulture));
            sb.Append('\n');
        }
        AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes(sb.ToString()));
        return path;
    }

    /// <summary>
    /// NPY (format 1.0): the codes as float32 [Count, Dim] in <paramref name="path"/>, and the labels
    /// as int64 [Count] in <see cref="LabelsPath"/> (when labelled). Returns the files written.
    /// </summary>
    public IReadOnlyList<string> WriteNpy(string path)
    {
        Npy.Write(path, Means, Count, Dim);
        if (Labels is null) return [path];
        var labelsPath = LabelsPath(path);
        Npy.Write(labelsPath, Labels, Count);
        return [path, labelsPath];
    }
}
