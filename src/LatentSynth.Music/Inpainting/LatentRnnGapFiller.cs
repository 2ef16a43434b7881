using LatentSynth.Music.Data;
using LatentSynth.Music.Models;
using LatentSynth.Torch;
using LatentSynth.Training;

namespace LatentSynth.Music.Inpainting;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// InpaintNet (<see cref="LatentRnnModel"/>, "inpaintnet") as an <see cref="IGapFiller"/>: the gap's four bars are the
/// greedy decodes of the codes LatentRNN generates from the six bars before and after (<see cref="LatentRnnModel.FillGap"/>),
/// and the likelihood is the model's teacher-forced <see cref="LatentRnnModel.GapNll"/> averaged over the gap's steps.
/// InpaintNet has no user controls (Pati et al. 2019 fill from the context alone): a sketch is refused with a message
/// pointing to SketchNet, rather than ignored.
/// </summary>
public sealed class LatentRnnGapFiller : IGapFiller, IDisposable
{
    private readonly LatentRnnModel model;

    /// <summary>Wraps a loaded model (the filler disposes it).</summary>
    public LatentRnnGapFiller(LatentRnnModel model)
    {
        this.model = model ?? throw new ArgumentNullException(nameof(model));
        model.Eval();
    }

    /// <summary>Opens the latest checkpoint of an "inpaintnet" run.</summary>
    /// <exception cref="ArgumentException">The run holds another model.</exception>
    public static LatentRnnGapFiller Open(RunFolder run) => new(ModelFillers.Load<LatentRnnModel>(run, "inpaintnet"));

    /// <inheritdoc />
    public string Name => "inpaintnet";

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The gap is not bars 7–10 of a 16-bar window, or controls are given.</exception>
    public int[] Fill(int[] window, InpaintGap gap, InpaintControls? controls, Generator? generator) =>
        FillAll([window], gap, controls is null ? null : [controls], generator)[0];

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The gap is not bars 7–10 of a 16-bar window, or controls are given.</exception>
    public double? GapNegativeLogLikelihood(int[] window, InpaintGap gap, InpaintControls? controls = null) =>
        GapNegativeLogLikelihoods([window], gap, controls is null ? null : [controls])[0];

    /// <inheritdoc />
    /// <remarks>Batches of <c>64</c> windows through <see cref="LatentRnnModel.FillGap"/>.</remarks>
    /// <exception cref="ArgumentException">The gap is not bars 7–10 of a 16-bar window, or controls are given.</exception>
    public IReadOnlyList<int[]> FillAll(IReadOnlyList<int[]> windows, InpaintGap gap, IReadOnlyList<InpaintControls?>? controls, Generator? generator)
    {
        CheckAll(windows, gap, controls);
        return ModelFillers.Batched(windows.Count, (start, n) =>
        {
            using var scope = Torch.NewScope();
            return ModelFillers.Tokens(model.FillGap(ModelFillers.Rows(windows.Skip(start).Take(n).ToList()), generator, temperature: null));
        });
    }

    /// <inheritdoc />
    /// <remarks>Batches of <c>64</c> windows through <see cref="LatentRnnModel.GapNll"/>, divided by the gap's 96 steps.</remarks>
    /// <exception cref="ArgumentException">The gap is not bars 7–10 of a 16-bar window, or controls are given.</exception>
    public IReadOnlyList<double?> GapNegativeLogLikelihoods(IReadOnlyList<int[]> windows, InpaintGap gap, IReadOnlyList<InpaintControls?>? controls)
    {
        CheckAll(windows, gap, controls);
        return ModelFillers.Batched(windows.Count, (start, n) =>
        {
            using var scope = Torch.NewScope();
            var totals = model.GapNll(ModelFillers.Rows(windows.Skip(start).Take(n).ToList())).To(DType.Float64).ToArray<double>();
            return totals.Select(t => (double?)(t / LatentRnnModel.GapTicks));
        });
    }

    private static void CheckAll(IReadOnlyList<int[]> windows, InpaintGap gap, IReadOnlyList<InpaintControls?>? controls)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0) throw new ArgumentException("no windows to fill", nameof(windows));
        if (controls is not null && controls.Count != windows.Count)
            throw new ArgumentException($"{controls.Count} controls for {windows.Count} windows", nameof(controls));
        for (int i = 0; i < windows.Count; i++) Check(windows[i], gap, controls?[i]);
    }

    private static void Check(int[] window, InpaintGap gap, InpaintControls? controls)
    {
        ModelFillers.Check("inpaintnet", window, gap);
        if (controls is { Bars.Count: > 0 })
            throw new ArgumentException("inpaintnet takes no pitch or rhythm sketch (InpaintNet fills from the context alone); use a sketchnet run or the baseline for sketches");
    }

    /// <inheritdoc />
    public void Dispose() => model.Dispose();
}
