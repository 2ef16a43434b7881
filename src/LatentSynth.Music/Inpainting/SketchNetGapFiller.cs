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
    public int[] Fill(int[] window, InpaintGap gap, InpaintControls? controls, Generator? generator)
    {
        Check(window, gap);
        controls?.Check(gap);
        using var scope = Torch.NewScope();
        var (codes, mask) = SketchTensors(controls);
        var filled = ModelFillers.Tokens(model.FillGap(ModelFillers.Row(window), generator, temperature: null, codes, mask));
        if (controls is not null)
            foreach (var (i, sketch) in controls.Bars)
            {
                SketchedBars++;
                int bar = gap.FirstBar + i;
                var tokens = InpaintControls.Bar(filled, bar);
                if (Honours(tokens, sketch)) continue;
                RepairedBars++;
                if (!RepairSketches) continue;
                var repaired = InpaintControls.Apply(tokens, sketch);
                Array.Copy(repaired, 0, filled, bar * InpaintTokens.StepsPerBar, repaired.Length);
            }
        return filled;
    }

    /// <summary>
    /// Whether a decoded bar that misses its sketch is repaired (default true, as the <see cref="IGapFiller"/> contract asks).
    /// The benchmark turns it off to score the model's own decodes; <see cref="RepairedBars"/> then counts the bars that would
    /// have been repaired.
    /// </summary>
    public bool RepairSketches { get; set; } = true;

    /// <summary>The sketch codes [1, 4, z] and mask of <paramref name="controls"/> (<see cref="SketchNetModel.SketchCodes"/> per gap bar), or nulls without sketches.</summary>
    private (Tensor? Codes, Tensor? Mask) SketchTensors(InpaintControls? controls)
    {
        if (controls is not { Bars.Count: > 0 }) return (null, null);
        var rows = new List<Tensor>();
        var masks = new List<Tensor>();
        for (int i = 0; i < InpaintGrid.GapBars; i++)
        {
            controls.Bars.TryGetValue(i, out var sketch);
            Tensor? pitches = null, rhythm = null;
            if (sketch?.Pitches is { } p)
            {
                var padded = Enumerable.Repeat((long)InpaintGrid.PitchPad, InpaintTokens.StepsPerBar).ToArray();
                for (int k = 0; k < p.Count; k++) padded[k] = p[k];
                pitches = Tensor.From(padded, 1, padded.Length);
            }
            if (sketch?.Rhythm is { } r) rhythm = Tensor.From(r.Select(c => (long)c).ToArray(), 1, r.Count);
            var (c, m) = model.SketchCodes(1, pitches, rhythm);
            rows.Add(c);
            masks.Add(m);
        }
        return (Torch.Stack(rows, 1), Torch.Stack(masks, 1));
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
    public double? GapNegativeLogLikelihood(int[] window, InpaintGap gap, InpaintControls? controls = null)
    {
        Check(window, gap);
        controls?.Check(gap);
        using var scope = Torch.NewScope();
        var (codes, mask) = SketchTensors(controls);
        double total = model.GapNll(ModelFillers.Row(window), codes, mask).Item();
        return total / SketchNetModel.GapTicks;
    }

    private static void Check(int[] window, InpaintGap gap) => ModelFillers.Check("sketchnet", window, gap);

    /// <inheritdoc />
    public void Dispose() => model.Dispose();
}
