namespace LatentSynth.Music.Data;

/// <summary>
/// The PianoTree tree tensor of one 2-bar segment (Wang et al., ISMIR 2020, "PianoTree VAE", §3; reference
/// <c>ZZWaang/PianoTree-VAE</c>, <c>utils.target_to_3dtarget</c>): 32 sixteenth steps × 16 note slots × 6 values.
/// </summary>
/// <remarks>
/// <para><b>Layout</b> (the project's fixed contract, float32, <see cref="Steps"/>·<see cref="MaxNotes"/>·<see cref="Width"/>
/// values, step-major): each step lists the notes that <i>start</i> there, one per slot, then <see cref="Eos"/> in the slot
/// right after the last note, then <see cref="Pad"/> in the remaining slots. A step without an onset has <see cref="Eos"/> in
/// slot 0. A step with 16 notes fills every slot and has no <see cref="Eos"/> (the list ends with the slots). Value 0 of a
/// slot is the pitch token (0..127 MIDI pitch, 128 EOS, 129 pad); values 1..5 are the duration bits.</para>
/// <para><b>Duration</b>: the paper's 5-bit binary code of (duration in 16ths − 1), most significant bit first, so 1..32
/// sixteenths; the bits are 0 in EOS and pad slots (the reference writes its duration pad index 2 there; 0 here so the
/// tensor holds only bits). Each bit is a 2-way class for the model, as the reference's duration GRU.</para>
/// <para><b>Order within a step</b>: ascending pitch, as the reference (it fills the slots from
/// <c>np.where(pr_mat != 0)</c>, which walks the pitches of a step upwards). <see cref="Encode"/> sorts; <see cref="Decode"/>
/// returns the notes in slot order and does not require it (a model's output may be unsorted).</para>
/// <para>Unlike the reference there is no start-of-list slot: its <c>pitch_sos</c> slot 0 is implicit here, so the 16 slots
/// all carry notes or the end marker.</para>
/// </remarks>
public static class PolyTree
{
    /// <summary>Sixteenth steps in a segment (2 bars of 4/4).</summary>
    public const int Steps = 32;

    /// <summary>Note slots per step.</summary>
    public const int MaxNotes = 16;

    /// <summary>Pitch token that ends a step's note list.</summary>
    public const int Eos = 128;

    /// <summary>Pitch token of the slots after <see cref="Eos"/>.</summary>
    public const int Pad = 129;

    /// <summary>Bits of the binary duration code.</summary>
    public const int DurationBits = 5;

    /// <summary>Values per slot: the pitch token and the duration bits.</summary>
    public const int Width = 1 + DurationBits;

    /// <summary>Longest duration the code holds, in 16ths (2^5).</summary>
    public const int MaxDuration = 1 << DurationBits;

    /// <summary>Values of one tree: 32 × 16 × 6 = 3,072.</summary>
    public const int Size = Steps * MaxNotes * Width;

    /// <summary>A note of a segment.</summary>
    /// <param name="Onset">Step where it starts, 0..31 within the segment.</param>
    /// <param name="Pitch">MIDI pitch 0..127.</param>
    /// <param name="Duration">Length in 16ths, 1..32 (it may sound past the segment's end).</param>
    public sealed record PolyNote(int Onset, int Pitch, int Duration)
    {
        /// <summary>The note with its duration clipped at the end of a segment of <paramref name="steps"/> steps (what a
        /// 32-frame piano roll or an event sequence of one segment can hold).</summary>
        public PolyNote ClippedTo(int steps) => this with { Duration = Math.Min(Duration, steps - Onset) };
    }

    /// <summary>
    /// The tree of <paramref name="notes"/>: 3,072 float values (see the type's remarks), the notes of each step sorted by
    /// ascending pitch.
    /// </summary>
    /// <exception cref="ArgumentException">A note lies outside onset 0..31, pitch 0..127 or duration 1..32; two notes share
    /// onset and pitch; or a step holds more than 16 notes (the loaders thin such steps first, see
    /// <see cref="Thin"/>). The message names the note or the step.</exception>
    public static float[] Encode(IReadOnlyList<PolyNote> notes)
    {
        ArgumentNullException.ThrowIfNull(notes);
        var perStep = new List<PolyNote>[Steps];
        for (int i = 0; i < notes.Count; i++)
        {
            var n = notes[i] ?? throw new ArgumentException($"note {i} is null", nameof(notes));
            if (n.Onset < 0 || n.Onset >= Steps) throw new ArgumentException($"note {i} {n}: onset must be a step 0..{Steps - 1}", nameof(notes));
            if (n.Pitch < 0 || n.Pitch > 127) throw new ArgumentException($"note {i} {n}: pitch must be a MIDI pitch 0..127", nameof(notes));
            if (n.Duration < 1 || n.Duration > MaxDuration)
                throw new ArgumentException($"note {i} {n}: duration must be 1..{MaxDuration} sixteenths (clip longer notes first)", nameof(notes));
            (perStep[n.Onset] ??= []).Add(n);
        }
        var tree = new float[Size];
        for (int t = 0; t < Steps; t++)
        {
            var list = perStep[t] ?? [];
            if (list.Count > MaxNotes)
                throw new ArgumentException($"step {t} holds {list.Count} notes, more than the {MaxNotes} slots of a tree step", nameof(notes));
            list.Sort((a, b) => a.Pitch.CompareTo(b.Pitch));
            for (int j = 1; j < list.Count; j++)
                if (list[j].Pitch == list[j - 1].Pitch)
                    throw new ArgumentException($"step {t} holds pitch {list[j].Pitch} twice: a tree slot is one note per pitch and onset", nameof(notes));
            for (int j = 0; j < MaxNotes; j++)
            {
                int o = (t * MaxNotes + j) * Width;
                if (j < list.Count)
                {
                    tree[o] = list[j].Pitch;
                    int code = list[j].Duration - 1;
                    for (int k = 0; k < DurationBits; k++) tree[o + 1 + k] = (code >> (DurationBits - 1 - k)) & 1;
                }
                else tree[o] = j == list.Count ? Eos : Pad;
            }
        }
        return tree;
    }

