using LatentSynth.Music.Data;

namespace LatentSynth.Music.Tests.Data;

public sealed class MelodyWindowsTests
{
    private static int[] Tune(int units, Func<int, int> tokenAt) => Enumerable.Range(0, units * 16).Select(tokenAt).ToArray();

    [Fact]
    public void WindowsHopByBarsAndDropThoseWithoutANoteOn()
    {
        // 6 units; unit 3 and 4 are all rests (no-event after a note-off).
        var t = Tune(6, i => i / 16 is 3 or 4 ? MelodyTokens.NoEvent : i % 4 == 0 ? MelodyTokens.NoteOn(60 + i % 12) : MelodyTokens.NoEvent);
        t[48] = MelodyTokens.NoteOff;
        var two = MelodyWindows.Slice(t, 2, 1, out int dropped);
        Assert.Equal(4, two.Count);  // starts 0,1,2,4 kept; 3 (units 3-4) dropped
        Assert.Equal(1, dropped);
        Assert.All(two, w => Assert.Equal(32, w.Length));
        Assert.Equal(t[64..96], two[3]);
        var hop2 = MelodyWindows.Slice(t, 2, 2, out dropped);
        Assert.Equal(3, hop2.Count);
        Assert.Equal(0, dropped);
        Assert.Empty(MelodyWindows.Slice(t, 16, 1, out _)); // too short for 16 bars
    }

    [Fact]
    public void TranspositionStaysWithinA0ToC8()
    {
        var w = new[] { MelodyTokens.NoteOn(21), MelodyTokens.NoEvent, MelodyTokens.NoteOff, MelodyTokens.NoteOn(100) };
        Assert.Null(MelodyWindows.Transpose(w, -1));
        Assert.Equal([MelodyTokens.NoteOn(29), 0, 1, MelodyTokens.NoteOn(108)], MelodyWindows.Transpose(w, 8)!);
        Assert.Null(MelodyWindows.Transpose(w, 9));
        Assert.Equal(w, MelodyWindows.Transpose(w, 0)!);
    }

    [Fact]
    public void TheSplitIsByTuneSeededAndIndependentOfInputOrder()
    {
        var names = Enumerable.Range(0, 50).Select(i => $"tune{i:D2}").ToList();
        var (train, test) = MelodyWindows.SplitByTune(names, 0.1, 9010);
        Assert.Equal(5, test.Length);
        Assert.Equal(45, train.Length);
        Assert.Empty(train.Intersect(test));
        Assert.Equal(Enumerable.Range(0, 50), train.Concat(test).Order());
        var (_, again) = MelodyWindows.SplitByTune(names, 0.1, 9010);
        Assert.Equal(test, again);
        var shuffled = names.AsEnumerable().Reverse().ToList();
        var (_, testShuffled) = MelodyWindows.SplitByTune(shuffled, 0.1, 9010);
        Assert.Equal(test.Select(i => names[i]).Order(), testShuffled.Select(i => shuffled[i]).Order());
        var (_, other) = MelodyWindows.SplitByTune(names, 0.1, 1);
        Assert.NotEqual(test.Select(i => names[i]).Order(), other.Select(i => names[i]).Order());
    }
}
