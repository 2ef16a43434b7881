using LatentSynth.Music.Data;
using LatentSynth.Torch;

namespace LatentSynth.Music.Inpainting;

/// <summary>
/// The baseline of the comparison table: repeat the nearest context bars. For a gap of k bars, the first ⌈k/2⌉ gap bars
/// repeat, in order, the ⌈k/2⌉ bars just before the gap, and the last ⌊k/2⌋ repeat, in order, the ⌊k/2⌋ bars just after it.
/// For SketchNet's window (gap = bars 7–10 of 16, 1-based): bars 7, 8 ← bars 5, 6 and bars 9, 10 ← bars 11, 12.
/// </summary>
/// <remarks>
/// Why this rule: every gap bar copies one of the bars closest to it in time (no gap bar is more than two bars from
/// its source), order is kept within each half, so motion inside a phrase (a rising line, a cadence approached from the
/// bar before) survives, and the only new seams are where the gap meets the context and between its two halves. Folk tunes repeat 2- and 4-bar figures, so nearby bars are a strong guess.
/// It needs ⌈k/2⌉ bars before and ⌊k/2⌋ after the gap (the 16-bar windows have 6 each; <see cref="Fill"/> refuses fewer).
/// Deterministic (the generator is ignored) and without a likelihood (<see cref="GapNegativeLogLikelihood"/> is null).
/// Controls are honoured by <see cref="InpaintControls.Apply"/> on the copied bar, with the last pitch sounding before the gap bar
/// as the fallback pitch when the copied bar has no onset.
/// </remarks>
public sealed class RepeatContextFiller : IGapFiller
{
    /// <summary>The word for this filler on the command line (<c>latentsynth music inpaint baseline …</c>).</summary>
    public const string Word = "baseline";

    /// <inheritdoc/>
    public string Name => "baseline (repeat nearest context bars)";

    /// <summary>The 0-based window bar that gap bar <paramref name="i"/> (0-based in the gap) copies.</summary>
    public static int SourceBar(InpaintGap gap, int i)
    {
        int firstHalf = (gap.BarCount + 1) / 2;
        return i < firstHalf ? gap.FirstBar - firstHalf + i : gap.EndBar + (i - firstHalf);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">A bad window or gap (<see cref="InpaintGap.CheckInWindow"/>), too little context for the copy, or bad controls.</exception>
    public int[] Fill(int[] window, InpaintGap gap, InpaintControls? controls, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(window);
        gap.CheckInWindow(window);
        int bars = window.Length / InpaintTokens.StepsPerBar;
        int firstHalf = (gap.BarCount + 1) / 2, secondHalf = gap.BarCount / 2;
        if (gap.FirstBar < firstHalf || bars - gap.EndBar < secondHalf)
            throw new ArgumentException($"the baseline needs {firstHalf} bar(s) before and {secondHalf} after gap {gap}; the {bars}-bar window has {gap.FirstBar} and {bars - gap.EndBar}");
        controls?.Check(gap);
        var filled = (int[])window.Clone();
        const int n = InpaintTokens.StepsPerBar;
        for (int i = 0; i < gap.BarCount; i++)
        {
            int target = gap.FirstBar + i;
            var bar = InpaintControls.Bar(window, SourceBar(gap, i));
            if (controls?.Bars.TryGetValue(i, out var sketch) == true)
                bar = InpaintControls.Apply(bar, sketch, LastPitchBefore(filled, target * n) ?? 60);
            Array.Copy(bar, 0, filled, target * n, n);
        }
        return filled;
    }

    /// <inheritdoc/>
    public double? GapNegativeLogLikelihood(int[] window, InpaintGap gap, InpaintControls? controls = null) => null;

    private static int? LastPitchBefore(int[] tokens, int step)
    {
        for (int i = step - 1; i >= 0; i--)
            if (InpaintTokens.IsOnset(tokens[i])) return tokens[i];
        return null;
    }
}
