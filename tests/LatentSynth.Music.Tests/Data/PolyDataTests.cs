using LatentSynth.Data;
using LatentSynth.Music.Data;
using static LatentSynth.Music.Data.PolyTree;

namespace LatentSynth.Music.Tests.Data;

/// <summary>The PianoTree tree tensor (round trips, refusals) and its datasets (MIDI with chords, the JSB reading, sizes).</summary>
public class PolyDataTests
{
    /// <summary>Every tree of the set decodes (well-formed) and encodes back to itself exactly.</summary>
    private static void AssertEveryTreeRoundTrips(TensorDataset set)
    {
        var all = set.Examples.Contiguous().ToArray<float>();
        for (long i = 0; i < set.Count; i++)
        {
            var tree = all.AsSpan((int)(i * Size), Size);
            Assert.True(tree.SequenceEqual(Encode(Decode(tree))), $"tree {i} does not round-trip");
        }
    }

    private static float Slot(float[] tree, int step, int slot, int value = 0) => tree[(step * MaxNotes + slot) * Width + value];

    [Fact]
    public void NotesRoundTripThroughTheTreeSortedByPitchWithBinaryDurations()
    {
        var notes = new List<PolyNote> { new(0, 64, 4), new(0, 48, 32), new(0, 55, 1), new(5, 127, 17), new(31, 0, 9) };
        var tree = Encode(notes);
        Assert.Equal(Size, tree.Length);
        // Step 0: 48, 55, 64 by ascending pitch, then EOS, then pad.
        Assert.Equal([48f, 55f, 64f, Eos, Pad], Enumerable.Range(0, 5).Select(j => Slot(tree, 0, j)));
        // 32 sixteenths -> 31 = 11111; 1 -> 00000; 4 -> 3 = 00011, most significant bit first.
        Assert.Equal([1f, 1, 1, 1, 1], Enumerable.Range(1, 5).Select(k => Slot(tree, 0, 0, k)));
        Assert.Equal([0f, 0, 0, 0, 0], Enumerable.Range(1, 5).Select(k => Slot(tree, 0, 1, k)));
        Assert.Equal([0f, 0, 0, 1, 1], Enumerable.Range(1, 5).Select(k => Slot(tree, 0, 2, k)));
        Assert.Equal(Eos, Slot(tree, 1, 0));             // a step without onset: EOS in slot 0
        Assert.Equal(Pad, Slot(tree, 1, 1));
        Assert.Equal([0f, 0, 0, 0, 0], Enumerable.Range(1, 5).Select(k => Slot(tree, 0, 3, k)));
        var back = Decode(tree);
        Assert.Equal(notes.OrderBy(n => n.Onset).ThenBy(n => n.Pitch), back);
        Assert.Equal(tree, Encode(back));
    }

    [Fact]
    public void SixteenNotesFillAStepWithoutEos()
    {
        var notes = Enumerable.Range(0, MaxNotes).Select(i => new PolyNote(3, 40 + i, 2)).ToList();
        var tree = Encode(notes);
        Assert.All(Enumerable.Range(0, MaxNotes), j => Assert.Equal(40 + j, Slot(tree, 3, j)));
        Assert.Equal(notes, Decode(tree));
        var ex = Assert.Throws<ArgumentException>(() => Encode([.. notes, new PolyNote(3, 90, 1)]));
        Assert.Contains("step 3 holds 17 notes", ex.Message);
    }

    [Fact]
    public void BadNotesAndMalformedTreesAreRefusedByName()
    {
        Assert.Contains("onset", Assert.Throws<ArgumentException>(() => Encode([new PolyNote(32, 60, 1)])).Message);
        Assert.Contains("pitch", Assert.Throws<ArgumentException>(() => Encode([new PolyNote(0, 128, 1)])).Message);
        Assert.Contains("duration", Assert.Throws<ArgumentException>(() => Encode([new PolyNote(0, 60, 33)])).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => Encode([new PolyNote(0, 60, 1), new PolyNote(0, 60, 2)])).Message);

