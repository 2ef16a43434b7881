namespace LatentSynth.Music.Data;

/// <summary>A note on the 16th-note grid.</summary>
/// <param name="Pitch">MIDI pitch.</param>
/// <param name="Start">First step (16th notes from the start of the tune).</param>
/// <param name="End">Step after the last (exclusive); greater than <paramref name="Start"/>.</param>
public readonly record struct GridNote(int Pitch, int Start, int End);

/// <summary>
/// The lines within each quarter note onto which onsets and offsets are quantized, as fractions of a
/// quarter note (ascending, the first 0). <see cref="Sixteenths"/> is MusicVAE's uniform 16th grid
/// (4 lines, 16 per 4/4 bar); <see cref="SixteenthsAndTriplets"/> is InpaintNet's and SketchNet's
/// 6 lines per quarter (0, 1/4, 1/3, 1/2, 2/3, 3/4: 16ths and 8th-note triplets, 24 per 4/4 bar). The
/// latter is not uniform: a uniform 6-per-quarter grid would hold triplets but put a 16th at 1.5 ticks.
/// </summary>
/// <param name="Name">How the grid is named in skip reasons ("16th grid", …).</param>
/// <param name="Lines">The lines in a quarter note, as fractions of it.</param>
public sealed record BeatGrid(string Name, IReadOnlyList<double> Lines)
{
    /// <summary>MusicVAE's 16th-note grid: 4 steps per quarter note.</summary>
    public static BeatGrid Sixteenths { get; } = new("16th grid", [0, 0.25, 0.5, 0.75]);

    /// <summary>InpaintNet's grid: 6 steps per quarter note at 0, 1/4, 1/3, 1/2, 2/3, 3/4 (24 per 4/4 bar).</summary>
    public static BeatGrid SixteenthsAndTriplets { get; } = new("24-step grid (16ths and triplets)", [0, 0.25, 1.0 / 3, 0.5, 2.0 / 3, 0.75]);

    /// <summary>Steps per quarter note.</summary>
    public int StepsPerQuarter => Lines.Count;

    /// <summary>Steps per 4/4 bar (the 16-step unit of the 16th grid, 24 on the triplet grid).</summary>
    public int StepsPerBar => 4 * Lines.Count;

    /// <summary>The smallest distance between two lines (the next quarter's 0 included), in quarter notes: the unit of <see cref="GridOptions.Tolerance"/>.</summary>
    public double Spacing => spacing ??= Lines.Zip(Lines.Skip(1).Append(1.0), (a, b) => b - a).Min();

    private double? spacing;

    /// <summary>
    /// Quantizes <paramref name="tick"/> (of a file with <paramref name="ticksPerQuarter"/> ticks per
    /// quarter) to the nearest line, ties to the later; <paramref name="offBy"/> is the distance to
    /// it in units of <see cref="Spacing"/>.
    /// </summary>
    public int Quantize(long tick, int ticksPerQuarter, out double offBy)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ticksPerQuarter);
        long beat = Math.DivRem(tick, ticksPerQuarter, out long rest);
        if (rest < 0) { beat--; rest += ticksPerQuarter; }
        double frac = (double)rest / ticksPerQuarter;
        int best = 0;
        double bestOff = double.MaxValue;
        for (int i = 0; i <= Lines.Count; i++)
        {
            double line = i < Lines.Count ? Lines[i] : 1.0;
            double d = Math.Abs(frac - line);
            if (d <= bestOff + 1e-12) { best = i; bestOff = d; }
        }
        offBy = bestOff / Spacing;
        return checked((int)(beat * Lines.Count + best));
    }

    /// <summary>Where step <paramref name="step"/> lies, in ticks of a file with <paramref name="ticksPerQuarter"/> ticks per quarter (rounded).</summary>
    public long TickOf(int step, int ticksPerQuarter)
    {
        int beat = Math.DivRem(step, Lines.Count, out int i);
        if (i < 0) { beat--; i += Lines.Count; }
        return (long)beat * ticksPerQuarter + (long)Math.Round(Lines[i] * ticksPerQuarter, MidpointRounding.AwayFromZero);
    }
}

/// <summary>How MIDI tunes are put on the grid.</summary>
public sealed record GridOptions
{
    /// <summary>
    /// How far an onset or offset may lie from the nearest grid line and still be moved onto it, in
    /// units of the grid's <see cref="BeatGrid.Spacing"/>: a 16th step on the 16th grid (0.2 = 0.05
    /// quarter), 1/12 quarter (the gap between a 16th and a triplet line) on the 24-step grid (0.2 =
    /// 1/60 quarter, 8 ticks at 480 per quarter). Default 0.2: exact files (Nottingham's) pass;
    /// triplets on the 16th grid (1/3 step off) and played, unquantized files are reported rather
    /// than silently snapped.
    /// </summary>
    public double Tolerance { get; init; } = 0.2;

