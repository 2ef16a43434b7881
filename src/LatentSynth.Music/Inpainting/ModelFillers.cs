using LatentSynth.Models;
using LatentSynth.Music.Data;
using LatentSynth.Torch;
using LatentSynth.Training;

namespace LatentSynth.Music.Inpainting;

/// <summary>What the model-backed fillers (<see cref="LatentRnnGapFiller"/>, <see cref="SketchNetGapFiller"/>) share: opening
/// their run, the check that the gap is the window's bars 7–10, and the window as a one-row token tensor.</summary>
internal static class ModelFillers
{
    /// <summary>Loads the run's model as a <typeparamref name="T"/>, or refuses it naming the run and <paramref name="model"/>.</summary>
    internal static T Load<T>(RunFolder run, string model) where T : AutoencoderModel
    {
        ArgumentNullException.ThrowIfNull(run);
        var loaded = run.LoadModel();
        if (loaded is T m) return m;
        loaded.Dispose();
        throw new ArgumentException($"RUN: '{run.Dir}' holds model '{run.Config.Model.Model}', not {model}");
    }

    /// <summary>Refuses a gap other than bars 7–10 or a window that is not 16 bars, naming <paramref name="model"/>.</summary>
    internal static void Check(string model, int[] window, InpaintGap gap)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (gap != InpaintGap.Window)
            throw new ArgumentException($"{model} fills bars {InpaintGap.Window} of a 16-bar window, not {gap}", nameof(gap));
        if (window.Length != InpaintGrid.WindowSteps)
            throw new ArgumentException($"{model} takes windows of {InpaintGrid.WindowSteps} steps, got {window.Length}", nameof(window));
    }

    /// <summary>The windows as int64 [B, T] (in the caller's scope).</summary>
    internal static Tensor Rows(IReadOnlyList<int[]> windows) =>
        Tensor.From(windows.SelectMany(w => w).Select(t => (long)t).ToArray(), windows.Count, windows[0].Length);

    /// <summary>The rows of a token tensor [B, T] as ints.</summary>
    internal static List<int[]> Tokens(Tensor rows) => TokenRows.Of(rows).ToList();

    /// <summary>Windows per tensor batch of the model fillers: 64 windows of 16 bars decode in well under a second.</summary>
    internal const int Batch = 64;

    /// <summary>Runs <paramref name="run"/> on the windows in batches of <see cref="Batch"/> (indices into the list), concatenating the results.</summary>
    internal static List<T> Batched<T>(int count, Func<int, int, IEnumerable<T>> run)
    {
        var all = new List<T>(count);
        for (int start = 0; start < count; start += Batch) all.AddRange(run(start, Math.Min(Batch, count - start)));
        return all;
    }
}
