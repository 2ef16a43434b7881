namespace LatentSynth.Music.Data;

/// <summary>The rhythm classes of SketchNet's factorization of a bar (<see cref="InpaintGrid.Split"/>).</summary>
public static class BarRhythm
{
    /// <summary>A note starts on this step.</summary>
    public const int Onset = 0;

    /// <summary>The previous note or rest goes on.</summary>
    public const int Hold = 1;

    /// <summary>Silence.</summary>
    public const int Rest = 2;

    /// <summary>Number of classes.</summary>
    public const int Count = 3;
}

/// <summary>
/// Score-inpainting melodies on the 24-step grid (<see cref="BeatGrid.SixteenthsAndTriplets"/>,
/// tokens <see cref="InpaintTokens"/>): MIDI to tokens and back, and SketchNet's split of a bar into
/// its pitch sequence and its rhythm sequence.
/// </summary>
/// <remarks>
/// The MIDI rules are <see cref="MelodyGrid.ToTokens"/>'s (melody track, highest note, 4/4 and 2/2
/// bars, 2/4 bars paired into one 24-step unit, other signatures skipped with the signature as the
/// reason) on the 24-step grid, with every MIDI pitch 0–127 allowed.
/// </remarks>
public static class InpaintGrid
{
    /// <summary>Bars of context before the gap in an inpainting window (SketchNet's set-up).</summary>
    public const int PastBars = 6;

    /// <summary>Bars to inpaint.</summary>
    public const int GapBars = 4;

    /// <summary>Bars of context after the gap.</summary>
    public const int FutureBars = 6;

    /// <summary>Bars in an inpainting window: 6 past + 4 gap + 6 future.</summary>
    public const int WindowBars = PastBars + GapBars + FutureBars;

    /// <summary>Steps in an inpainting window (16 × 24 = 384).</summary>
    public const int WindowSteps = WindowBars * InpaintTokens.StepsPerBar;

    /// <summary>Padding of a bar's pitch sequence after its last onset (the pitch vocabulary is 0–127 plus this).</summary>
    public const int PitchPad = 128;

    /// <summary>Puts <paramref name="tune"/> on the 24-step grid as <see cref="InpaintTokens"/>, or says why it does not fit.</summary>
    public static GridTune ToTokens(MidiTune tune, GridOptions? options = null) =>
        MelodyGrid.Place(tune, options, BeatGrid.SixteenthsAndTriplets, 0, 127, Encode);

    /// <summary>
    /// The tokens of a monophonic melody, <paramref name="length"/> steps long: the pitch at each
    /// onset, <see cref="InpaintTokens.Hold"/> while the note sounds, <see cref="InpaintTokens.Rest"/> elsewhere.
    /// </summary>
    /// <exception cref="ArgumentException">Notes overlap, lie outside [0, length), or have pitches outside 0–127.</exception>
    public static int[] Encode(IReadOnlyList<GridNote> melody, int length)
    {
        ArgumentNullException.ThrowIfNull(melody);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var tokens = new int[length];
        Array.Fill(tokens, InpaintTokens.Rest);
        int previousEnd = 0;
        foreach (var n in melody.OrderBy(n => n.Start))
        {
            if (n.Start < previousEnd || n.Start < 0 || n.End <= n.Start || n.Start >= length || n.Pitch is < 0 or > 127)
                throw new ArgumentException($"note {n} overlaps the previous one, lies outside 0..{length} or has a pitch outside 0–127: the melody must be monophonic and on the grid", nameof(melody));
            tokens[n.Start] = n.Pitch;
            int end = Math.Min(n.End, length);
            for (int i = n.Start + 1; i < end; i++) tokens[i] = InpaintTokens.Hold;
            previousEnd = end;
        }
        return tokens;
    }

    /// <summary>
    /// The notes of a token sequence: a note-on starts a note (ending the sounding one), a rest ends
    /// it, a hold continues whatever sounds (nothing, after a rest or at the start).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A token is outside 0..129.</exception>
    public static List<GridNote> Decode(ReadOnlySpan<int> tokens)
    {
        var notes = new List<GridNote>();
        int pitch = -1, start = 0;
        for (int i = 0; i < tokens.Length; i++)
        {
            int t = tokens[i];
            if (t == InpaintTokens.Hold) continue;
            if (t is < 0 or >= InpaintTokens.Count) throw new ArgumentOutOfRangeException(nameof(tokens), t, $"inpainting tokens are 0..{InpaintTokens.Count - 1}");
            if (pitch >= 0) notes.Add(new GridNote(pitch, start, i));
            pitch = t == InpaintTokens.Rest ? -1 : t;
            start = i;
        }
        if (pitch >= 0) notes.Add(new GridNote(pitch, start, tokens.Length));
        return notes;
    }

