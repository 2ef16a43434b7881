using LatentSynth.Music.Evaluation;
using LatentSynth.Music.Models;
using LatentSynth.Torch;

namespace LatentSynth.Music.Tests.Evaluation;

using Torch = LatentSynth.Torch.Torch;
using PolyNote = LatentSynth.Music.Data.PolyTree.PolyNote;

/// <summary>NoteF1 on hand-computed cases: both matchings, multisets, the empty cases and pooling over segments.</summary>
public class NoteF1Tests
{
    private static PolyNote N(int onset, int pitch, int duration) => new(onset, pitch, duration);

    [Fact]
    public void OnsetAndDurationMatchingsByHand()
    {
        PolyNote[] truth = [N(0, 60, 4), N(0, 64, 4), N(4, 67, 2)];
        PolyNote[] predicted = [N(0, 60, 4), N(0, 64, 2), N(5, 67, 2), N(8, 70, 1)];
        var r = NoteF1.Segment(truth, predicted);
        // Onset + pitch: (0, 60) and (0, 64) found: P = 2/4, R = 2/3, F1 = 2·(1/2)(2/3)/(1/2 + 2/3) = 4/7.
        Assert.Equal(new NoteScores(2, 4, 3), r.Onset);
        Assert.Equal(0.5, r.Onset.Precision, 12);
        Assert.Equal(2.0 / 3, r.Onset.Recall, 12);
        Assert.Equal(4.0 / 7, r.Onset.F1, 12);
        // Onset + pitch + duration: only (0, 60, 4): P = 1/4, R = 1/3, F1 = 2/7.
        Assert.Equal(new NoteScores(1, 4, 3), r.OnsetDuration);
        Assert.Equal(2.0 / 7, r.OnsetDuration.F1, 12);
        Assert.Equal(2.0 / 7, r.ToDictionary()["duration_f1"], 12);
        Assert.Equal(0.5, r.ToDictionary()["onset_p"], 12);
    }

    [Fact]
    public void ANoteMatchesAtMostOnce()
    {
        PolyNote[] truth = [N(0, 60, 4), N(0, 60, 4)];
        PolyNote[] predicted = [N(0, 60, 4), N(0, 60, 4), N(0, 60, 2)];
        var r = NoteF1.Segment(truth, predicted);
        Assert.Equal(new NoteScores(2, 3, 2), r.Onset);            // the third (0, 60) has no true note left
        Assert.Equal(2.0 / 3, r.Onset.Precision, 12);
        Assert.Equal(1.0, r.Onset.Recall, 12);
        Assert.Equal(new NoteScores(2, 3, 2), r.OnsetDuration);
        // Order does not matter.
        Assert.Equal(r, NoteF1.Segment(truth, predicted.Reverse().ToArray()));
    }

    [Fact]
    public void EmptyCasesAreDefined()
    {
        var both = NoteF1.Segment([], []);
        Assert.Equal((1.0, 1.0, 1.0), (both.Onset.Precision, both.Onset.Recall, both.Onset.F1));
        Assert.Equal(1.0, both.OnsetDuration.F1);
        var nothingPredicted = NoteF1.Segment([N(0, 60, 1), N(1, 62, 1)], []);
        Assert.Equal((0.0, 0.0, 0.0), (nothingPredicted.Onset.Precision, nothingPredicted.Onset.Recall, nothingPredicted.Onset.F1));
        var nothingTrue = NoteF1.Segment([], [N(0, 60, 1)]);
        Assert.Equal((0.0, 0.0, 0.0), (nothingTrue.Onset.Precision, nothingTrue.Onset.Recall, nothingTrue.Onset.F1));
    }

    [Fact]
    public void CorpusPoolsTheCountsOverSegments()
    {
        // Segment A: 1 true note, found. Segment B: 3 true notes, 1 wrong prediction.
        IReadOnlyCollection<PolyNote>[] truth = [[N(0, 60, 2)], [N(0, 48, 2), N(2, 50, 2), N(4, 52, 2)], []];
        IReadOnlyCollection<PolyNote>[] predicted = [[N(0, 60, 2)], [N(1, 48, 2)], []];
        var r = NoteF1.Corpus(truth, predicted);
        // Pooled: 1 matched of 2 predicted and 4 true: P = 1/2, R = 1/4, F1 = 1/3 (the mean of per-segment F1s would be (1 + 0 + 1)/3).
        Assert.Equal(new NoteScores(1, 2, 4), r.Onset);
        Assert.Equal(1.0 / 3, r.Onset.F1, 12);
        Assert.Equal(r.Onset, r.OnsetDuration);
        Assert.Throws<ArgumentException>(() => NoteF1.Corpus(truth, predicted[..2]));
    }

    [Fact]
    public void ClippingEndsANoteAtTheSegmentEnd()
    {
        Assert.Equal(N(24, 60, 8), N(24, 60, 16).ClippedTo(32));
        Assert.Equal(N(0, 60, 32), N(0, 60, 32).ClippedTo(32));
    }

    [Fact]
    public void ReconstructionsScoreTreesAgainstTheirClippedNotes()
    {
        using var scope = Torch.NewScope();
        var trees = BaselineTreeCodec.Tree([[N(0, 60, 4), N(24, 62, 16)], [], [N(3, 70, 1)]]);
        Assert.Equal([N(0, 60, 4), N(24, 62, 8)], NoteF1.TreeNotes(trees)[0]);
        Assert.Equal([N(0, 60, 4), N(24, 62, 16)], NoteF1.TreeNotes(trees, clipped: false)[0]);
        // A perfect reconstruction of what a segment can hold scores 1; the batches (2 + 1) are put together in order.
        var perfect = NoteF1.Reconstructions(trees, t => NoteF1.TreeNotes(t), batchSize: 2);
        Assert.Equal(new NoteScores(3, 3, 3), perfect.OnsetDuration);
        // Reconstructing the unclipped notes misses one duration.
        var unclipped = NoteF1.Reconstructions(trees, t => NoteF1.TreeNotes(t, clipped: false), batchSize: 2);
        Assert.Equal(new NoteScores(3, 3, 3), unclipped.Onset);
        Assert.Equal(new NoteScores(2, 3, 3), unclipped.OnsetDuration);
        Assert.Throws<ArgumentException>(() => NoteF1.Reconstructions(trees, t => [], batchSize: 2));
    }
}
