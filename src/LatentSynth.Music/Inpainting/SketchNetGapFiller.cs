using LatentSynth.Music.Data;
using LatentSynth.Music.Models;
using LatentSynth.Torch;
using LatentSynth.Training;

namespace LatentSynth.Music.Inpainting;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// SketchNet (<see cref="SketchNetModel"/>, "sketchnet") as an <see cref="IGapFiller"/>: the gap's four bars are the
/// greedy decodes of the final gap codes (<see cref="SketchNetModel.FillGap"/>). A bar's sketch is encoded with the
/// SketchVAE (<see cref="SketchVaeModel.EncodePitches"/>, <see cref="SketchVaeModel.EncodeRhythm"/>) and replaces that half
/// of the bar's code before the connector and in its output (the reference's <c>sketch_generation</c>). The decoder does
/// not always reproduce a sketch exactly, so, to keep the <see cref="IGapFiller"/> contract, a decoded bar that deviates
/// from its sketch is repaired with <see cref="InpaintControls.Apply"/> (which re-merges with <see cref="InpaintGrid.Merge"/>);
/// <see cref="SketchedBars"/> and <see cref="RepairedBars"/> count how often that happened. The likelihood is
/// <see cref="SketchNetModel.GapNll"/> averaged over the gap's 96 steps.
/// </summary>
public sealed class SketchNetGapFiller : IGapFiller, IDisposable
{
    private readonly SketchNetModel model;

    /// <summary>Wraps a loaded model (the filler disposes it).</summary>
    public SketchNetGapFiller(SketchNetModel model)
    {
        this.model = model ?? throw new ArgumentNullException(nameof(model));
        model.Eval();
    }

    /// <summary>Opens the latest checkpoint of a "sketchnet" run.</summary>
    /// <exception cref="ArgumentException">The run holds another model.</exception>
    public static SketchNetGapFiller Open(RunFolder run) => new(ModelFillers.Load<SketchNetModel>(run, "sketchnet"));

    /// <inheritdoc />
    public string Name => "sketchnet";

    /// <summary>Sketched gap bars filled so far.</summary>
    public long SketchedBars { get; private set; }