    /// <summary>Writes <paramref name="tokens"/> as a one-track 4/4 MIDI file (see <see cref="MelodyGrid.WriteMidi(string, IEnumerable{GridNote}, int, BeatGrid, double, int, int)"/>).</summary>
    /// <param name="path">The file to write (replaced if it exists).</param>
    /// <param name="tokens">Inpainting tokens, 24 per 4/4 bar.</param>
    /// <param name="quarterNotesPerMinute">Tempo written into the file.</param>
    /// <param name="velocity">Velocity of every note (1–127).</param>
    /// <param name="program">General MIDI program.</param>
    public static void WriteMidi(string path, ReadOnlySpan<int> tokens, double quarterNotesPerMinute = 120, int velocity = 80, int program = 0) =>
        MelodyGrid.WriteMidi(path, Decode(tokens), tokens.Length, BeatGrid.SixteenthsAndTriplets, quarterNotesPerMinute, velocity, program);

    /// <summary>
    /// SketchNet's factorization of one bar: <c>Pitches</c> holds the onsets' pitches in order, then
    /// <see cref="PitchPad"/> up to 24 entries; <c>Rhythm</c> holds one <see cref="BarRhythm"/> class per step.
    /// A bar that starts with <see cref="InpaintTokens.Hold"/> (the previous bar's note, or rest, goes
    /// on) keeps <see cref="BarRhythm.Hold"/> on its first step: the split is per step, so it loses
    /// nothing and <see cref="Merge"/> gives the hold back; what it continues is known only with the
    /// bar before.
    /// </summary>
    /// <exception cref="ArgumentException">The bar is not 24 tokens of 0..129.</exception>
    public static (int[] Pitches, int[] Rhythm) Split(ReadOnlySpan<int> bar)
    {
        if (bar.Length != InpaintTokens.StepsPerBar)
            throw new ArgumentException($"a bar has {InpaintTokens.StepsPerBar} steps, not {bar.Length}", nameof(bar));
        var pitches = new int[InpaintTokens.StepsPerBar];
        var rhythm = new int[InpaintTokens.StepsPerBar];
        Array.Fill(pitches, PitchPad);
        int k = 0;
        for (int i = 0; i < bar.Length; i++)
        {
            int t = bar[i];
            if (InpaintTokens.IsOnset(t)) { pitches[k++] = t; rhythm[i] = BarRhythm.Onset; }
            else if (t == InpaintTokens.Hold) rhythm[i] = BarRhythm.Hold;
            else if (t == InpaintTokens.Rest) rhythm[i] = BarRhythm.Rest;
            else throw new ArgumentException($"token {t} at step {i} is outside 0..{InpaintTokens.Count - 1}", nameof(bar));
        }
        return (pitches, rhythm);
    }

    /// <summary>The bar of a pitch sequence and a rhythm sequence (the inverse of <see cref="Split"/>).</summary>
    /// <exception cref="ArgumentException">The sequences are not 24 long, a rhythm class is unknown, or the pitches (0–127, then only <see cref="PitchPad"/>) do not match the onsets in number.</exception>
    public static int[] Merge(ReadOnlySpan<int> pitches, ReadOnlySpan<int> rhythm)
    {
        if (pitches.Length != InpaintTokens.StepsPerBar || rhythm.Length != InpaintTokens.StepsPerBar)
            throw new ArgumentException($"pitch and rhythm sequences have {InpaintTokens.StepsPerBar} entries, not {pitches.Length} and {rhythm.Length}");
        var bar = new int[InpaintTokens.StepsPerBar];
        int k = 0;
        for (int i = 0; i < rhythm.Length; i++)
            switch (rhythm[i])
            {
                case BarRhythm.Onset:
                    int p = pitches[k++];
                    if (p is < 0 or > 127) throw new ArgumentException($"onset {k} at step {i} has pitch {p}: the pitch sequence must hold one pitch 0–127 per onset", nameof(pitches));
                    bar[i] = p;
                    break;
                case BarRhythm.Hold: bar[i] = InpaintTokens.Hold; break;
                case BarRhythm.Rest: bar[i] = InpaintTokens.Rest; break;
                default: throw new ArgumentException($"rhythm class {rhythm[i]} at step {i} is not 0 (onset), 1 (hold) or 2 (rest)", nameof(rhythm));
            }
        for (int j = k; j < pitches.Length; j++)
            if (pitches[j] != PitchPad)
                throw new ArgumentException($"the pitch sequence has {pitches[j]} at {j}, after the {k} pitches of the bar's onsets: it must be padded with {PitchPad}", nameof(pitches));
        return bar;
    }
}
