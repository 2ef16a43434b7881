using LatentSynth.Music.Data;
using LatentSynth.Music.Models;
using LatentSynth.Torch;

namespace LatentSynth.Music.Evaluation;

using PolyNote = LatentSynth.Music.Data.PolyTree.PolyNote;
using Torch = LatentSynth.Torch.Torch;

/// <summary>Precision, recall and F1 of one matching, with the counts they come from.</summary>
/// <param name="Matched">True positives: predicted notes matched to a true note (each true note matched at most once).</param>
/// <param name="Predicted">Predicted notes.</param>
/// <param name="True">True notes.</param>
public readonly record struct NoteScores(long Matched, long Predicted, long True)
{
    /// <summary>
    /// Matched / predicted. Conventions where a count is zero: 1 when there are neither predicted nor true notes (nothing
    /// to find and nothing wrongly found), 0 when nothing is predicted but there were true notes.
    /// </summary>
    public double Precision => Predicted > 0 ? (double)Matched / Predicted : True == 0 ? 1.0 : 0.0;

    /// <summary>Matched / true. 1 when there are neither true nor predicted notes, 0 when there are no true notes but some were predicted.</summary>
    public double Recall => True > 0 ? (double)Matched / True : Predicted == 0 ? 1.0 : 0.0;

    /// <summary>The harmonic mean 2PR / (P + R); 0 when P + R = 0.</summary>
    public double F1 => Precision + Recall > 0 ? 2 * Precision * Recall / (Precision + Recall) : 0.0;

    /// <summary>The counts of two sets of segments pooled.</summary>
    public static NoteScores operator +(NoteScores a, NoteScores b) =>
        new(a.Matched + b.Matched, a.Predicted + b.Predicted, a.True + b.True);
}

/// <summary>The two note-level scores of PianoTree's reconstruction table.</summary>
/// <param name="Onset">Notes matched on onset and pitch (the evaluator's "PITCH+ONSET").</param>
/// <param name="OnsetDuration">Notes matched on onset, pitch and duration (the evaluator's "PITCH+ON+OFF").</param>
public readonly record struct NoteF1Result(NoteScores Onset, NoteScores OnsetDuration)
{
    /// <summary>The values by name: onset_p, onset_r, onset_f1, duration_p, duration_r, duration_f1.</summary>
    public IReadOnlyDictionary<string, double> ToDictionary() => new Dictionary<string, double>
    {
        ["onset_p"] = Onset.Precision,
        ["onset_r"] = Onset.Recall,
        ["onset_f1"] = Onset.F1,
        ["duration_p"] = OnsetDuration.Precision,
        ["duration_r"] = OnsetDuration.Recall,
        ["duration_f1"] = OnsetDuration.F1,
    };
}