    /// <summary>Sketched gap bars whose decode deviated from the sketch (and was repaired with <see cref="InpaintControls.Apply"/> when <see cref="RepairSketches"/>).</summary>
    public long RepairedBars { get; private set; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The gap is not bars 7–10 of a 16-bar window, or a sketch is malformed.</exception>
    public int[] Fill(int[] window, InpaintGap gap, InpaintControls? controls, Generator? generator) =>
        FillAll([window], gap, controls is null ? null : [controls], generator)[0];

    /// <inheritdoc />
    /// <remarks>Batches of <c>64</c> windows through <see cref="SketchNetModel.FillGap"/>; the sketches of each window are
    /// encoded as for one window, then stacked.</remarks>
    /// <exception cref="ArgumentException">The gap is not bars 7–10 of a 16-bar window, or a sketch is malformed.</exception>
    public IReadOnlyList<int[]> FillAll(IReadOnlyList<int[]> windows, InpaintGap gap, IReadOnlyList<InpaintControls?>? controls, Generator? generator)
    {
        CheckAll(windows, gap, controls);
        var filled = ModelFillers.Batched(windows.Count, (start, n) =>
        {
            using var scope = Torch.NewScope();
            var (codes, mask) = SketchTensors(controls?.Skip(start).Take(n).ToList(), n);
            return ModelFillers.Tokens(model.FillGap(ModelFillers.Rows(windows.Skip(start).Take(n).ToList()), generator, temperature: null, codes, mask));
        });
        for (int w = 0; w < filled.Count; w++)
        {
            if (controls?[w] is not { } c) continue;
            foreach (var (i, sketch) in c.Bars)
            {
                SketchedBars++;
                int bar = gap.FirstBar + i;
                var tokens = InpaintControls.Bar(filled[w], bar);
                if (Honours(tokens, sketch)) continue;
                RepairedBars++;
                if (!RepairSketches) continue;
                var repaired = InpaintControls.Apply(tokens, sketch);
                Array.Copy(repaired, 0, filled[w], bar * InpaintTokens.StepsPerBar, repaired.Length);
            }
        }
        return filled;
    }

    private static void CheckAll(IReadOnlyList<int[]> windows, InpaintGap gap, IReadOnlyList<InpaintControls?>? controls)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0) throw new ArgumentException("no windows to fill", nameof(windows));
        if (controls is not null && controls.Count != windows.Count)
            throw new ArgumentException($"{controls.Count} controls for {windows.Count} windows", nameof(controls));
        for (int i = 0; i < windows.Count; i++)
        {
            Check(windows[i], gap);
            controls?[i]?.Check(gap);
        }
    }

    /// <summary>
    /// Whether a decoded bar that misses its sketch is repaired (default true, as the <see cref="IGapFiller"/> contract asks).
    /// The benchmark turns it off to score the model's own decodes; <see cref="RepairedBars"/> then counts the bars that would
    /// have been repaired.
    /// </summary>
    public bool RepairSketches { get; set; } = true;

    /// <summary>
    /// The sketch codes [n, 4, z] and mask of a batch's controls (<see cref="SketchNetModel.SketchCodes"/> per window and gap bar,
    /// zero codes and mask where a window has no sketch for a bar), or nulls when no window of the batch has a sketch.
    /// </summary>
    private (Tensor? Codes, Tensor? Mask) SketchTensors(IReadOnlyList<InpaintControls?>? controls, int n)
    {
        if (controls is null || !controls.Any(c => c is { Bars.Count: > 0 })) return (null, null);
        var codes = new List<Tensor>();
        var masks = new List<Tensor>();
        foreach (var c in controls)
        {
            var rows = new List<Tensor>();
            var rowMasks = new List<Tensor>();
            for (int i = 0; i < InpaintGrid.GapBars; i++)
            {
                BarSketch? sketch = null;
                c?.Bars.TryGetValue(i, out sketch);
                Tensor? pitches = null, rhythm = null;
                if (sketch?.Pitches is { } p)
                {
                    var padded = Enumerable.Repeat((long)InpaintGrid.PitchPad, InpaintTokens.StepsPerBar).ToArray();
                    for (int k = 0; k < p.Count; k++) padded[k] = p[k];
                    pitches = Tensor.From(padded, 1, padded.Length);
                }
                if (sketch?.Rhythm is { } r) rhythm = Tensor.From(r.Select(v => (long)v).ToArray(), 1, r.Count);
                var (code, mask) = model.SketchCodes(1, pitches, rhythm);
                rows.Add(code);
                rowMasks.Add(mask);
            }
            codes.Add(Torch.Stack(rows, 1));
            masks.Add(Torch.Stack(rowMasks, 1));
        }
        if (codes.Count != n) throw new ArgumentException($"{codes.Count} controls for a batch of {n} windows");
        return (Torch.Cat(codes, 0), Torch.Cat(masks, 0));
    }

    /// <summary>Whether <paramref name="bar"/> honours <paramref name="sketch"/> as <see cref="IGapFiller"/> requires.</summary>
    private static bool Honours(int[] bar, BarSketch sketch)
    {
        var (pitches, rhythm) = InpaintGrid.Split(bar);
        if (sketch.Rhythm is { } r && !rhythm.SequenceEqual(r)) return false;
        if (sketch.Pitches is { } p)
        {
            var own = pitches.TakeWhile(q => q != InpaintGrid.PitchPad).ToList();
            if (sketch.Rhythm is null ? !own.SequenceEqual(p) : own.Count < p.Count || !own.Take(p.Count).SequenceEqual(p)) return false;
        }
        return true;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The gap is not bars 7–10 of a 16-bar window, or a sketch is malformed.</exception>
    public double? GapNegativeLogLikelihood(int[] window, InpaintGap gap, InpaintControls? controls = null) =>
        GapNegativeLogLikelihoods([window], gap, controls is null ? null : [controls])[0];

    /// <inheritdoc />
    /// <remarks>Batches of <c>64</c> windows through <see cref="SketchNetModel.GapNll"/> (conditioned on the sketches), divided by the gap's 96 steps.</remarks>
    /// <exception cref="ArgumentException">The gap is not bars 7–10 of a 16-bar window, or a sketch is malformed.</exception>
    public IReadOnlyList<double?> GapNegativeLogLikelihoods(IReadOnlyList<int[]> windows, InpaintGap gap, IReadOnlyList<InpaintControls?>? controls)
    {
        CheckAll(windows, gap, controls);
        return ModelFillers.Batched(windows.Count, (start, n) =>
        {
            using var scope = Torch.NewScope();
            var (codes, mask) = SketchTensors(controls?.Skip(start).Take(n).ToList(), n);
            var totals = model.GapNll(ModelFillers.Rows(windows.Skip(start).Take(n).ToList()), codes, mask).To(DType.Float64).ToArray<double>();
            return totals.Select(t => (double?)(t / SketchNetModel.GapTicks));
        });
    }

    private static void Check(int[] window, InpaintGap gap) => ModelFillers.Check("sketchnet", window, gap);

    /// <inheritdoc />
    public void Dispose() => model.Dispose();
}