    /// <summary>
    /// The notes of a tree, step by step and in slot order: each step is read up to its <see cref="Eos"/> (or through its 16
    /// slots when all hold notes).
    /// </summary>
    /// <exception cref="ArgumentException">The tree is malformed; the message names the step, slot and what is wrong: not
    /// 3,072 values, a pitch token that is not a whole number 0..129, a pad before the end marker, a slot after the end
    /// marker that is not pad, or a duration bit that is not 0 or 1 (or is not 0 in an EOS/pad slot).</exception>
    public static List<PolyNote> Decode(ReadOnlySpan<float> tree)
    {
        if (tree.Length != Size) throw new ArgumentException($"a tree holds {Size} values ({Steps}×{MaxNotes}×{Width}), got {tree.Length}", nameof(tree));
        var notes = new List<PolyNote>();
        for (int t = 0; t < Steps; t++)
        {
            bool ended = false;
            for (int j = 0; j < MaxNotes; j++)
            {
                int o = (t * MaxNotes + j) * Width;
                float p = tree[o];
                if (!(p >= 0 && p <= Pad && p == MathF.Floor(p)))
                    throw new ArgumentException($"step {t} slot {j}: pitch token {p} is not a whole number 0..{Pad}", nameof(tree));
                int token = (int)p, code = 0;
                for (int k = 0; k < DurationBits; k++)
                {
                    float bit = tree[o + 1 + k];
                    if (bit != 0 && bit != 1) throw new ArgumentException($"step {t} slot {j}: duration bit {k} is {bit}, not 0 or 1", nameof(tree));
                    code = (code << 1) | (int)bit;
                }
                if (ended)
                {
                    if (token != Pad) throw new ArgumentException($"step {t} slot {j}: token {token} after the end of the note list (only pad {Pad} may follow EOS)", nameof(tree));
                }
                else if (token == Pad) throw new ArgumentException($"step {t} slot {j}: pad before the end of the note list (EOS {Eos} must come first)", nameof(tree));
                else if (token == Eos) ended = true;
                else
                {
                    notes.Add(new PolyNote(t, token, code + 1));
                    continue;
                }
                if (code != 0) throw new ArgumentException($"step {t} slot {j}: duration bits must be 0 in an EOS or pad slot", nameof(tree));
            }
        }
        return notes;
    }

    /// <summary>
    /// Notes made fit for <see cref="Encode"/>, and how many were changed: durations over 32 sixteenths clipped to 32
    /// (<paramref name="clipped"/>); of two notes with the same onset and pitch the longer kept (<paramref name="duplicates"/>
    /// dropped); in a step with more than 16 onsets the notes nearest the middle of the pitch-sorted list dropped until 16
    /// remain, so the bass and the top voice (the melody) survive (<paramref name="dropped"/>).
    /// </summary>
    /// <param name="notes">Notes with onsets 0..31 and pitches 0..127; durations ≥ 1 of any length.</param>
    /// <param name="clipped">Notes whose duration was clipped.</param>
    /// <param name="duplicates">Notes dropped as repeats of an onset and pitch.</param>
    /// <param name="dropped">Notes dropped from crowded steps.</param>
    public static List<PolyNote> Thin(IEnumerable<PolyNote> notes, out int clipped, out int duplicates, out int dropped)
    {
        ArgumentNullException.ThrowIfNull(notes);
        int c = 0, d = 0, x = 0;
        var result = new List<PolyNote>();
        foreach (var step in notes.GroupBy(n => n.Onset).OrderBy(g => g.Key))
        {
            var list = new List<PolyNote>();
            foreach (var g in step.GroupBy(n => n.Pitch).OrderBy(g => g.Key))
            {
                var longest = g.MaxBy(n => n.Duration)!;
                d += g.Count() - 1;
                if (longest.Duration > MaxDuration) { c++; longest = longest with { Duration = MaxDuration }; }
                list.Add(longest);
            }
            while (list.Count > MaxNotes) { list.RemoveAt(list.Count / 2); x++; }
            result.AddRange(list);
        }
        clipped = c;
        duplicates = d;
        dropped = x;
        return result;
    }
}