    /// <summary>The defaults.</summary>
    public static GridOptions Default { get; } = new();
}

/// <summary>A tune on the grid: its melody as tokens, or why it was not usable.</summary>
/// <param name="Name">The tune's name (file name without extension).</param>
/// <param name="Tokens">One <see cref="MelodyTokens"/> token per 16th step, a whole number of 16-step units long; null when skipped.</param>
/// <param name="SkipReason">Why the tune is not usable (short, groupable: "time signature 6/8", …); null when kept.</param>
/// <param name="Detail">A longer explanation of the skip or of what was changed (chords reduced, track chosen); may be empty.</param>
/// <param name="MelodyTrack">The track the melody was taken from (−1 when skipped before choosing).</param>
/// <param name="ChordOnsets">Onsets where several notes started together and the highest was kept.</param>
/// <param name="TwoFourBars">2/4 bars in the tune (paired two by two into 16-step units).</param>
public sealed record GridTune(string Name, int[]? Tokens, string? SkipReason, string Detail, int MelodyTrack, int ChordOnsets, int TwoFourBars)
{
    /// <summary>Steps per unit (4/4 bar or pair of 2/4 bars): 16 on the 16th grid, 24 on the 24-step grid.</summary>
    public int StepsPerUnit { get; init; } = MelodyTokens.StepsPerBar;

    /// <summary>Units (4/4 bars, or pairs of 2/4 bars) in the tune; 0 when skipped.</summary>
    public int Units => Tokens is null ? 0 : Tokens.Length / StepsPerUnit;
}

/// <summary>
/// Puts MIDI tunes on MusicVAE's grid (4 steps per quarter note, 16 per 4/4 bar), extracts one
/// monophonic melody and turns it into <see cref="MelodyTokens"/>, and back.
/// </summary>
/// <remarks>
/// <para>Time signatures: only 4/4 and 2/4 are accepted (a tune holding any other is skipped with the
/// signature as the reason). The grid runs on from step 0; a 16-step unit is a 4/4 bar or two
/// consecutive 2/4 bars. We pair 2/4 bars rather than drop 2/4 tunes (Magenta's converter keeps only
/// sequences whose bar is 16 steps) because a pair of 2/4 bars spans the same 16 sixteenths as a
/// 4/4 bar and begins on a downbeat, so the model sees the same kind of unit, and the folk tunes in
/// 2/4 (marches, polkas) stay in the data. A tune where a 4/4 bar would begin in the middle of a unit
/// (after an odd number of 2/4 bars), or where the signature changes in the middle of a bar, is skipped.</para>
/// <para>Melody: when the file has several tracks with notes, the track with the highest mean pitch
/// is the melody (in Nottingham's melody + chords files the chords lie below the tune). Within it,
/// when several notes start on the same step the highest wins (as Magenta's melody extraction does
/// with polyphony); a note that starts while another sounds ends that one.</para>
/// </remarks>
public static class MelodyGrid
{
    /// <summary>Ticks per quarter note of the MIDI files written by <see cref="WriteMidi(string, ReadOnlySpan{int}, double, int, int)"/>.</summary>
    public const int WriteTicksPerQuarter = 480;

    /// <summary>Longest tune accepted, in steps (4,096 bars); a file whose notes end later is skipped as "too long".</summary>
    public const int MaxSteps = 1 << 16;

    /// <summary>Steps per quarter note (16th-note grid).</summary>
    public const int StepsPerQuarter = 4;

    /// <summary>
    /// Quantizes <paramref name="tick"/> to the nearest step of a grid with 4 steps per quarter of
    /// <paramref name="ticksPerQuarter"/> ticks; <paramref name="offBy"/> is the distance to that line, in steps.
    /// </summary>
    public static int Quantize(long tick, int ticksPerQuarter, out double offBy) =>
        BeatGrid.Sixteenths.Quantize(tick, ticksPerQuarter, out offBy);

