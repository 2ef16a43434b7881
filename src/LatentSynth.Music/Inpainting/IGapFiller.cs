using LatentSynth.Torch;

namespace LatentSynth.Music.Inpainting;

/// <summary>
/// Something that fills the gap of an inpainting window: the baseline (<see cref="RepeatContextFiller"/>) or a trained
/// model (InpaintNet, SketchNet; opened from a run folder through <see cref="GapFillers"/>).
/// </summary>
/// <remarks>
/// Contract (checked by <see cref="InpaintEvaluation.Evaluate"/> and the tests): <see cref="Fill"/> returns a new array as long as the
/// window, every token outside the gap's steps unchanged, every token in 0..129; when <c>controls</c> are given, a given rhythm sketch
/// is the filled bar's rhythm exactly and a given pitch sketch is the start of its onset pitches (all of them without a rhythm sketch).
/// </remarks>
public interface IGapFiller
{
    /// <summary>Name shown in reports and tables ("baseline (repeat context)", "sketchnet", …).</summary>
    string Name { get; }

    /// <summary>
    /// The whole window with the gap's bars filled (tokens outside the gap unchanged). The gap's tokens in
    /// <paramref name="window"/> are ignored (a filler must not peek at them).
    /// </summary>
    /// <param name="window">The window, 24 <see cref="InpaintTokens"/> per bar (16 bars for the models).</param>
    /// <param name="gap">The bars to fill, 0-based in the window (<see cref="InpaintGap.Window"/> for the models).</param>
    /// <param name="controls">Sketches for gap bars, or null.</param>
    /// <param name="generator">Random source for sampling fillers; null: the filler's default (deterministic fillers ignore it).</param>
    int[] Fill(int[] window, InpaintGap gap, InpaintControls? controls, Generator? generator);

    /// <summary>
    /// The mean negative log-likelihood per step (nats) of the true gap tokens of <paramref name="window"/> given its context,
    /// as SketchNet's evaluation computes it (cross-entropy averaged over the gap's steps); null for fillers without a likelihood.
    /// With <paramref name="controls"/>, the likelihood given those sketches as well (the model conditioned as in <see cref="Fill"/>).
    /// </summary>
    double? GapNegativeLogLikelihood(int[] window, InpaintGap gap, InpaintControls? controls = null);

    /// <summary>
    /// <see cref="Fill"/> of many windows (each with its controls, or none); the model fillers run them as batches of tensors.
    /// The default fills one window after the other.
    /// </summary>
    /// <param name="windows">The windows.</param>
    /// <param name="gap">The bars to fill, the same in every window.</param>
    /// <param name="controls">One entry per window (null entries: no sketch), or null for none.</param>
    /// <param name="generator">Random source for sampling fillers.</param>
    IReadOnlyList<int[]> FillAll(IReadOnlyList<int[]> windows, InpaintGap gap, IReadOnlyList<InpaintControls?>? controls, Generator? generator) =>
        windows.Select((w, i) => Fill(w, gap, controls?[i], generator)).ToList();

    /// <summary><see cref="GapNegativeLogLikelihood"/> of many windows (batched by the model fillers; the default loops).</summary>
    IReadOnlyList<double?> GapNegativeLogLikelihoods(IReadOnlyList<int[]> windows, InpaintGap gap, IReadOnlyList<InpaintControls?>? controls) =>
        windows.Select((w, i) => GapNegativeLogLikelihood(w, gap, controls?[i])).ToList();
}
