using LatentSynth.Data;
using LatentSynth.Music.Data;
using LatentSynth.Torch;
using static LatentSynth.Music.Tests.Data.MidiFixtures;

namespace LatentSynth.Music.Tests.Data;

[Collection("MusicProcessWide")]
public sealed class InpaintDataTests : IDisposable
{
    private readonly string dir = TempFolder();

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private const int H = InpaintTokens.Hold, R = InpaintTokens.Rest;

    /// <summary>
    /// Three 4/4 bars: a quarter, an 8th-note triplet, two 16ths and a 16th rest, a dotted quarter;
    /// a half note, then a note from beat 3 of bar 2 across the bar line to the middle of bar 3.
    /// </summary>
    private static readonly Q[] Figure =
    [
        new(60, 0, 1),
        new(62, 1, 1.0 / 3), new(64, 1 + 1.0 / 3, 1.0 / 3), new(65, 1 + 2.0 / 3, 1.0 / 3),
        new(67, 2, 0.25), new(69, 2.25, 0.25), // a 16th rest at 2.5
        new(71, 2.75, 1.25),                    // ends on the bar line
        new(72, 4, 2), new(74, 6, 4),           // 74 sounds on into bar 3
    ];

    [Fact]
    public void ATripletFigureIsRefusedByThe16thGridAndKeptExactlyByThe24StepGridThroughMidi()
    {
        var path = Write(Path.Combine(dir, "triplets.mid"), 480, Figure, (0, 4, 4));
        var tune = MidiReader.Read(path);
        Assert.Equal("notes off the 16th grid", MelodyGrid.ToTokens(tune).SkipReason);

        var grid = InpaintGrid.ToTokens(tune);
        Assert.Null(grid.SkipReason);
        var t = grid.Tokens!;
        Assert.Equal(3 * 24, t.Length);
        Assert.Equal(3, grid.Units);
        // Steps lie at 0, 1/4, 1/3, 1/2, 2/3, 3/4 of each beat: a triplet 8th takes 2 steps, a 16th 1 or 2.
        int[] bar1 = [60, H, H, H, H, H, 62, H, 64, H, 65, H, 67, 69, H, R, R, 71, H, H, H, H, H, H];
        Assert.Equal(bar1, t[..24]);
        Assert.Equal([72, .. Enumerable.Repeat(H, 11), 74, .. Enumerable.Repeat(H, 11)], t[24..48]);
        Assert.Equal([.. Enumerable.Repeat(H, 12), .. Enumerable.Repeat(R, 12)], t[48..]);

        // tokens → MIDI → tokens: the same tokens, and the notes where the fixture put them.
        var written = Path.Combine(dir, "out", "written.mid");
        InpaintGrid.WriteMidi(written, t);
        var again = InpaintGrid.ToTokens(MidiReader.Read(written));
        Assert.Null(again.SkipReason);
        Assert.Equal(t, again.Tokens);
        var back = MidiReader.Read(written);
        Assert.Equal(Figure.Select(n => (n.Pitch, (long)Math.Round(n.Start * 480))),
            back.Notes.OrderBy(n => n.OnTick).Select(n => (n.Pitch, n.OnTick)));
        Assert.Equal(Figure.Length, InpaintGrid.Decode(t).Count);
        Assert.Equal(t, InpaintGrid.Encode(InpaintGrid.Decode(t), t.Length));
    }

