using System.Globalization;
using System.Text;

namespace LatentSynth.Music.Evaluation;

/// <summary>
/// The result of <see cref="MelodyInterpolation.Run"/>: per interpolation point α (one entry of each array per α),
/// statistics over the pairs of test windows for the latent (slerp between the posterior means, greedy decoding) and the
/// data-space (token-wise mix) interpolations. Standard deviations are over pairs (population, divided by the number
/// of pairs). Hamming distances are shares of the T steps that differ.
/// </summary>
/// <param name="Alphas">The interpolation points α_k = k / (steps − 1), 0 to 1.</param>
/// <param name="LatentHammingToA">Mean Hamming distance of the latent interpolant to A (at α = 0 it is the reconstruction error of A).</param>
/// <param name="LatentHammingToAStd">Its standard deviation over pairs.</param>
/// <param name="LatentHammingToB">Mean Hamming distance of the latent interpolant to B.</param>
/// <param name="LatentHammingToBStd">Its standard deviation over pairs.</param>
/// <param name="DataHammingToA">Mean Hamming distance of the data-space interpolant to A (0 at α = 0; about α·d(A, B)).</param>
/// <param name="DataHammingToAStd">Its standard deviation over pairs.</param>
/// <param name="DataHammingToB">Mean Hamming distance of the data-space interpolant to B (0 at α = 1).</param>
/// <param name="DataHammingToBStd">Its standard deviation over pairs.</param>
/// <param name="LatentPlausible">Share of the latent interpolants whose judge score reaches <paramref name="Threshold"/>, 0..1.</param>
/// <param name="DataPlausible">Share of the data-space interpolants whose judge score reaches <paramref name="Threshold"/>, 0..1.</param>
/// <param name="LatentScore">Mean judge score (mean log-probability per step, nats, <see cref="MelodyNgram.LogProbPerStep"/>) of the latent interpolants.</param>
/// <param name="DataScore">Mean judge score of the data-space interpolants.</param>
/// <param name="Threshold">The judge score an interpolant must reach to be plausible: the <paramref name="PlausibleQuantile"/> quantile of the real test windows' scores.</param>
/// <param name="MinNotes">Fewest note-ons a plausible interpolant holds: the q/2 quantile of the test windows' counts.</param>
/// <param name="MaxNotes">Most note-ons a plausible interpolant holds: the 1 − q/2 quantile of the test windows' counts.</param>
/// <param name="PlausibleQuantile">The quantile that set <paramref name="Threshold"/>.</param>
/// <param name="Pairs">How many pairs of test windows were interpolated.</param>
/// <param name="ExampleIndexA">Test-window index of A in the first pair.</param>
/// <param name="ExampleIndexB">Test-window index of B in the first pair.</param>
/// <param name="ExampleA">The first pair's A (tokens).</param>
/// <param name="ExampleB">The first pair's B (tokens).</param>
/// <param name="ExampleLatent">The first pair's latent interpolants, one melody per α.</param>
/// <param name="ExampleData">The first pair's data-space interpolants, one melody per α.</param>
public sealed record InterpolationStudy(
    double[] Alphas,
    double[] LatentHammingToA, double[] LatentHammingToAStd,
    double[] LatentHammingToB, double[] LatentHammingToBStd,
    double[] DataHammingToA, double[] DataHammingToAStd,
    double[] DataHammingToB, double[] DataHammingToBStd,
    double[] LatentPlausible, double[] DataPlausible,
    double[] LatentScore, double[] DataScore,
    double Threshold, int MinNotes, int MaxNotes, double PlausibleQuantile, int Pairs,
    int ExampleIndexA, int ExampleIndexB, int[] ExampleA, int[] ExampleB,
    int[][] ExampleLatent, int[][] ExampleData)
{
    /// <summary>
    /// A Markdown table, one row per α: mean ± std Hamming distance to A and to B for the latent and the data-space
    /// interpolants, and the share of each judged plausible; a line above it states the pairs and the threshold.
    /// </summary>
    public string ToMarkdown()
    {
        static string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
        static string Pm(double m, double s) => $"{F(m)} ± {F(s)}";
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture,
            $"{Pairs} pair{(Pairs == 1 ? "" : "s")} of test windows; plausible = n-gram log-probability per step ≥ {F(Threshold)} nats (the {F(PlausibleQuantile)} quantile of the test windows) and {MinNotes}–{MaxNotes} note-ons.\n\n");
        sb.Append("| α | Hamming to A, latent | Hamming to B, latent | Hamming to A, data | Hamming to B, data | plausible, latent | plausible, data |\n");
        sb.Append("|---|---|---|---|---|---|---|\n");
        for (int k = 0; k < Alphas.Length; k++)
            sb.Append(CultureInfo.InvariantCulture,
                $"| {F(Alphas[k])} | {Pm(LatentHammingToA[k], LatentHammingToAStd[k])} | {Pm(LatentHammingToB[k], LatentHammingToBStd[k])} | {Pm(DataHammingToA[k], DataHammingToAStd[k])} | {Pm(DataHammingToB[k], DataHammingToBStd[k])} | {F(LatentPlausible[k])} | {F(DataPlausible[k])} |\n");
        return sb.ToString();
    }
}
