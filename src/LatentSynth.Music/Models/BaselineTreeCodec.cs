using LatentSynth.Music.Data;
using LatentSynth.Torch;

namespace LatentSynth.Music.Models;

using Torch = LatentSynth.Torch.Torch;
using PolyNote = LatentSynth.Music.Data.PolyTree.PolyNote;

/// <summary>
/// The PianoTree baselines' conversions: tree tensor batches ↔ notes (through <see cref="PolyTree"/>, the one reader and writer
/// of the tree format), notes ↔ piano roll of {silence, sustain, onset} cells, notes ↔ MIDI-event tokens.
/// </summary>
internal static class BaselineTreeCodec
{
    /// <summary>Steps of a segment (2 bars of 16ths).</summary>
    public const int Steps = PolyTree.Steps;

    /// <summary>Note slots per step.</summary>
    public const int Slots = PolyTree.MaxNotes;

    /// <summary>Values per slot: the pitch token and 5 duration bits.</summary>
    public const int Fields = PolyTree.Width;

    /// <summary>End of a step's notes.</summary>
    public const int EosToken = PolyTree.Eos;

    /// <summary>Padding after EOS.</summary>
    public const int PadToken = PolyTree.Pad;

    /// <summary>MIDI pitches.</summary>
    public const int Pitches = 128;

    /// <summary>The longest duration the 5 bits hold.</summary>
    public const int MaxDuration = PolyTree.MaxDuration;

    /// <summary>The shape of one example.</summary>
    public static readonly long[] ExampleShape = [Steps, Slots, Fields];

    /// <summary>
    /// The notes of each segment of <paramref name="tree"/> (float32 [N, 32, 16, 6]), in the tree's order (by step, then slot),
    /// read by <see cref="PolyTree.Decode"/> (the one reader of the format).
    /// </summary>
    /// <exception cref="ArgumentException">Wrong shape, or a slot that breaks the contract (a token outside 0..129 or not whole,
    /// a pad before EOS, a bit not 0 or 1); the message names the segment, step and slot.</exception>
    public static List<PolyNote>[] Notes(Tensor tree, string model, string name = "x")
    {
        ArgumentNullException.ThrowIfNull(tree, name);
        var s = tree.Shape;
        if (s.Length != 4 || s[1] != Steps || s[2] != Slots || s[3] != Fields)
            throw new ArgumentException($"{name} has shape [{string.Join(", ", s)}]; model '{model}' expects tree tensors [batch, {Steps}, {Slots}, {Fields}] (2-bar segments of [pitch token, 5 duration bits] slots)", name);
        float[] v;
        using (var scope = Torch.NewScope()) v = tree.Detach().To(DType.Float32).Contiguous().ToArray<float>();
        var result = new List<PolyNote>[s[0]];
        for (int b = 0; b < s[0]; b++)
        {
            try { result[b] = PolyTree.Decode(v.AsSpan(b * PolyTree.Size, PolyTree.Size)); }
            catch (ArgumentException e) { throw new ArgumentException($"{name}: segment {b}, {e.Message}", name, e); }
        }
        return result;
    }

    /// <summary>
    /// The tree tensor (float32 [N, 32, 16, 6]) of <paramref name="segments"/>, written by <see cref="PolyTree.Encode"/> (each
    /// step's notes sorted by pitch). What a model's decoded notes may hold and a tree may not is left out first: notes outside
    /// the grid (onset not 0..31, pitch not 0..127, duration not 1..32), the shorter of two notes with the same onset and
    /// pitch, and the notes past the 16 lowest of a step.
    /// </summary>
    public static Tensor Tree(IReadOnlyList<IReadOnlyList<PolyNote>> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        int n = segments.Count;
        var v = new float[(long)n * PolyTree.Size];
        for (int b = 0; b < n; b++)
        {
            var fit = segments[b]
                .Where(x => x.Onset is >= 0 and < Steps && x.Pitch is >= 0 and < Pitches && x.Duration is >= 1 and <= MaxDuration)
                .GroupBy(x => x.Onset)
                .SelectMany(g => g.GroupBy(x => x.Pitch).Select(p => p.MaxBy(x => x.Duration)!).OrderBy(x => x.Pitch).Take(Slots))
                .ToList();
            PolyTree.Encode(fit).CopyTo(v, (long)b * PolyTree.Size);
        }
        return Tensor.From(v, n, Steps, Slots, Fields);
    }

    /// <summary>The notes with durations clipped at the segment end (what a roll or an event sequence of one segment can hold).</summary>
    public static List<PolyNote> Clipped(IEnumerable<PolyNote> notes) => notes.Select(x => x.ClippedTo(Steps)).ToList();

    // ---- piano roll --------------------------------------------------------------------------------------------------

    /// <summary>Roll state: nothing sounds.</summary>
    public const byte Silence = 0;

    /// <summary>Roll state: a note struck earlier goes on.</summary>
    public const byte Sustain = 1;

    /// <summary>Roll state: a note starts.</summary>
    public const byte Onset = 2;