        var good = Encode([new PolyNote(2, 60, 3)]);
        Assert.Contains("3072", Assert.Throws<ArgumentException>(() => Decode(good.AsSpan(1))).Message);
        float[] Bad(Action<float[]> change) { var t = (float[])good.Clone(); change(t); return t; }
        Assert.Contains("step 2 slot 0: pitch token 60.5", Assert.Throws<ArgumentException>(() => Decode(Bad(t => t[(2 * MaxNotes) * Width] = 60.5f))).Message);
        Assert.Contains("step 2 slot 0: pitch token 130", Assert.Throws<ArgumentException>(() => Decode(Bad(t => t[(2 * MaxNotes) * Width] = 130))).Message);
        Assert.Contains("step 2 slot 1: pad before", Assert.Throws<ArgumentException>(() => Decode(Bad(t => t[(2 * MaxNotes + 1) * Width] = Pad))).Message);
        Assert.Contains("step 2 slot 2: token 61 after", Assert.Throws<ArgumentException>(() => Decode(Bad(t => t[(2 * MaxNotes + 2) * Width] = 61))).Message);
        Assert.Contains("step 2 slot 0: duration bit 4 is 2", Assert.Throws<ArgumentException>(() => Decode(Bad(t => t[(2 * MaxNotes) * Width + 5] = 2))).Message);
        Assert.Contains("step 0 slot 0: duration bits must be 0", Assert.Throws<ArgumentException>(() => Decode(Bad(t => t[1] = 1))).Message);
    }

    [Fact]
    public void ThinClipsLongNotesKeepsTheLongerDuplicateAndDropsInnerVoicesOfCrowdedSteps()
    {
        var crowded = Enumerable.Range(0, 18).Select(i => new PolyNote(0, 40 + i, 1));
        var notes = crowded.Concat([new PolyNote(1, 60, 40), new PolyNote(1, 60, 2), new PolyNote(1, 60, 5)]).ToList();
        var kept = Thin(notes, out int clipped, out int duplicates, out int dropped);
        Assert.Equal((1, 2, 2), (clipped, duplicates, dropped));
        var step0 = kept.Where(n => n.Onset == 0).Select(n => n.Pitch).ToList();
        Assert.Equal(MaxNotes, step0.Count);
        Assert.Contains(40, step0);                       // the bass survives
        Assert.Contains(57, step0);                       // the top voice survives
        Assert.Equal(new PolyNote(1, 60, 32), Assert.Single(kept, n => n.Onset == 1));
        Assert.Equal(kept.OrderBy(n => n.Onset).ThenBy(n => n.Pitch), Decode(Encode(kept)));
    }

    [Fact]
    public void JsbVoicesAreHeldWhileThePitchStaysAndStruckAfterAChangeOrASilence()
    {
        // One voice: 60 60 60 | 62 | -1 | 62 62 | 64; a second voice holds 48 throughout.
        int[] soprano = [60, 60, 60, 62, -1, 62, 62, 64];
        var steps = soprano.Select(p => new[] { p, 48 }).ToList();
        var tune = PolyData.FromVoices("toy", steps);
        Assert.Equal(16, tune.Length);
        Assert.Equal([new GridNote(48, 0, 8), new GridNote(60, 0, 3), new GridNote(62, 3, 4), new GridNote(62, 5, 7), new GridNote(64, 7, 8)], tune.Notes);
        Assert.Contains("step 1 voice 0", Assert.Throws<ArgumentException>(() => PolyData.FromVoices("bad", [[60, 48], [200, 48]])).Message);
        Assert.Contains("step 1 has 1 voices", Assert.Throws<ArgumentException>(() => PolyData.FromVoices("bad", [[60, 48], [60]])).Message);
    }

    [Fact]
    public void SegmentsEveryBarCountEmptyOnesAndClippedDurations()
    {
        // 4 units (64 steps): a chord at 0 lasting 40 sixteenths (clipped), nothing in units 1-2, a note at 48.
        var notes = new List<GridNote> { new(48, 0, 40), new(52, 0, 4), new(55, 0, 4), new(60, 48, 50) };
        var counts = new PolyData.SegmentCounts();
        var trees = PolyData.Segments(notes, 64, counts);
        Assert.Equal(2, trees.Count);                     // [0,32) and [32,64); [16,48) holds no onset
        Assert.Equal(1, counts.Empty);
        Assert.Equal(1, counts.Clipped);
        var first = Decode(trees[0]);
        Assert.Equal([new PolyNote(0, 48, 32), new PolyNote(0, 52, 4), new PolyNote(0, 55, 4)], first);
        Assert.Equal([new PolyNote(16, 60, 2)], Decode(trees[1]));
        Assert.Equal(2 * 32 - 2, counts.NotesPerStep[0]);
        Assert.Equal(1, counts.NotesPerStep[3]);
        Assert.Equal(1, counts.NotesPerStep[1]);
    }

    [Fact]
    public void MidiChordsWithTheirDurationsBecomeSeveralNotesPerStep()
    {
        var dir = MidiFixtures.TempFolder();
        try
        {
            // Track 0: a melody of quarters; track 1: a whole-note chord per bar (C E G), 4 bars of 4/4.
            var melody = Enumerable.Range(0, 16).Select(i => new MidiFixtures.Q(72 + i % 5, i, 1));
            var chords = Enumerable.Range(0, 4).SelectMany(b => new[] { 48, 52, 55 }.Select(p => new MidiFixtures.Q(p, 4 * b, 4, 1)));
            var path = MidiFixtures.Write(Path.Combine(dir, "song.mid"), 480, melody.Concat(chords), (0, 4, 4));
            var tune = PolyData.FromMidi(MidiReader.Read(path));
            Assert.Null(tune.SkipReason);
            Assert.Equal(64, tune.Length);
            var (loaded, summary) = PolyData.Load("midi-poly:" + dir);
            Assert.Equal(3, summary.TrainSegments + summary.TestSegments);
            using var splits = loaded.Splits;
            var all = splits.Train.Count > 0 ? splits.Train : splits.Test;
            Assert.Equal([all.Count, 32L, 16L, 6L], all.Examples.Shape);
            var notes = Decode(all.Examples.Narrow(0, 0, 1).Contiguous().ToArray<float>());
            Assert.Equal([48, 52, 55, 72], notes.Where(n => n.Onset == 0).Select(n => n.Pitch));
            Assert.Equal(16, notes.Single(n => n.Onset == 0 && n.Pitch == 48).Duration);
            Assert.Equal(4, notes.Single(n => n.Onset == 0 && n.Pitch == 72).Duration);
            Assert.True(summary.NotesPerStep[4] > 0, "the first step of each bar holds the chord and a melody note");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void TreesWrittenAsMidiReadBackAsTheSameNotes()
    {
        var dir = MidiFixtures.TempFolder();
        try
        {
            var a = Encode([new PolyNote(0, 48, 16), new PolyNote(0, 64, 4), new PolyNote(0, 67, 4), new PolyNote(30, 72, 6)]);
            var b = Encode([new PolyNote(4, 50, 32), new PolyNote(4, 62, 2)]);
            var path = Path.Combine(dir, "trees.mid");
            PolyData.WriteMidi(path, [.. a, .. b]);
            var tune = PolyData.FromMidi(MidiReader.Read(path));
            Assert.Null(tune.SkipReason);
            Assert.Equal([new GridNote(48, 0, 16), new GridNote(64, 0, 4), new GridNote(67, 0, 4), new GridNote(72, 30, 36),
                          new GridNote(50, 36, 68), new GridNote(62, 36, 38)], tune.Notes);
            Assert.Throws<ArgumentException>(() => PolyData.WriteMidi(path, a.AsSpan(1)));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void AMissingFolderAndAnUnreachableJsbAreNamed()
    {
        Assert.Throws<DatasetException>(() => PolyData.Load("midi-poly:/nonexistent/folder"));
        Assert.Throws<ArgumentException>(() => PolyData.Load("midi-poly:"));
        Assert.Throws<ArgumentException>(() => PolyData.Load("jsb"));
        var cache = MidiFixtures.TempFolder();
        try
        {
            var ex = Assert.Throws<DatasetException>(() => PolyData.LocateJsb(new DatasetOptions { CacheDir = cache }, null, "http://127.0.0.1:9/none.json"));
            Assert.Contains("jsb-poly", ex.Message);
            Assert.Contains(cache, ex.Message);
        }
        finally { Directory.Delete(cache, recursive: true); }
    }

    [Fact]
    public void TheDatasetsAreRegistered()
    {
        MusicData.Register();
        Assert.True(PolyData.IsPolyDataset("nottingham-poly"));
        Assert.True(PolyData.IsPolyDataset("jsb-poly"));
        Assert.True(PolyData.IsPolyDataset("midi-poly:/x"));
        Assert.False(MusicData.IsMusicDataset("jsb-poly"));
        Assert.Contains(DatasetCatalog.List(), d => d.Name == "nottingham-poly" && !d.IsPattern);
        Assert.Contains(DatasetCatalog.List(), d => d.Name == "jsb-poly");
        Assert.True(DatasetCatalog.IsKnown("midi-poly:/some/dir"));
    }

    [NottinghamFact]
    public void NottinghamWithChordsLoadsSegmentsWithSeveralNotesPerStep()
    {
        var (loaded, s) = PolyData.Load("nottingham-poly");
        using var splits = loaded.Splits;
        Assert.Equal(1034, s.PiecesRead);
        Assert.Equal(s.PiecesRead, s.PiecesKept + s.Skipped.Count);
        Assert.True(s.TrainSegments > 10_000, $"{s.TrainSegments} training segments");
        Assert.Equal([s.TrainSegments, 32L, 16L, 6L], splits.Train.Examples.Shape);
        Assert.Equal(s.TestSegments, splits.Test.Count);
        Assert.True(s.NotesPerStep.Skip(2).Sum() > 0, "some step holds more than one onset");
        Assert.Equal(s.Notes, s.NotesPerStep.Select((c, k) => c * k).Sum());
        AssertEveryTreeRoundTrips(splits.Train);
        Console.WriteLine($"nottingham-poly: {s.PiecesKept} tunes, train {s.TrainSegments} / test {s.TestSegments} segments, notes per step " +
                          string.Join(" ", s.NotesPerStep.Select((c, k) => $"{k}:{c}")) + $", clipped {s.ClippedDurations}, duplicates {s.DuplicateNotes}, dropped {s.DroppedNotes}, empty {s.EmptySegmentsDropped}");
    }

    [JsbFact]
    public void JsbLoadsTheGivenSplits()
    {
        var (loaded, s) = PolyData.Load("jsb-poly");
        using var splits = loaded.Splits;
        Assert.Equal((229, 77, 76), (s.TrainPieces, s.TestPieces, s.UnusedPieces));
        Assert.Equal([s.TrainSegments, 32L, 16L, 6L], splits.Train.Examples.Shape);
        Assert.True(s.NotesPerStep.Skip(4).Sum() > 0, "four voices strike together somewhere");
        Assert.Equal(0, s.NotesPerStep.Skip(5).Sum());  // never more than the 4 voices
        Assert.Equal(0, s.DroppedNotes);
        AssertEveryTreeRoundTrips(splits.Test);
        Console.WriteLine($"jsb-poly: train {s.TrainSegments} / test {s.TestSegments} segments, notes per step " +
                          string.Join(" ", s.NotesPerStep.Select((c, k) => $"{k}:{c}")) + $", clipped {s.ClippedDurations}, duplicates {s.DuplicateNotes}, empty {s.EmptySegmentsDropped}");
    }
}

/// <summary>A fact that runs only where the shared JSB copy exists (../shared/datasets/jsb-chorales beside the repository).</summary>
public sealed class JsbFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the file is absent.</summary>
    public JsbFactAttribute()
    {
        if (PolyData.SharedJsb() is null)
            Skip = "needs the JSB chorales at ../shared/datasets/jsb-chorales beside the repository (present in CI); not found here";
    }
}
