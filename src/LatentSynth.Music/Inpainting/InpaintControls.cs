using LatentSynth.Music.Data;

namespace LatentSynth.Music.Inpainting;

/// <summary>
/// A user's sketch of one gap bar (SketchNet's controls): an optional pitch sketch — the MIDI pitches (0–127) of the
/// bar's onsets, in order — and/or an optional rhythm sketch — 24 <see cref="BarRhythm"/> classes, one per step.
/// </summary>
/// <param name="Pitches">Onset pitches in order (1–24 of them), or null.</param>
/// <param name="Rhythm">24 rhythm classes (<see cref="BarRhythm.Onset"/>, <see cref="BarRhythm.Hold"/>, <see cref="BarRhythm.Rest"/>), or null.</param>
public sealed record BarSketch(IReadOnlyList<int>? Pitches = null, IReadOnlyList<int>? Rhythm = null)
{
    /// <summary>Onsets in <see cref="Rhythm"/> (null without a rhythm).</summary>
    public int? RhythmOnsets => Rhythm?.Count(r => r == BarRhythm.Onset);

    /// <summary>
    /// Checks the sketch: at least one of the two; pitches 0–127, 1 to 24 of them; a rhythm of exactly 24 classes 0–2;
    /// with both, no more pitches than the rhythm's onsets. <paramref name="where"/> names the bar in the message ("bar 7").
    /// </summary>
    /// <exception cref="ArgumentException">The broken rule, naming the bar.</exception>
    public void Check(string where)
    {
        if (Pitches is null && Rhythm is null) throw new ArgumentException($"{where}: a sketch needs pitches, a rhythm or both");
        if (Pitches is { } p)
        {
            if (p.Count is < 1 or > InpaintTokens.StepsPerBar)
                throw new ArgumentException($"{where}: a pitch sketch has 1 to {InpaintTokens.StepsPerBar} pitches, not {p.Count}");
            for (int i = 0; i < p.Count; i++)
                if (p[i] is < 0 or > 127) throw new ArgumentException($"{where}: pitch {i + 1} of the sketch is {p[i]}, outside MIDI 0–127");
        }
        if (Rhythm is { } r)
        {
            if (r.Count != InpaintTokens.StepsPerBar)
                throw new ArgumentException($"{where}: a rhythm sketch has {InpaintTokens.StepsPerBar} steps, not {r.Count}");
            for (int i = 0; i < r.Count; i++)
                if (r[i] is < 0 or >= BarRhythm.Count) throw new ArgumentException($"{where}: rhythm class {r[i]} at step {i + 1} is not 0 (onset), 1 (hold) or 2 (rest)");
        }
        if (Pitches is { } pp && RhythmOnsets is int onsets && pp.Count > onsets)
            throw new ArgumentException($"{where}: the pitch sketch has {pp.Count} pitches but the rhythm sketch only {onsets} onset{(onsets == 1 ? "" : "s")}");
    }
}

/// <summary>
/// User controls for a fill: a <see cref="BarSketch"/> for any gap bar, keyed by the bar's <b>0-based index inside the gap</b>
/// (0 = the gap's first bar; the command line's bar numbers are converted by <see cref="SketchSyntax"/>).
/// </summary>
/// <param name="Bars">Sketches by 0-based gap bar.</param>
public sealed record InpaintControls(IReadOnlyDictionary<int, BarSketch> Bars)
{
    /// <summary>Checks every sketch and that its bar lies in <paramref name="gap"/>.</summary>
    /// <exception cref="ArgumentException">A bar outside the gap or a bad sketch, named with its 1-based window bar.</exception>
    public void Check(InpaintGap gap)
    {
        ArgumentNullException.ThrowIfNull(Bars);
        foreach (var (i, sketch) in Bars)
        {
            if (i < 0 || i >= gap.BarCount)
                throw new ArgumentException($"a sketch for gap bar index {i} lies outside the gap {gap} ({gap.BarCount} bars)");
            ArgumentNullException.ThrowIfNull(sketch);
            sketch.Check($"bar {gap.FirstBar + i + 1}");
        }
    }