    [Fact]
    public void TheGridsQuantizeToTheirLinesAndMeasureTheToleranceInTheirSpacing()
    {
        var g = BeatGrid.SixteenthsAndTriplets;
        Assert.Equal(24, g.StepsPerBar);
        Assert.Equal(1.0 / 12, g.Spacing, 12);
        Assert.Equal(2, g.Quantize(160, 480, out var d)); // a triplet 8th
        Assert.Equal(0, d, 9);
        Assert.Equal(1, g.Quantize(120, 480, out d));   // a 16th
        Assert.Equal(7, g.Quantize(600, 480, out d));   // beat 1 + a 16th
        Assert.Equal(2, g.Quantize(168, 480, out d));   // 8 ticks late: 0.2 of the 1/12-quarter spacing
        Assert.Equal(0.2, d, 9);
        Assert.Equal(160, g.TickOf(2, 480));
        Assert.Equal(600, g.TickOf(7, 480));
        // The 16th grid is unchanged: a triplet 8th is 1/3 step off.
        Assert.Equal(1, BeatGrid.Sixteenths.Quantize(160, 480, out d));
        Assert.Equal(1.0 / 3, d, 9);
        // Slightly off: kept within 0.2 spacing, refused beyond.
        var late = Write(Path.Combine(dir, "late.mid"), 480, [new(60, 0, 1), new(62, 1 + 1.0 / 3 + 6.0 / 480, 1.0 / 3)], (0, 4, 4));
        Assert.Null(InpaintGrid.ToTokens(MidiReader.Read(late)).SkipReason);
        var later = Write(Path.Combine(dir, "later.mid"), 480, [new(60, 0, 1), new(62, 1 + 1.0 / 3 + 12.0 / 480, 1.0 / 3)], (0, 4, 4));
        Assert.Equal("notes off the 24-step grid (16ths and triplets)", InpaintGrid.ToTokens(MidiReader.Read(later)).SkipReason);
    }

    [Fact]
    public void SplitAndMergeRoundTripOnEdgeCases()
    {
        int[] allRest = [.. Enumerable.Repeat(R, 24)];
        var (p, r) = InpaintGrid.Split(allRest);
        Assert.All(p, x => Assert.Equal(InpaintGrid.PitchPad, x));
        Assert.All(r, x => Assert.Equal(BarRhythm.Rest, x));
        Assert.Equal(allRest, InpaintGrid.Merge(p, r));

        int[] whole = [67, .. Enumerable.Repeat(H, 23)];
        (p, r) = InpaintGrid.Split(whole);
        Assert.Equal([67, .. Enumerable.Repeat(InpaintGrid.PitchPad, 23)], p);
        Assert.Equal([BarRhythm.Onset, .. Enumerable.Repeat(BarRhythm.Hold, 23)], r);
        Assert.Equal(whole, InpaintGrid.Merge(p, r));

        // A bar that starts by holding the previous bar's note keeps the hold on its first step.
        int[] tied = [H, H, H, H, H, H, 60, H, H, H, H, H, R, R, R, R, R, R, 62, 64, 65, H, H, H];
        (p, r) = InpaintGrid.Split(tied);
        Assert.Equal([60, 62, 64, 65], p[..4]);
        Assert.Equal(BarRhythm.Hold, r[0]);
        Assert.Equal(tied, InpaintGrid.Merge(p, r));
        int[] allHold = [.. Enumerable.Repeat(H, 24)];
        Assert.Equal(allHold, InpaintGrid.Merge(InpaintGrid.Split(allHold).Pitches, InpaintGrid.Split(allHold).Rhythm));

        // 24 onsets: no padding.
        int[] busy = [.. Enumerable.Range(40, 24)];
        (p, r) = InpaintGrid.Split(busy);
        Assert.Equal(busy, p);
        Assert.Equal(busy, InpaintGrid.Merge(p, r));

        // Refusals, each naming the problem.
        Assert.Contains("24 steps", Assert.Throws<ArgumentException>(() => InpaintGrid.Split(new int[16])).Message);
        Assert.Throws<ArgumentException>(() => InpaintGrid.Split([130, .. Enumerable.Repeat(H, 23)]));
        var (tp, tr) = InpaintGrid.Split(tied);
        tp[4] = 70; // a pitch beyond the onsets
        Assert.Contains("padded with 128", Assert.Throws<ArgumentException>(() => InpaintGrid.Merge(tp, tr)).Message);
        (tp, tr) = InpaintGrid.Split(tied);
        tp[3] = InpaintGrid.PitchPad; // an onset without its pitch
        Assert.Contains("one pitch 0–127 per onset", Assert.Throws<ArgumentException>(() => InpaintGrid.Merge(tp, tr)).Message);
        tr[5] = 3;
        Assert.Throws<ArgumentException>(() => InpaintGrid.Merge(InpaintGrid.Split(tied).Pitches, tr));
    }

