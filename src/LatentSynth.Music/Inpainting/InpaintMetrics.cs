using LatentSynth.Music.Data;
using LatentSynth.Torch;

namespace LatentSynth.Music.Inpainting;

/// <summary>
/// The metrics of Music SketchNet's comparison table (Chen et al. 2020, Table 1), on the filled bars only, with the
/// definitions of its evaluation code (RetroCirce/Music-SketchNet, <c>5-1-loss_and_accuracy.ipynb</c>: <c>pitch_similarity</c>,
/// <c>rhythm_similarity</c>; <c>4-5-SketchNet-eval.ipynb</c>: the NLL; read, not copied). Both compare the true gap tokens
/// <c>a</c> with the filled ones <c>b</c> step by step in the 130-token vocabulary (0–127 note-on, 128 hold, 129 rest), all gap bars
/// of one window concatenated:
/// <list type="bullet">
/// <item><b>pitch accuracy</b> = #{steps where a is a note-on (a &lt; 128) and b = a} / #{steps where a is a note-on};</item>
/// <item><b>rhythm accuracy</b> = #{steps where a is hold or rest (a ≥ 128) and b = a} / #{steps where a is hold or rest}.</item>
/// </list>
/// So "rhythm" scores the non-onset steps (a filled note-on where the truth holds counts as wrong; a wrong pitch on a true onset
/// counts against pitch accuracy only). Each is computed per window and averaged over windows (the notebook sums per window and
/// divides by the count). A window whose true gap has no note-on (or no hold/rest) has no pitch (rhythm) accuracy: the notebook would
/// get NaN; here it is left out of that mean and counted (<see cref="InpaintScores.WindowsWithoutOnset"/>).
/// <b>NLL</b>: the cross-entropy of the true gap tokens averaged over the gap's steps (<c>F.cross_entropy(…, reduction="mean")</c> over one
/// window's gap), averaged over windows; only for fillers with a likelihood.
/// </summary>
public static class InpaintMetrics
{
    /// <summary>Pitch accuracy of <paramref name="filled"/> against <paramref name="truth"/> (see the class); null when the truth has no note-on.</summary>
    /// <exception cref="ArgumentException">The two differ in length.</exception>
    public static double? PitchAccuracy(ReadOnlySpan<int> truth, ReadOnlySpan<int> filled) => Accuracy(truth, filled, onsets: true);

    /// <summary>Rhythm accuracy of <paramref name="filled"/> against <paramref name="truth"/> (see the class); null when the truth has no hold or rest.</summary>
    /// <exception cref="ArgumentException">The two differ in length.</exception>
    public static double? RhythmAccuracy(ReadOnlySpan<int> truth, ReadOnlySpan<int> filled) => Accuracy(truth, filled, onsets: false);

    private static double? Accuracy(ReadOnlySpan<int> truth, ReadOnlySpan<int> filled, bool onsets)
    {
        if (truth.Length != filled.Length) throw new ArgumentException($"the true gap has {truth.Length} steps, the filled one {filled.Length}");
        int count = 0, right = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            if (InpaintTokens.IsOnset(truth[i]) != onsets) continue;
            count++;
            if (filled[i] == truth[i]) right++;
        }
        return count == 0 ? null : (double)right / count;
    }
}

/// <summary>Means of <see cref="InpaintMetrics"/> over a set of windows (<see cref="InpaintEvaluation.Evaluate"/>).</summary>
/// <param name="Filler">The filler's <see cref="IGapFiller.Name"/>.</param>
/// <param name="Windows">Windows filled.</param>
/// <param name="PitchAccuracy">Mean pitch accuracy over the windows whose true gap has a note-on (NaN when none has).</param>
/// <param name="RhythmAccuracy">Mean rhythm accuracy over the windows whose true gap has a hold or rest (NaN when none has).</param>
/// <param name="NegativeLogLikelihood">Mean NLL per gap step (nats) of the true gap, or null when the filler has no likelihood.</param>
/// <param name="WindowsWithoutOnset">Windows left out of the pitch mean (true gap without a note-on).</param>
/// <param name="WindowsWithoutHoldOrRest">Windows left out of the rhythm mean (true gap without hold or rest).</param>
public sealed record InpaintScores(string Filler, int Windows, double PitchAccuracy, double RhythmAccuracy, double? NegativeLogLikelihood,
    int WindowsWithoutOnset, int WindowsWithoutHoldOrRest);