    /// <summary>The true rhythm of every gap bar of <paramref name="window"/> as controls (row (d) of SketchNet's table).</summary>
    public static InpaintControls TrueRhythm(IReadOnlyList<int> window, InpaintGap gap)
    {
        gap.CheckInWindow(window);
        var bars = new Dictionary<int, BarSketch>();
        for (int i = 0; i < gap.BarCount; i++)
            bars[i] = new BarSketch(Rhythm: InpaintGrid.Split(Bar(window, gap.FirstBar + i)).Rhythm);
        return new InpaintControls(bars);
    }

    /// <summary>
    /// Applies <paramref name="sketch"/> to <paramref name="bar"/> (24 tokens), the rule every filler without its own way of
    /// honouring controls may use (<see cref="RepeatContextFiller"/> does):
    /// <list type="bullet">
    /// <item>a rhythm sketch replaces the bar's rhythm; the bar's onset pitches are re-used in order (cycled when the new rhythm has
    /// more onsets; <paramref name="fallbackPitch"/> when the bar has none);</item>
    /// <item>a pitch sketch replaces the onsets' pitches. Without a rhythm sketch, the bar keeps its rhythm when its onsets number as many
    /// as the sketch's pitches, and otherwise gets n evenly spaced onsets (step ⌊24·k/n⌋, each held to the next);
    /// with a rhythm sketch of more onsets than pitches, the remaining onsets repeat the sketch's last pitch.</item>
    /// </list>
    /// Afterwards the bar's rhythm (<see cref="InpaintGrid.Split"/>) equals a given rhythm exactly, and its onset pitches begin with
    /// (without a rhythm sketch: equal) a given pitch sketch.
    /// </summary>
    /// <exception cref="ArgumentException">The bar is not 24 tokens, or <see cref="BarSketch.Check"/> refuses the sketch.</exception>
    public static int[] Apply(IReadOnlyList<int> bar, BarSketch sketch, int fallbackPitch = 60)
    {
        ArgumentNullException.ThrowIfNull(bar);
        ArgumentNullException.ThrowIfNull(sketch);
        sketch.Check("sketch");
        var (pitches, rhythm) = InpaintGrid.Split(bar.ToArray());
        var own = pitches.TakeWhile(p => p != InpaintGrid.PitchPad).ToList();
        if (own.Count == 0) own.Add(Math.Clamp(fallbackPitch, 0, 127));
        int[] newRhythm = rhythm;
        if (sketch.Rhythm is { } r) newRhythm = r.ToArray();
        else if (sketch.Pitches is { } sp && sp.Count != rhythm.Count(c => c == BarRhythm.Onset))
        {
            newRhythm = new int[InpaintTokens.StepsPerBar];
            Array.Fill(newRhythm, BarRhythm.Hold);
            for (int k = 0; k < sp.Count; k++) newRhythm[k * InpaintTokens.StepsPerBar / sp.Count] = BarRhythm.Onset;
        }
        int onsets = newRhythm.Count(c => c == BarRhythm.Onset);
        var newPitches = new int[InpaintTokens.StepsPerBar];
        Array.Fill(newPitches, InpaintGrid.PitchPad);
        for (int k = 0; k < onsets; k++)
            newPitches[k] = sketch.Pitches is { } p ? p[Math.Min(k, p.Count - 1)] : own[k % own.Count];
        return InpaintGrid.Merge(newPitches, newRhythm);
    }

    /// <summary>The 24 tokens of 0-based bar <paramref name="bar"/> of <paramref name="tokens"/>.</summary>
    public static int[] Bar(IReadOnlyList<int> tokens, int bar)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var b = new int[InpaintTokens.StepsPerBar];
        for (int i = 0; i < b.Length; i++) b[i] = tokens[bar * InpaintTokens.StepsPerBar + i];
        return b;
    }
}