    [Fact]
    public void SplitAndMergeRoundTripOnEveryBarOfGeneratedData()
    {
        var rng = new Random(13);
        int bars = 0;
        for (int tune = 0; tune < 50; tune++)
        {
            // A random monophonic melody over 8 bars (notes across bar lines, rests), and random token soup.
            var notes = new List<GridNote>();
            for (int s = 0; s < 8 * 24;)
            {
                int len = rng.Next(1, 30);
                if (rng.Next(4) > 0) notes.Add(new GridNote(rng.Next(0, 128), s, Math.Min(s + len, 8 * 24)));
                s += len;
            }
            var melody = InpaintGrid.Encode(notes, 8 * 24);
            Assert.Equal(notes, InpaintGrid.Decode(melody));
            var soup = Enumerable.Range(0, 8 * 24).Select(_ => rng.Next(0, InpaintTokens.Count)).ToArray();
            foreach (var tokens in new[] { melody, soup })
                for (int b = 0; b < 8; b++, bars++)
                {
                    var bar = tokens.AsSpan(b * 24, 24);
                    var (p, r) = InpaintGrid.Split(bar);
                    Assert.Equal(bar.ToArray(), InpaintGrid.Merge(p, r));
                    Assert.Equal(r.Count(x => x == BarRhythm.Onset), p.Count(x => x != InpaintGrid.PitchPad));
                }
        }
        Assert.Equal(800, bars);
    }

    /// <summary>Tunes of <paramref name="bars"/> 4/4 bars, each with its own pitch, one note per half bar and an empty 5th bar.</summary>
    private void WriteTunes(int count, int bars, string prefix = "tune")
    {
        for (int k = 0; k < count; k++)
            Write(Path.Combine(dir, $"{prefix}{k:D2}.mid"), 480,
                Enumerable.Range(0, 2 * bars).Where(i => i / 2 != 4).Select(i => new Q(50 + k, 2 * i, 2)), (0, 4, 4));
    }

    [Fact]
    public void InpaintWindowsAndBarsAreSplitByTuneAndStoredAsInt64()
    {
        WriteTunes(10, 18);
        var (loaded, s) = MelodyDataset.Load("t", dir, "fixtures", MusicData.Inpaint with { TestFraction = 0.2 });
        using var _ = loaded;
        Assert.Equal((10, 8, 2), (s.Tunes, s.TrainTunes, s.TestTunes));
        Assert.Equal((24L, 6L), (s.TrainWindows, s.TestWindows)); // 3 windows of 16 bars in an 18-bar tune
        var train = loaded.Splits.Train.Examples;
        Assert.Equal(DType.Int64, train.DType);
        Assert.Equal([24L, 384L], train.Shape);
        Assert.Equal([384L], loaded.Report.ItemShape);
        static HashSet<long> Pitches(Tensor x) => x.ToArray<long>().Where(t => t < InpaintTokens.Hold).ToHashSet();
        var trainPitches = Pitches(train);
        var testPitches = Pitches(loaded.Splits.Test.Examples);
        Assert.Equal(8, trainPitches.Count);
        Assert.Equal(2, testPitches.Count);
        Assert.Empty(trainPitches.Intersect(testPitches));
        Assert.Equal(InpaintTokens.Count, s.TokenCounts.Length);
        Assert.Equal(10L * 18 * 24, s.TokenCounts.Sum());
        Assert.Equal(10L * 24, s.TokenCounts[InpaintTokens.Rest]); // the empty 5th bar

        // The same tunes as single bars: all bars kept (the empty one too), the same tunes in each split.
        var (bars, b) = MelodyDataset.Load("b", dir, "fixtures", MusicData.NottinghamNames["nottingham-bars24"] with { TestFraction = 0.2 });
        using var __ = bars;
        Assert.Equal((s.TrainTunes, s.TestTunes), (b.TrainTunes, b.TestTunes));
        Assert.Equal((8L * 18, 2L * 18), (b.TrainWindows, b.TestWindows));
        Assert.Equal([144L, 24L], bars.Splits.Train.Examples.Shape);
        Assert.Equal(trainPitches, Pitches(bars.Splits.Train.Examples));
        Assert.Contains(Enumerable.Range(0, 144), i => bars.Splits.Train.Examples.ToArray<long>().Skip(i * 24).Take(24).All(t => t == InpaintTokens.Rest));
    }