/// <summary>Runs a filler over test windows and averages SketchNet's metrics (<see cref="InpaintMetrics"/>).</summary>
public static class InpaintEvaluation
{
    /// <summary>
    /// Fills the gap of every window and returns the mean pitch accuracy, rhythm accuracy and (when the filler has one) NLL of the
    /// filled bars. The gap's true tokens are hidden from the filler (replaced by rest before <see cref="IGapFiller.Fill"/>), and the
    /// filler's contract is checked: a result of the wrong length or with changed context is refused by name.
    /// </summary>
    /// <param name="filler">The filler.</param>
    /// <param name="windows">Windows (16 bars for the models), 24 tokens per bar.</param>
    /// <param name="gap">The gap, 0-based in the window; null: <see cref="InpaintGap.Window"/> (bars 7–10).</param>
    /// <param name="controls">Controls for a window (for example <see cref="InpaintControls.TrueRhythm"/>: SketchNet given the true rhythm), or null for none;
    /// the NLL is then the likelihood given the controls too.</param>
    /// <param name="generator">Passed to every <see cref="IGapFiller.Fill"/>.</param>
    /// <exception cref="ArgumentException">No windows, a bad window or gap, or a filler that breaks its contract.</exception>
    public static InpaintScores Evaluate(IGapFiller filler, IReadOnlyList<int[]> windows, InpaintGap? gap = null,
        Func<int[], InpaintControls?>? controls = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(filler);
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0) throw new ArgumentException("no windows to evaluate", nameof(windows));
        var g = gap ?? InpaintGap.Window;
        double pitch = 0, rhythm = 0, nll = 0;
        int pitchN = 0, rhythmN = 0, nllN = 0;
        foreach (var window in windows) g.CheckInWindow(window);
        var ctl = controls is null ? null : windows.Select(controls).ToList();
        var hidden = windows.Select(w =>
        {
            var h = (int[])w.Clone();
            Array.Fill(h, InpaintTokens.Rest, g.StartStep, g.EndStep - g.StartStep);
            return h;
        }).ToList();
        // All windows at once: the model fillers run them in tensor batches (IGapFiller.FillAll).
        var fills = filler.FillAll(hidden, g, ctl, generator);
        if (fills is null || fills.Count != windows.Count)
            throw new ArgumentException($"filler '{filler.Name}' returned {fills?.Count ?? 0} fills for {windows.Count} windows");
        var likelihoods = filler.GapNegativeLogLikelihoods(windows, g, ctl);
        for (int w = 0; w < windows.Count; w++)
        {
            var window = windows[w];
            var filled = fills[w];
            if (filled is null || filled.Length != window.Length)
                throw new ArgumentException($"filler '{filler.Name}' returned {filled?.Length ?? 0} tokens for a window of {window.Length}");
            for (int i = 0; i < window.Length; i++)
                if ((i < g.StartStep || i >= g.EndStep) && filled[i] != window[i])
                    throw new ArgumentException($"filler '{filler.Name}' changed step {i} outside gap {g}");
            var truth = window.AsSpan(g.StartStep, g.EndStep - g.StartStep);
            var fill = filled.AsSpan(g.StartStep, g.EndStep - g.StartStep);
            if (InpaintMetrics.PitchAccuracy(truth, fill) is double p) { pitch += p; pitchN++; }
            if (InpaintMetrics.RhythmAccuracy(truth, fill) is double r) { rhythm += r; rhythmN++; }
            if (likelihoods[w] is double l) { nll += l; nllN++; }
        }
        return new InpaintScores(filler.Name, windows.Count,
            pitchN == 0 ? double.NaN : pitch / pitchN, rhythmN == 0 ? double.NaN : rhythm / rhythmN,
            nllN == 0 ? null : nll / nllN, windows.Count - pitchN, windows.Count - rhythmN);
    }
}
