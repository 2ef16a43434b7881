using LatentSynth.Evaluation.Imaging;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Synthesis;

/// <summary>Pictures of sounds: spectrograms of model frames (time left to right, low frequencies at the bottom).</summary>
public static class AudioPictures
{
    /// <summary>A spectrogram PNG of frames [T, Bins] (normalized model frames: already log-compressed),
    /// each frame a column; several spectrograms are stacked left to right with a 4-pixel gap.</summary>
    /// <param name="frames">One or more frame tensors [T, Bins] with the same Bins.</param>
    /// <param name="scale">Pixels per frame and per bin (1..8).</param>
    /// <exception cref="ArgumentException">No frames, a tensor is not 2-D, or the bin counts differ.</exception>
    public static byte[] Spectrogram(IReadOnlyList<Tensor> frames, int scale = 2)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.Count == 0) throw new ArgumentException("give at least one spectrogram", nameof(frames));
        if (frames.Any(f => f.Dim != 2)) throw new ArgumentException("spectrogram frames must be [T, Bins]", nameof(frames));
        long bins = frames[0].Size(1);
        if (frames.Any(f => f.Size(1) != bins)) throw new ArgumentException("every spectrogram must have the same number of bins", nameof(frames));
        const int gap = 2;
        var columns = new List<double[]?>();
        foreach (var f in frames)
        {
            if (columns.Count > 0) for (int g = 0; g < gap; g++) columns.Add(null);
            using var c = f.To(DType.Float64).Contiguous();
            var v = c.ToArray<double>();
            for (int t = 0; t < f.Size(0); t++) columns.Add(v.AsSpan(t * (int)bins, (int)bins).ToArray());
        }
        // rows = bins (row 0 = lowest frequency, drawn at the bottom), columns = time.
        var finite = columns.Where(c => c is not null).SelectMany(c => c!).Where(double.IsFinite).ToList();
        double lo = finite.Count > 0 ? finite.Min() : 0, hi = finite.Count > 0 ? finite.Max() : 1;
        var grid = new double[bins][];
        for (int b = 0; b < bins; b++)
        {
            grid[b] = new double[columns.Count];
            for (int t = 0; t < columns.Count; t++) grid[b][t] = columns[t] is { } col ? col[b] : hi; // gaps drawn bright
        }
        return Heatmap.Png(grid, Colormap.Fire, lo, hi, scale, originBottom: true);
    }
}