    /// <summary>The track holding the melody: the only track with notes, else the one with the highest mean pitch (ties: the first).</summary>
    public static int ChooseMelodyTrack(IReadOnlyList<MidiNote> notes)
    {
        ArgumentNullException.ThrowIfNull(notes);
        return notes.GroupBy(n => n.Track)
            .Select(g => (Track: g.Key, Mean: g.Average(n => n.Pitch)))
            .OrderByDescending(t => t.Mean).ThenBy(t => t.Track)
            .Select(t => t.Track).DefaultIfEmpty(-1).First();
    }

    /// <summary>
    /// Monophonic melody: at each onset the highest note wins; a note ends at its own offset or at the
    /// next onset, whichever comes first. Notes are returned by onset.
    /// </summary>
    /// <param name="notes">Notes on the grid (any order, polyphonic allowed).</param>
    /// <param name="chordOnsets">Onsets where more than one note started.</param>
    public static List<GridNote> HighestNoteMelody(IEnumerable<GridNote> notes, out int chordOnsets)
    {
        ArgumentNullException.ThrowIfNull(notes);
        var byOnset = notes.GroupBy(n => n.Start).OrderBy(g => g.Key).ToList();
        chordOnsets = byOnset.Count(g => g.Count() > 1);
        var melody = byOnset.Select(g => g.OrderByDescending(n => n.Pitch).ThenByDescending(n => n.End).First()).ToList();
        for (int i = 0; i + 1 < melody.Count; i++)
            if (melody[i].End > melody[i + 1].Start) melody[i] = melody[i] with { End = melody[i + 1].Start };
        return melody;
    }

    /// <summary>
    /// The tokens of a monophonic melody, <paramref name="length"/> steps long: the note-on token at
    /// each onset, note-off where a note ends and no other starts, no-event elsewhere.
    /// </summary>
    /// <exception cref="ArgumentException">Notes overlap, lie outside [0, length), or have pitches outside 21–108.</exception>
    public static int[] Encode(IReadOnlyList<GridNote> melody, int length)
    {
        ArgumentNullException.ThrowIfNull(melody);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var tokens = new int[length];
        int previousEnd = 0;
        foreach (var n in melody.OrderBy(n => n.Start))
        {
            if (n.Start < previousEnd || n.Start < 0 || n.End <= n.Start || n.Start >= length)
                throw new ArgumentException($"note {n} overlaps the previous one or lies outside 0..{length}: the melody must be monophonic and on the grid", nameof(melody));
            tokens[n.Start] = MelodyTokens.NoteOn(n.Pitch);
            if (n.End < length) tokens[n.End] = MelodyTokens.NoteOff;
            previousEnd = Math.Min(n.End, length);
        }
        return tokens;
    }

    /// <summary>
    /// The notes of a token sequence: a note-on starts a note (ending the sounding one), note-off ends
    /// it, no-event holds; the note sounding at the end ends there. Note-offs during a rest change nothing.
    /// </summary>
    public static List<GridNote> Decode(ReadOnlySpan<int> tokens)
    {
        var notes = new List<GridNote>();
        int pitch = -1, start = 0;
        for (int i = 0; i < tokens.Length; i++)
        {
            int t = tokens[i];
            if (t == MelodyTokens.NoEvent) continue;
            if (pitch >= 0) notes.Add(new GridNote(pitch, start, i));
            pitch = MelodyTokens.PitchOf(t) ?? -1;
            start = i;
        }
        if (pitch >= 0) notes.Add(new GridNote(pitch, start, tokens.Length));
        return notes;
    }

    /// <summary>
    /// Puts <paramref name="tune"/> on the grid and extracts its melody tokens, or says why it does not fit
    /// (see the class remarks for the rules).
    /// </summary>
    public static GridTune ToTokens(MidiTune tune, GridOptions? options = null) =>
        Place(tune, options, BeatGrid.Sixteenths, MelodyTokens.MinPitch, MelodyTokens.MaxPitch, Encode);