    [Fact]
    [BadInput("music data", "midi-inpaint:DIR with a tune shorter than 16 bars and a 3/4 tune", "the short tune gives no window and is counted; the 3/4 tune is skipped with its signature")]
    public void AShortTuneIsCountedAndANon44TuneIsSkippedWithItsSignature()
    {
        WriteTunes(3, 17);
        WriteTunes(1, 8, "short");
        Write(Path.Combine(dir, "waltz.mid"), 480, Enumerable.Range(0, 48).Select(i => new Q(60, i, 1)), (0, 3, 4));
        var warnings = new List<string>();
        var (loaded, s) = MusicData.Load("midi-inpaint:" + dir, new DatasetOptions { Warn = warnings.Add });
        using var _ = loaded;
        Assert.Equal(4, s.Tunes);
        Assert.Equal(1, s.TunesShorterThanWindow);
        Assert.Equal(6L, s.TrainWindows + s.TestWindows); // 2 per 17-bar tune, none from the 8-bar one
        var waltz = Assert.Single(s.Skipped);
        Assert.Equal("time signature 3/4", waltz.Reason);
        Assert.Contains("24-step units", waltz.Detail);
        Assert.Contains(warnings, w => w.Contains("1 time signature 3/4", StringComparison.Ordinal));
    }

    [NottinghamFact]
    public void NottinghamInpaintCountsAreStable()
    {
        var (loaded, s) = MusicData.Load("nottingham-inpaint", new DatasetOptions { CacheDir = dir });
        using var _ = loaded;
        Assert.Equal(1034, s.FilesRead);
        Assert.Equal(578, s.Tunes); // the 16th grid keeps 471
        Assert.Equal(456, s.Skipped.Count);
        var reasons = s.SkippedByReason.ToDictionary(g => g.Reason, g => g.Count);
        Assert.Equal(349, reasons["time signature 6/8"]);
        Assert.Equal(60, reasons["time signature 3/4"]);
        Assert.Equal(28, reasons["notes off the 24-step grid (16ths and triplets)"]);
        Assert.Equal(19_887, s.Bars);
        Assert.Equal(38, s.TwoFourTunes);
        Assert.Equal(20, s.TunesShorterThanWindow);
        Assert.Equal((520, 58), (s.TrainTunes, s.TestTunes));
        Assert.Equal((9_732L, 1_597L), (s.TrainWindows, s.TestWindows));
        Assert.Equal(0, s.RestWindowsDropped);
        Assert.Equal([384L], loaded.Report.ItemShape);

        var (bars, b) = MusicData.Load("nottingham-bars24", new DatasetOptions { CacheDir = dir });
        using var __ = bars;
        Assert.Equal((17_426L, 2_461L), (b.TrainWindows, b.TestWindows));
        Assert.Equal(s.Bars, b.TrainWindows + b.TestWindows);
        Assert.Equal([24L], bars.Report.ItemShape);
    }
}
