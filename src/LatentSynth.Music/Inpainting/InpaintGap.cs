using System.Globalization;
using LatentSynth.Music.Data;

namespace LatentSynth.Music.Inpainting;

/// <summary>
/// The bars to fill: <see cref="FirstBar"/> and <see cref="BarCount"/>, <b>0-based in code</b> (bar 0 is
/// the first bar of the tune or window). The command line writes gaps 1-based and inclusive, as musicians
/// number bars: <c>--gap 7-10</c> is <c>new InpaintGap(6, 4)</c> (<see cref="Parse"/>, <see cref="ToString"/>).
/// </summary>
/// <param name="FirstBar">0-based index of the first missing bar.</param>
/// <param name="BarCount">Number of missing bars (≥ 1).</param>
public readonly record struct InpaintGap(int FirstBar, int BarCount)
{
    /// <summary>SketchNet's gap inside a 16-bar window: bars 6–9 (0-based), "7-10" on the command line.</summary>
    public static InpaintGap Window { get; } = new(InpaintGrid.PastBars, InpaintGrid.GapBars);

    /// <summary>0-based index of the bar after the gap.</summary>
    public int EndBar => FirstBar + BarCount;

    /// <summary>First step of the gap (24 steps per bar).</summary>
    public int StartStep => FirstBar * InpaintTokens.StepsPerBar;

    /// <summary>The step after the gap's last step.</summary>
    public int EndStep => EndBar * InpaintTokens.StepsPerBar;

    /// <summary>Whether 0-based bar <paramref name="bar"/> lies in the gap.</summary>
    public bool Contains(int bar) => bar >= FirstBar && bar < EndBar;

    /// <summary>The 1-based, inclusive command-line form: "7-10" (one bar: "7").</summary>
    public override string ToString() => BarCount == 1
        ? (FirstBar + 1).ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{FirstBar + 1}-{EndBar}");

    /// <summary>
    /// Parses the 1-based, inclusive command-line form <c>"A-B"</c> (bars A to B, A ≤ B) or <c>"A"</c> (one bar)
    /// into a 0-based gap. Only the form is checked here; <see cref="CheckInTune"/> checks it against a tune.
    /// </summary>
    /// <exception cref="ArgumentException">Not of that form, a bar number below 1, or B before A; the message quotes the text.</exception>
    public static InpaintGap Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        var parts = t.Split('-');
        if (parts.Length is < 1 or > 2 || parts.Any(p => !int.TryParse(p.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            throw new ArgumentException($"--gap '{text}' is not a bar range: write FIRST-LAST with 1-based bar numbers, for example 7-10 (or one bar: 7)");
        int a = int.Parse(parts[0].Trim(), CultureInfo.InvariantCulture);
        int b = parts.Length == 2 ? int.Parse(parts[1].Trim(), CultureInfo.InvariantCulture) : a;
        if (a < 1) throw new ArgumentException($"--gap '{text}': bars are numbered from 1, not {a}");
        if (b < a) throw new ArgumentException($"--gap '{text}': the last bar {b} comes before the first bar {a}");
        return new InpaintGap(a - 1, b - a + 1);
    }

    /// <summary>
    /// Checks this gap against a tune of <paramref name="tuneBars"/> bars for the 16-bar window models
    /// (<see cref="InpaintGrid.WindowBars"/>): the gap must have exactly <see cref="InpaintGrid.GapBars"/> bars, lie
    /// inside the tune, and leave <see cref="InpaintGrid.PastBars"/> bars before it and <see cref="InpaintGrid.FutureBars"/>
    /// after it; the tune must be at least one window long. Near the tune's start or end nothing is padded:
    /// the gap is refused with the bars it lacks and the range of gaps that would fit.
    /// </summary>
    /// <exception cref="ArgumentException">The first rule broken, by name.</exception>
    public void CheckInTune(int tuneBars)
    {
        if (tuneBars < InpaintGrid.WindowBars)
            throw new ArgumentException($"the tune has {tuneBars} bars, shorter than the {InpaintGrid.WindowBars}-bar window ({InpaintGrid.PastBars} past + {InpaintGrid.GapBars} gap + {InpaintGrid.FutureBars} future bars) the inpainting models need");
        if (BarCount != InpaintGrid.GapBars)
            throw new ArgumentException($"--gap {this} has {BarCount} bar{(BarCount == 1 ? "" : "s")}: the models fill gaps of exactly {InpaintGrid.GapBars} bars (SketchNet's set-up), for example {new InpaintGap(InpaintGrid.PastBars, InpaintGrid.GapBars)}");
        if (FirstBar < 0 || EndBar > tuneBars)
            throw new ArgumentException($"--gap {this} lies outside the tune, which has bars 1-{tuneBars}");
        var fits = $"gaps from {new InpaintGap(InpaintGrid.PastBars, InpaintGrid.GapBars)} to {new InpaintGap(tuneBars - InpaintGrid.FutureBars - InpaintGrid.GapBars, InpaintGrid.GapBars)} fit this tune";
        if (FirstBar < InpaintGrid.PastBars)
            throw new ArgumentException($"--gap {this} leaves {FirstBar} bar{(FirstBar == 1 ? "" : "s")} before it; the models need {InpaintGrid.PastBars} bars of past context ({fits})");
        int after = tuneBars - EndBar;
        if (after < InpaintGrid.FutureBars)
            throw new ArgumentException($"--gap {this} leaves {after} bar{(after == 1 ? "" : "s")} after it; the models need {InpaintGrid.FutureBars} bars of future context ({fits})");
    }

    /// <summary>
    /// Checks that <paramref name="window"/> is whole bars of <see cref="InpaintTokens"/> and that this gap lies inside it
    /// with at least one bar of context on each side (what every <see cref="IGapFiller"/> may assume).
    /// </summary>
    /// <exception cref="ArgumentException">The broken rule, by name.</exception>
    public void CheckInWindow(IReadOnlyList<int> window)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (window.Count == 0 || window.Count % InpaintTokens.StepsPerBar != 0)
            throw new ArgumentException($"a window is whole {InpaintTokens.StepsPerBar}-step bars, not {window.Count} steps", nameof(window));
        for (int i = 0; i < window.Count; i++)
            if (window[i] is < 0 or >= InpaintTokens.Count)
                throw new ArgumentException($"token {window[i]} at step {i} is outside 0..{InpaintTokens.Count - 1}", nameof(window));
        int bars = window.Count / InpaintTokens.StepsPerBar;
        if (BarCount < 1) throw new ArgumentException($"a gap has at least one bar, not {BarCount}");
        if (FirstBar < 1 || EndBar > bars - 1)
            throw new ArgumentException($"gap {this} must lie inside the {bars}-bar window with at least one bar of context before and after it");
    }

    /// <summary>
    /// The 16-bar window of <paramref name="tune"/> (24 tokens per bar) around <paramref name="gapInTune"/>:
    /// <see cref="InpaintGrid.PastBars"/> bars before the gap, the gap, <see cref="InpaintGrid.FutureBars"/> bars after,
    /// so the gap is <see cref="Window"/> (bars 7–10) of the window. Returns the window and the tune bar where it starts.
    /// </summary>
    /// <exception cref="ArgumentException">The tune is not whole bars, or <see cref="CheckInTune"/> refuses the gap.</exception>
    public static (int[] Window, int StartBar) WindowAround(IReadOnlyList<int> tune, InpaintGap gapInTune)
    {
        ArgumentNullException.ThrowIfNull(tune);
        if (tune.Count % InpaintTokens.StepsPerBar != 0)
            throw new ArgumentException($"a tune is whole {InpaintTokens.StepsPerBar}-step bars, not {tune.Count} steps", nameof(tune));
        gapInTune.CheckInTune(tune.Count / InpaintTokens.StepsPerBar);
        int start = gapInTune.FirstBar - InpaintGrid.PastBars;
        var window = new int[InpaintGrid.WindowSteps];
        for (int i = 0; i < window.Length; i++) window[i] = tune[start * InpaintTokens.StepsPerBar + i];
        return (window, start);
    }
}