    /// <summary>
    /// The rules of <see cref="ToTokens"/> on any <paramref name="grid"/>: quantization, melody track,
    /// highest note, time signatures (4/4, 2/2, 2/4 pairs), with pitches outside
    /// <paramref name="minPitch"/>..<paramref name="maxPitch"/> dropped and the melody turned into
    /// tokens by <paramref name="encode"/> (melody, length in steps).
    /// </summary>
    internal static GridTune Place(MidiTune tune, GridOptions? options, BeatGrid grid, int minPitch, int maxPitch, Func<IReadOnlyList<GridNote>, int, int[]> encode)
    {
        ArgumentNullException.ThrowIfNull(tune);
        var o = options ?? GridOptions.Default;
        int unit = grid.StepsPerBar;
        GridTune Skip(string reason, string detail, int track = -1) => new(tune.Name, null, reason, detail, track, 0, 0) { StepsPerUnit = unit };
        if (tune.Notes.Count == 0) return Skip("no notes", "the file holds no pitched notes");
        int tpq = tune.TicksPerQuarter;

        int track = ChooseMelodyTrack(tune.Notes);
        var onTrack = tune.Notes.Where(n => n.Track == track).ToList();
        int offGrid = 0, outOfRange = 0;
        double worst = 0;
        var gridNotes = new List<GridNote>(onTrack.Count);
        foreach (var n in onTrack)
        {
            int s = grid.Quantize(n.OnTick, tpq, out var d1);
            int e = grid.Quantize(n.OffTick, tpq, out var d2);
            if (d1 > o.Tolerance || d2 > o.Tolerance) { offGrid++; worst = Math.Max(worst, Math.Max(d1, d2)); }
            if (n.Pitch < minPitch || n.Pitch > maxPitch) { outOfRange++; continue; }
            if (e <= s) e = s + 1; // a note shorter than half a step keeps one step
            gridNotes.Add(new GridNote(n.Pitch, s, e));
        }
        if (offGrid > 0)
            return Skip($"notes off the {grid.Name}", ReferenceEquals(grid, BeatGrid.Sixteenths)
                ? $"{offGrid} of {onTrack.Count} notes start or end more than {o.Tolerance} step from a 16th-note line (worst {worst:F2} step; triplets or unquantized playing)"
                : $"{offGrid} of {onTrack.Count} notes start or end more than {o.Tolerance} × {grid.Spacing:0.###} quarter from a line of the {grid.Name} (worst {worst:F2} of that; unquantized playing or finer notes)", track);
        if (gridNotes.Count == 0)
            return Skip($"no notes in {minPitch}-{maxPitch}", $"all {outOfRange} notes of the melody track lie outside MIDI pitches {minPitch}–{maxPitch}", track);

        var melody = HighestNoteMelody(gridNotes, out int chords);
        int lastStep = melody.Max(n => n.End);
        if (lastStep > MaxSteps)
            return Skip("too long", $"the melody ends at step {lastStep}, beyond {MaxSteps} steps ({MaxSteps / unit} bars): not a tune", track);

        if (SignatureProblem(tune, grid, lastStep, out int twoFourBars) is { } bad) return Skip(bad.Reason, bad.Detail, track);

        int length = (lastStep + unit - 1) / unit * unit;
        var tokens = encode(melody, length);
        var details = new List<string>();
        if (tune.Notes.Select(n => n.Track).Distinct().Count() > 1) details.Add($"melody from track {track} (highest mean pitch)");
        if (chords > 0) details.Add($"{chords} chord onsets reduced to their highest note");
        if (outOfRange > 0) details.Add($"{outOfRange} notes outside {minPitch}–{maxPitch} dropped");
        if (tune.UnpairedNotes > 0) details.Add($"{tune.UnpairedNotes} note-ons without note-off ignored");
        return new GridTune(tune.Name, tokens, null, string.Join("; ", details), track, chords, twoFourBars) { StepsPerUnit = unit };
    }

    /// <summary>
    /// The time-signature rules of <see cref="ToTokens"/> for a tune whose notes end at step <paramref name="lastStep"/> of
    /// <paramref name="grid"/>: null when they hold (with the 2/4 bars counted), else a short reason and a detail.
    /// </summary>
    internal static (string Reason, string Detail)? SignatureProblem(MidiTune tune, BeatGrid grid, int lastStep, out int twoFourBars)
    {
        int tpq = tune.TicksPerQuarter, unit = grid.StepsPerBar;
        // Time signatures: 4/4 and 2/4 only, changes on bar lines, 4/4 bars on unit boundaries.
        var signatures = tune.TimeSignatures.Count == 0 ? [new TimeSignature(0, 4, 4)] : tune.TimeSignatures.ToList();
        if (signatures[0].Tick > 0) signatures.Insert(0, new TimeSignature(0, 4, 4)); // MIDI's default before the first
        twoFourBars = 0;
        for (int i = 0; i < signatures.Count; i++)
        {
            var sig = signatures[i];
            int from = grid.Quantize(sig.Tick, tpq, out var off);
            if (from >= lastStep) break; // a signature after the last note does not matter
            bool whole = sig.IsFourFour || sig.IsCutTime;
            if (!whole && !sig.IsTwoFour)
                return ($"time signature {sig.Text}", $"time signature {sig.Text} at step {from} (only 4/4, 2/2 and 2/4 fit {unit}-step units)");
            if (off > 1e-9) return ("time signature off the grid", $"time signature {sig.Text} at tick {sig.Tick} is not on a line of the {grid.Name}");
            int to = i + 1 < signatures.Count ? Math.Min(lastStep, grid.Quantize(signatures[i + 1].Tick, tpq, out _)) : lastStep;
            int barSteps = whole ? unit : unit / 2;
            if (whole && from % unit != 0)
                return ("4/4 bar mid-unit", $"a {sig.Text} section starts at step {from}, after an odd number of 2/4 bars, so its bars would straddle {unit}-step units");
            if (i + 1 < signatures.Count && to < lastStep && (to - from) % barSteps != 0)
                return ("time signature change mid-bar", $"{sig.Text} section from step {from} to {to} is not a whole number of bars");
            if (sig.IsTwoFour) twoFourBars += (to - from + barSteps - 1) / barSteps;
        }

        return null;
    }