/// <summary>
/// Note-level precision, recall and F1 of reconstructed notes against the true ones, as PianoTree VAE reports them
/// (Wang et al., ISMIR 2020, §5, the reconstruction table): (a) a note is found when a reconstructed note has its onset and
/// pitch; (b) when it also has its duration.
/// </summary>
/// <remarks>
/// <para><b>Source.</b> The PianoTree-VAE repository (<c>ZZWaang/PianoTree-VAE</c>) holds no evaluation code; the
/// evaluator its authors used for polyphonic VAEs is "Polyphonic VAE evaluator, version 2.0, by jjy" (J. Jiang, a co-author),
/// <c>poly_eval_helper.py</c>, as shipped with <c>rihat99/PianoTreeMer</c>. It works on 32×128 rolls of {silence, sustain,
/// onset} cells; a note is an onset cell, its duration 1 + the run of sustain cells right after it; it counts true positives
/// "PITCH+ONSET" (both rolls have an onset in the cell) and "PITCH+ON+OFF" (also the same duration), and divides the counts
/// summed over <b>all segments</b> (micro-averaging, <c>np.sum</c> over the whole batch), not a mean of per-segment scores.
/// <see cref="Corpus"/> does the same; <see cref="Segment"/> gives one segment's counts.</para>
/// <para><b>Matching.</b> Notes are compared as multisets: a predicted note matches at most one true note with the same key
/// ((onset, pitch), or (onset, pitch, duration)), so the matches of a key are min(#true, #predicted). On a roll every key occurs
/// at most once, and this is the evaluator's cell-wise count. The lists are taken as given: for a model whose representation
/// cannot hold a note past the segment end (the baselines' rolls and event sequences), compare against
/// <see cref="PolyNote.ClippedTo"/> true notes, as the roll-based evaluator does implicitly.</para>
/// <para><b>Empty cases</b> (the evaluator divides by zero there): see <see cref="NoteScores.Precision"/> and
/// <see cref="NoteScores.Recall"/>; with no true and no predicted notes, P = R = F1 = 1.</para>
/// </remarks>
public static class NoteF1
{
    /// <summary>The counts of both matchings for one segment.</summary>
    public static NoteF1Result Segment(IReadOnlyCollection<PolyNote> truth, IReadOnlyCollection<PolyNote> predicted)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predicted);
        return new NoteF1Result(
            Match(truth, predicted, n => (n.Onset, n.Pitch, 0)),
            Match(truth, predicted, n => (n.Onset, n.Pitch, n.Duration)));
    }

    /// <summary>
    /// The scores of a set of segments: the counts of <see cref="Segment"/> summed over the pairs, then divided (the
    /// evaluator's pooled counts). <paramref name="truth"/> and <paramref name="predicted"/> hold one note list per segment.
    /// </summary>
    /// <exception cref="ArgumentException">The two hold different numbers of segments.</exception>
    public static NoteF1Result Corpus(IReadOnlyList<IReadOnlyCollection<PolyNote>> truth, IReadOnlyList<IReadOnlyCollection<PolyNote>> predicted)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predicted);
        if (truth.Count != predicted.Count)
            throw new ArgumentException($"truth holds {truth.Count} segments but predicted holds {predicted.Count}; pass one note list per segment in each", nameof(predicted));
        var total = default(NoteF1Result);
        for (int i = 0; i < truth.Count; i++)
        {
            var s = Segment(truth[i], predicted[i]);
            total = new NoteF1Result(total.Onset + s.Onset, total.OnsetDuration + s.OnsetDuration);
        }
        return total;
    }

    /// <summary>
    /// The notes of each segment of tree tensors <paramref name="trees"/> (float32 [N, 32, 16, 6], the PianoTree data contract),
    /// with durations clipped at the segment end when <paramref name="clipped"/> (what the baselines can reconstruct).
    /// </summary>
    /// <exception cref="ArgumentException">The tensor is not a batch of valid tree tensors (the message names segment, step and slot).</exception>
    public static List<PolyNote>[] TreeNotes(Tensor trees, bool clipped = true)
    {
        var notes = BaselineTreeCodec.Notes(trees, "note-f1", nameof(trees));
        return clipped ? notes.Select(BaselineTreeCodec.Clipped).ToArray() : notes;
    }

    /// <summary>
    /// The pooled scores (<see cref="Corpus"/>) of <paramref name="reconstruct"/> (for example a baseline's
    /// <c>ReconstructNotes</c>) on tree tensors <paramref name="trees"/>, <paramref name="batchSize"/> segments at a time,
    /// against the trees' notes clipped at the segment end (<see cref="TreeNotes"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The trees are invalid, or <paramref name="reconstruct"/> returns another number of segments.</exception>
    public static NoteF1Result Reconstructions(Tensor trees, Func<Tensor, IReadOnlyList<IReadOnlyCollection<PolyNote>>> reconstruct, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(reconstruct);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var truth = TreeNotes(trees);
        var predicted = new List<IReadOnlyCollection<PolyNote>>();
        long n = trees.Size(0);
        for (long s = 0; s < n; s += batchSize)
        {
            using var scope = Torch.NewScope();
            predicted.AddRange(reconstruct(trees.Narrow(0, s, Math.Min(batchSize, n - s))));
        }
        return Corpus(truth, predicted);
    }

    private static NoteScores Match(IReadOnlyCollection<PolyNote> truth, IReadOnlyCollection<PolyNote> predicted,
        Func<PolyNote, (int, int, int)> key)
    {
        var remaining = new Dictionary<(int, int, int), int>();
        foreach (var n in truth) remaining[key(n)] = remaining.GetValueOrDefault(key(n)) + 1;
        long matched = 0;
        foreach (var n in predicted)
        {
            var k = key(n);
            if (remaining.GetValueOrDefault(k) > 0)
            {
                remaining[k]--;
                matched++;
            }
        }
        return new NoteScores(matched, predicted.Count, truth.Count);
    }
}
