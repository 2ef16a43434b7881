using LatentSynth.Data;

namespace LatentSynth.Music.Data;

/// <summary>Windows over melody token sequences, transposition, and the split by tune.</summary>
public static class MelodyWindows
{
    /// <summary>
    /// Windows of <paramref name="bars"/> 16-step units starting every <paramref name="hopBars"/> units
    /// from the start of the tune, as long as they fit whole. A window without any note-on token
    /// (all rests, or only a note held over from before the window) is dropped and counted in
    /// <paramref name="dropped"/>: it would teach the model silence, and MusicVAE's extraction also
    /// requires at least one pitch.
    /// </summary>
    public static List<int[]> Slice(int[] tokens, int bars, int hopBars, out int dropped) =>
        Slice(tokens, bars, hopBars, MelodyTokens.StepsPerBar, t => t >= MelodyTokens.FirstPitch, out dropped);

    /// <summary>
    /// Windows of <paramref name="bars"/> units of <paramref name="stepsPerBar"/> steps every
    /// <paramref name="hopBars"/> units, as long as they fit whole; a window where
    /// <paramref name="isOnset"/> holds for no token is dropped and counted (null: every window is kept).
    /// </summary>
    public static List<int[]> Slice(int[] tokens, int bars, int hopBars, int stepsPerBar, Func<int, bool>? isOnset, out int dropped)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bars);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hopBars);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stepsPerBar);
        int steps = bars * stepsPerBar, hop = hopBars * stepsPerBar;
        var windows = new List<int[]>();
        dropped = 0;
        for (int start = 0; start + steps <= tokens.Length; start += hop)
        {
            var w = tokens.AsSpan(start, steps);
            bool hasNote = isOnset is null;
            if (!hasNote) foreach (var t in w) if (isOnset!(t)) { hasNote = true; break; }
            if (hasNote) windows.Add(w.ToArray());
            else dropped++;
        }
        return windows;
    }

    /// <summary>
    /// The tokens transposed by <paramref name="semitones"/>, or null when a pitch would leave
    /// MIDI 21–108 (the shift is then not used for this window).
    /// </summary>
    public static int[]? Transpose(ReadOnlySpan<int> tokens, int semitones)
    {
        var result = new int[tokens.Length];
        for (int i = 0; i < tokens.Length; i++)
        {
            int t = tokens[i];
            if (t >= MelodyTokens.FirstPitch)
            {
                t += semitones;
                if (t < MelodyTokens.FirstPitch || t >= MelodyTokens.Count) return null;
            }
            result[i] = t;
        }
        return result;
    }

    /// <summary>
    /// Splits tunes (not windows) into train and test: the tune names are sorted (ordinal), then
    /// <c>round(n × testFraction)</c> of them (at least 1 when n ≥ 2) chosen by
    /// <see cref="SeededSplit.Random"/> with <paramref name="seed"/> are the test tunes. Returns the
    /// indices into <paramref name="names"/>, each set in the permuted order.
    /// </summary>
    public static (int[] Train, int[] Test) SplitByTune(IReadOnlyList<string> names, double testFraction, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (!(testFraction >= 0 && testFraction < 1)) throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "must be within [0, 1)");
        var order = Enumerable.Range(0, names.Count).OrderBy(i => names[i], StringComparer.Ordinal).ToArray();
        int n = order.Length;
        int nTest = (int)Math.Round(n * testFraction, MidpointRounding.AwayFromZero);
        if (testFraction > 0 && n >= 2) nTest = Math.Clamp(nTest, 1, n - 1);
        var (train, test) = SeededSplit.Random(n, nTest, seed);
        return (train.Select(i => order[i]).ToArray(), test.Select(i => order[i]).ToArray());
    }
}