    /// <summary>
    /// Writes the melody of <paramref name="tokens"/> as a one-track MIDI file (format 1, 4/4,
    /// <see cref="WriteTicksPerQuarter"/> ticks per quarter note) with NAudio's <c>MidiFile.Export</c>.
    /// </summary>
    /// <param name="path">The file to write (replaced if it exists).</param>
    /// <param name="tokens">Melody tokens, one per 16th step.</param>
    /// <param name="quarterNotesPerMinute">Tempo written into the file.</param>
    /// <param name="velocity">Velocity of every note (1–127).</param>
    /// <param name="program">General MIDI program (0 = acoustic grand piano).</param>
    public static void WriteMidi(string path, ReadOnlySpan<int> tokens, double quarterNotesPerMinute = 120, int velocity = 80, int program = 0) =>
        WriteMidi(path, Decode(tokens), tokens.Length, BeatGrid.Sixteenths, quarterNotesPerMinute, velocity, program);

    /// <summary>
    /// Writes <paramref name="notes"/> (steps of <paramref name="grid"/>) as a one-track MIDI file
    /// (format 1, 4/4, <see cref="WriteTicksPerQuarter"/> ticks per quarter note, every grid line
    /// a whole number of ticks: 480 is divisible by 4 and 3) with NAudio's <c>MidiFile.Export</c>.
    /// </summary>
    /// <param name="path">The file to write (replaced if it exists).</param>
    /// <param name="notes">The notes, in steps of <paramref name="grid"/>.</param>
    /// <param name="lengthSteps">Length of the tune in steps (where the track ends).</param>
    /// <param name="grid">The grid the steps belong to.</param>
    /// <param name="quarterNotesPerMinute">Tempo written into the file.</param>
    /// <param name="velocity">Velocity of every note (1–127).</param>
    /// <param name="program">General MIDI program (0 = acoustic grand piano).</param>
    public static void WriteMidi(string path, IEnumerable<GridNote> notes, int lengthSteps, BeatGrid grid, double quarterNotesPerMinute = 120, int velocity = 80, int program = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(notes);
        ArgumentNullException.ThrowIfNull(grid);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(quarterNotesPerMinute);
        ArgumentOutOfRangeException.ThrowIfLessThan(velocity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(velocity, 127);
        var events = new NAudio.Midi.MidiEventCollection(1, WriteTicksPerQuarter);
        events.AddEvent(new NAudio.Midi.TempoEvent((int)Math.Round(60_000_000.0 / quarterNotesPerMinute), 0), 0);
        events.AddEvent(new NAudio.Midi.TimeSignatureEvent(0, 4, 2, 24, 8), 0); // 4/4: denominator stored as 2^2
        events.AddEvent(new NAudio.Midi.PatchChangeEvent(0, 1, program), 0);
        foreach (var n in notes)
        {
            long on = grid.TickOf(n.Start, WriteTicksPerQuarter), off = grid.TickOf(n.End, WriteTicksPerQuarter);
            var e = new NAudio.Midi.NoteOnEvent(on, 1, n.Pitch, velocity, (int)(off - on));
            events.AddEvent(e, 0);
            events.AddEvent(e.OffEvent!, 0);
        }
        events.AddEvent(new NAudio.Midi.MetaEvent(NAudio.Midi.MetaEventType.EndTrack, 0, grid.TickOf(lengthSteps, WriteTicksPerQuarter)), 0);
        events.PrepareForExport();
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        NAudio.Midi.MidiFile.Export(path, events);
    }
}