    /// <summary>
    /// The roll [32 steps × 128 pitches] of <paramref name="notes"/>, row-major, each cell 0 silence, 1 sustain, 2 onset (the
    /// cells of the PianoTree authors' evaluator). Every onset is written; a note sustains from onset + 1 up to its end
    /// (clipped at the segment end) over cells that hold no onset, so a later note of the same pitch cuts it short.
    /// </summary>
    public static byte[] Roll(IEnumerable<PolyNote> notes)
    {
        var roll = new byte[Steps * Pitches];
        var list = notes.Where(x => x.Onset is >= 0 and < Steps && x.Pitch is >= 0 and < Pitches && x.Duration >= 1).ToList();
        foreach (var x in list) roll[x.Onset * Pitches + x.Pitch] = Onset;
        foreach (var x in list)
        {
            for (int t = x.Onset + 1; t < Math.Min(Steps, x.Onset + x.Duration); t++)
            {
                ref byte cell = ref roll[t * Pitches + x.Pitch];
                if (cell == Onset) break;
                cell = Sustain;
            }
        }
        return roll;
    }

    /// <summary>
    /// The notes of a roll [32 × 128] (row-major states 0/1/2): each onset cell is a note whose duration is 1 + the run of
    /// sustain cells right after it (the evaluator's rule); sustain cells without an onset before them are ignored. Sorted
    /// by onset, then pitch.
    /// </summary>
    public static List<PolyNote> RollNotes(ReadOnlySpan<byte> roll)
    {
        if (roll.Length != Steps * Pitches) throw new ArgumentException($"a roll holds {Steps * Pitches} cells, got {roll.Length}", nameof(roll));
        var notes = new List<PolyNote>();
        for (int t = 0; t < Steps; t++)
            for (int p = 0; p < Pitches; p++)
            {
                if (roll[t * Pitches + p] != Onset) continue;
                int d = 1;
                while (t + d < Steps && roll[(t + d) * Pitches + p] == Sustain) d++;
                notes.Add(new PolyNote(t, p, d));
            }
        return notes;
    }

    // ---- MIDI events -------------------------------------------------------------------------------------------------

    /// <summary>First note-off token (note-off of pitch p is 128 + p; note-on of p is p).</summary>
    public const int NoteOffBase = 128;

    /// <summary>First time-shift token: a shift of k 16ths (1..32) is 255 + k.</summary>
    public const int ShiftBase = 256;

    /// <summary>The end of the sequence.</summary>
    public const int EndToken = ShiftBase + MaxDuration;           // 288

    /// <summary>Padding after the end (never a target).</summary>
    public const int EventPadToken = EndToken + 1;                 // 289

    /// <summary>The decoder's first input (never a target).</summary>
    public const int StartToken = EventPadToken + 1;               // 290

    /// <summary>Tokens a decoder predicts: note-ons, note-offs, shifts and the end.</summary>
    public const int EventClasses = EndToken + 1;                  // 289

    /// <summary>Tokens an embedding takes: the predicted ones, pad and start.</summary>
    public const int EventInputs = StartToken + 1;                 // 291

    /// <summary>
    /// The event tokens of <paramref name="notes"/> ending with <see cref="EndToken"/>. Each note (clipped at the segment end)
    /// gives a note-on at its onset and a note-off at its end; events are ordered by time, at one time note-offs before
    /// note-ons, each group by ascending pitch; a time-shift token (1..32) advances the clock to the next event's time.
    /// </summary>
    public static List<int> Events(IEnumerable<PolyNote> notes)
    {
        var events = new List<(int Time, int Kind, int Pitch)>();
        foreach (var x in notes)
        {
            if (x.Onset is < 0 or >= Steps || x.Pitch is < 0 or >= Pitches || x.Duration < 1) continue;
            events.Add((x.Onset, 1, x.Pitch));
            events.Add((Math.Min(Steps, x.Onset + x.Duration), 0, x.Pitch));
        }
        events.Sort();
        var tokens = new List<int>();
        int now = 0;
        foreach (var (time, kind, pitch) in events)
        {
            if (time > now) tokens.Add(ShiftBase + (time - now) - 1);
            now = time;
            tokens.Add(kind == 1 ? pitch : NoteOffBase + pitch);
        }
        tokens.Add(EndToken);
        return tokens;
    }

    /// <summary>
    /// The notes of event tokens, read up to the first end, pad or start token: the clock starts at 0 and a shift adds its
    /// 16ths (saturating at the segment end, 32); a note-on opens its pitch (a pitch already open is closed there first); a
    /// note-off closes it; a note-off of a pitch not open is ignored; a note still open at the end lasts to the segment end;
    /// a note of zero length (closed where it opened) and a note-on at the segment end are dropped. Sorted by onset, then pitch.
    /// </summary>
    public static List<PolyNote> EventNotes(IEnumerable<int> tokens)
    {
        var open = new Dictionary<int, int>();
        var notes = new List<PolyNote>();
        int now = 0;
        void Close(int pitch)
        {
            if (open.Remove(pitch, out int onset) && now > onset) notes.Add(new PolyNote(onset, pitch, now - onset));
        }
        foreach (int token in tokens)
        {
            if (token < 0 || token >= EndToken) break;
            if (token < NoteOffBase)
            {
                Close(token);
                if (now < Steps) open[token] = now;
            }
            else if (token < ShiftBase) Close(token - NoteOffBase);
            else now = Math.Min(Steps, now + token - ShiftBase + 1);
        }
        now = Steps;
        foreach (int pitch in open.Keys.ToList()) Close(pitch);
        notes.Sort((a, b) => a.Onset != b.Onset ? a.Onset.CompareTo(b.Onset) : a.Pitch != b.Pitch ? a.Pitch.CompareTo(b.Pitch) : a.Duration.CompareTo(b.Duration));
        return notes;
    }
}
