using LatentSynth.Torch;

namespace LatentSynth.Music;

/// <summary>Token tensors ([N, T], int64 or float32 holding whole ids) as rows of ints, the form the MIDI writers, piano rolls and
/// metrics take.</summary>
public static class TokenRows
{
    /// <summary>The rows of <paramref name="tokens"/> [N, T] as N arrays of T ints.</summary>
    public static int[][] Of(Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        long n = tokens.Size(0), t = tokens.Size(1);
        var flat = tokens.To(DType.Int64).ToArray<long>();
        var rows = new int[n][];
        for (long i = 0; i < n; i++)
        {
            rows[i] = new int[t];
            for (long j = 0; j < t; j++) rows[i][j] = (int)flat[i * t + j];
        }
        return rows;
    }
}
