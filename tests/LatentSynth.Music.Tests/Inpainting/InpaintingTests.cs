using LatentSynth.Music.Data;
using LatentSynth.Music.Inpainting;

namespace LatentSynth.Music.Tests.Inpainting;

public sealed class InpaintingTests
{
    private const int N = InpaintTokens.StepsPerBar;

    /// <summary>A tune of <paramref name="bars"/> bars: bar b has onsets of pitch 50 + b at steps 0 and 12 (bar 3 also at 6, bar 5 ends in rest).</summary>
    internal static int[] Tune(int bars)
    {
        var t = new int[bars * N];
        for (int b = 0; b < bars; b++)
            for (int s = 0; s < N; s++)
            {
                int i = b * N + s;
                t[i] = s is 0 or 12 || (b == 3 && s == 6) ? 50 + b + (s == 12 ? 1 : 0) : InpaintTokens.Hold;
                if (b == 5 && s >= 18) t[i] = s == 18 ? InpaintTokens.Rest : InpaintTokens.Hold;
            }
        return t;
    }

    // ---- gap -------------------------------------------------------------------------------

    [Theory]
    [InlineData("7-10", 6, 4)]
    [InlineData(" 7 - 10 ", 6, 4)]
    [InlineData("1", 0, 1)]
    [InlineData("3-3", 2, 1)]
    public void GapParsesOneBasedInclusiveIntoZeroBased(string text, int first, int count)
    {
        var g = InpaintGap.Parse(text);
        Assert.Equal(new InpaintGap(first, count), g);
        Assert.Equal(g, InpaintGap.Parse(g.ToString()));
    }

    [Theory]
    [InlineData("seven", "is not a bar range")]
    [InlineData("7-", "is not a bar range")]
    [InlineData("0-3", "numbered from 1")]
    [InlineData("10-7", "the last bar 7 comes before the first bar 10")]
    [InlineData("1-2-3", "is not a bar range")]
    public void BadGapTextIsRefusedByName(string text, string message) =>
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => InpaintGap.Parse(text)).Message);

    [Theory]
    [InlineData("7-10", 16, null)]
    [InlineData("11-14", 20, null)]
    [InlineData("7-10", 15, "shorter than the 16-bar window")]
    [InlineData("7-9", 20, "has 3 bars")]
    [InlineData("18-21", 20, "lies outside the tune, which has bars 1-20")]
    [InlineData("5-8", 20, "leaves 4 bars before it; the models need 6")]
    [InlineData("12-15", 20, "leaves 5 bars after it; the models need 6")]
    public void GapIsCheckedAgainstTheTune(string gap, int bars, string? message)
    {
        var g = InpaintGap.Parse(gap);
        if (message is null) { g.CheckInTune(bars); return; }
        var e = Assert.Throws<ArgumentException>(() => g.CheckInTune(bars));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void RefusalNearTheEndsSaysWhichGapsFit() =>
        Assert.Contains("gaps from 7-10 to 11-14 fit", Assert.Throws<ArgumentException>(() => InpaintGap.Parse("3-6").CheckInTune(20)).Message);

    [Fact]
    public void WindowAroundPutsTheGapAtBarsSevenToTen()
    {
        var tune = Tune(20);
        var (window, start) = InpaintGap.WindowAround(tune, InpaintGap.Parse("9-12"));
        Assert.Equal(2, start);
        Assert.Equal(InpaintGrid.WindowSteps, window.Length);
        Assert.Equal(tune.AsSpan(2 * N, 16 * N).ToArray(), window);
        Assert.Equal(new InpaintGap(6, 4), InpaintGap.Window);
        Assert.Equal("7-10", InpaintGap.Window.ToString());
        Assert.Throws<ArgumentException>(() => InpaintGap.WindowAround(Tune(15), InpaintGap.Parse("7-10")));
    }

    // ---- baseline ---------------------------------------------------------------------------

    [Fact]
    public void BaselineFillsExactlyTheGapWithTheNearestBarsAndKeepsTheContext()
    {
        var window = Tune(16);
        var gap = InpaintGap.Window;
        var hidden = (int[])window.Clone();
        Array.Fill(hidden, 77, gap.StartStep, gap.EndStep - gap.StartStep); // the filler must not look at the gap
        var filled = new RepeatContextFiller().Fill(hidden, gap, null, null);
        Assert.Equal(window.Length, filled.Length);
        for (int i = 0; i < window.Length; i++)
            if (i < gap.StartStep || i >= gap.EndStep) Assert.Equal(window[i], filled[i]);
        int[] sources = [4, 5, 10, 11];
        for (int k = 0; k < 4; k++)
        {
            Assert.Equal(sources[k], RepeatContextFiller.SourceBar(gap, k));
            Assert.Equal(InpaintControls.Bar(window, sources[k]), InpaintControls.Bar(filled, 6 + k));
        }
        Assert.Null(new RepeatContextFiller().GapNegativeLogLikelihood(window, gap));
        Assert.Equal(77, hidden[gap.StartStep]); // the input is not changed
    }

    [Fact]
    public void BaselineRefusesAGapWithoutContext()
    {
        var e = Assert.Throws<ArgumentException>(() => new RepeatContextFiller().Fill(Tune(16), new InpaintGap(0, 4), null, null));
        Assert.Contains("at least one bar of context", e.Message);
        Assert.Throws<ArgumentException>(() => new RepeatContextFiller().Fill(new int[25], InpaintGap.Window, null, null));
    }

    // ---- controls -----------------------------------------------------------------------------

    public static IEnumerable<object[]> Fillers() => [[new RepeatContextFiller()]];

    private static readonly int[] GivenRhythm = SketchSyntax.ParseRhythmSketch("7:x--x-- x-x-x- ...... x-----")[6];

    [Theory]
    [MemberData(nameof(Fillers))]
    public void AGivenRhythmAppearsExactlyInTheOutput(IGapFiller filler)
    {
        var window = Tune(16);
        var controls = new InpaintControls(new Dictionary<int, BarSketch> { [1] = new(Rhythm: GivenRhythm) });
        var filled = filler.Fill(window, InpaintGap.Window, controls, null);
        Assert.Equal(GivenRhythm, InpaintGrid.Split(InpaintControls.Bar(filled, 7)).Rhythm);
        // The other gap bars are the filler's own.
        Assert.Equal(InpaintControls.Bar(filler.Fill(window, InpaintGap.Window, null, null), 6), InpaintControls.Bar(filled, 6));
    }

    [Theory]
    [MemberData(nameof(Fillers))]
    public void AGivenPitchSketchAppearsExactlyAsTheOnsetPitches(IGapFiller filler)
    {
        var window = Tune(16);
        foreach (var pitches in new[] { new[] { 72, 74 }, new[] { 72, 74, 76, 77, 79 }, new[] { 60 } })
        {
            var controls = new InpaintControls(new Dictionary<int, BarSketch> { [2] = new(Pitches: pitches) });
            var filled = filler.Fill(window, InpaintGap.Window, controls, null);
            var onsets = InpaintGrid.Split(InpaintControls.Bar(filled, 8)).Pitches.TakeWhile(p => p != InpaintGrid.PitchPad);
            Assert.Equal(pitches, onsets);
        }
    }

    [Theory]
    [MemberData(nameof(Fillers))]
    public void BothSketchesAreHonouredTogether(IGapFiller filler)
    {
        var controls = new InpaintControls(new Dictionary<int, BarSketch> { [3] = new([70, 71, 72, 73, 74, 75], GivenRhythm) });
        var bar = InpaintControls.Bar(filler.Fill(Tune(16), InpaintGap.Window, controls, null), 9);
        var (p, r) = InpaintGrid.Split(bar);
        Assert.Equal(GivenRhythm, r);
        Assert.Equal([70, 71, 72, 73, 74, 75], p.Take(6));
    }

    [Fact]
    public void ControlsThatDoNotFitAreRefusedByName()
    {
        var f = new RepeatContextFiller();
        var outside = new InpaintControls(new Dictionary<int, BarSketch> { [4] = new(Pitches: [60]) });
        Assert.Contains("outside the gap", Assert.Throws<ArgumentException>(() => f.Fill(Tune(16), InpaintGap.Window, outside, null)).Message);
        var tooMany = new InpaintControls(new Dictionary<int, BarSketch> { [0] = new(Enumerable.Repeat(60, 7).ToArray(), GivenRhythm) });
        var e = Assert.Throws<ArgumentException>(() => f.Fill(Tune(16), InpaintGap.Window, tooMany, null));
        Assert.Contains("bar 7", e.Message);
        Assert.Contains("7 pitches but the rhythm sketch only 6 onsets", e.Message);
        var shortRhythm = new InpaintControls(new Dictionary<int, BarSketch> { [0] = new(Rhythm: [0, 1, 1]) });
        Assert.Contains("24 steps, not 3", Assert.Throws<ArgumentException>(() => f.Fill(Tune(16), InpaintGap.Window, shortRhythm, null)).Message);
    }

    // ---- metrics ------------------------------------------------------------------------------

    [Fact]
    public void MetricsFollowSketchNetsDefinitions()
    {
        int H = InpaintTokens.Hold, R = InpaintTokens.Rest;
        int[] truth = [60, H, H, 62, H, R, H, 64];
        Assert.Equal(1.0, InpaintMetrics.PitchAccuracy(truth, truth));
        Assert.Equal(1.0, InpaintMetrics.RhythmAccuracy(truth, truth));
        // 3 true onsets (60, 62, 64): 60 right, 62 wrong pitch, 64 turned into a hold → 1/3.
        // 5 true hold/rest steps: step 1 right, step 2 a note-on (wrong), step 4 right, step 5 hold instead of rest (wrong), step 6 right → 3/5.
        int[] filled = [60, H, 67, 61, H, H, H, H];
        Assert.Equal(1.0 / 3, InpaintMetrics.PitchAccuracy(truth, filled)!.Value, 12);
        Assert.Equal(3.0 / 5, InpaintMetrics.RhythmAccuracy(truth, filled)!.Value, 12);
        Assert.Null(InpaintMetrics.PitchAccuracy([H, R], [H, R]));
        Assert.Null(InpaintMetrics.RhythmAccuracy([60, 61], [60, 61]));
        Assert.Throws<ArgumentException>(() => InpaintMetrics.PitchAccuracy([60], [60, H]));
    }

    private sealed class Oracle(double nll) : IGapFiller
    {
        public string Name => "oracle";
        public int[] Fill(int[] window, InpaintGap gap, InpaintControls? controls, LatentSynth.Torch.Generator? generator) => Truth!;
        public double? GapNegativeLogLikelihood(int[] window, InpaintGap gap, InpaintControls? controls = null)
        {
            NllControls.Add(controls);
            return nll;
        }
        public int[]? Truth { get; set; }
        public List<InpaintControls?> NllControls { get; } = [];
    }

    [Fact]
    public void EvaluationAveragesPerWindowAndHidesTheGap()
    {
        var a = Tune(16);
        var oracle = new Oracle(0.25) { Truth = a };
        var s = InpaintEvaluation.Evaluate(oracle, [a]);
        Assert.Equal((1.0, 1.0, 0.25, 1), (s.PitchAccuracy, s.RhythmAccuracy, s.NegativeLogLikelihood, s.Windows));

        // The baseline on a tune where bars 4,5,10,11 differ from 6..9: accuracies known from the construction.
        var b = new RepeatContextFiller();
        var sb = InpaintEvaluation.Evaluate(b, [a, a]);
        Assert.Null(sb.NegativeLogLikelihood);
        var filled = b.Fill(a, InpaintGap.Window, null, null);
        var gap = InpaintGap.Window;
        double p = InpaintMetrics.PitchAccuracy(a.AsSpan(gap.StartStep, 96), filled.AsSpan(gap.StartStep, 96))!.Value;
        Assert.Equal(0.0, p); // every bar has its own pitches
        Assert.Equal(p, sb.PitchAccuracy);
        // Rhythm: gap bars 6..9 are onsets at steps 0 and 12 and 22 holds each (88 non-onset steps); sources 4, 10, 11 have the same
        // rhythm, source 5 has a rest at step 18 (then holds, which continue the rest): 1 of 88 wrong.
        Assert.Equal(87.0 / 88, sb.RhythmAccuracy, 12);

        var broken = new Oracle(0) { Truth = new int[a.Length] };
        Assert.Contains("changed step 0", Assert.Throws<ArgumentException>(() => InpaintEvaluation.Evaluate(broken, [a])).Message);
        // True-rhythm controls make the baseline's rhythm exact.
        var sr = InpaintEvaluation.Evaluate(b, [a], controls: w => InpaintControls.TrueRhythm(w, InpaintGap.Window));
        Assert.Equal(1.0, sr.RhythmAccuracy);
        // The likelihood is asked given the same controls as the fill (row (d): NLL given the true rhythm).
        var seen = new Oracle(0.5) { Truth = a };
        InpaintEvaluation.Evaluate(seen, [a], controls: w => InpaintControls.TrueRhythm(w, InpaintGap.Window));
        var given = Assert.Single(seen.NllControls);
        Assert.NotNull(given);
        Assert.Equal(InpaintControls.TrueRhythm(a, InpaintGap.Window).Bars[2].Rhythm, given.Bars[2].Rhythm);
    }

    // ---- sketch syntax ------------------------------------------------------------------------

    [Theory]
    [InlineData("C4", 60)]
    [InlineData("c4", 60)]
    [InlineData("F#5", 78)]
    [InlineData("Bb3", 58)]
    [InlineData("C-1", 0)]
    [InlineData("G9", 127)]
    [InlineData("72", 72)]
    public void PitchesParse(string text, int pitch)
    {
        Assert.Equal(pitch, SketchSyntax.ParsePitch(text));
        if (text is "C4" or "F#5") Assert.Equal(text, MelodyTokens.PitchName(pitch));
    }

    [Fact]
    public void SketchesRoundTrip()
    {
        var p = SketchSyntax.ParsePitchSketch("7:C5 D5 E5 F5; 8: 79,81");
        Assert.Equal([72, 74, 76, 77], p[6]);
        Assert.Equal([79, 81], p[7]);
        Assert.Equal(p[6], SketchSyntax.ParsePitchSketch("7:" + string.Join(' ', p[6].Select(MelodyTokens.PitchName)))[6]);
        var text = "x--x--x-x-x-......x-----";
        var r = SketchSyntax.ParseRhythmSketch($"9:{text}");
        Assert.Equal(text, SketchSyntax.FormatRhythm(r[8]));
        Assert.Equal(r[8], SketchSyntax.ParseRhythmSketch("9:x--x-- | x-x-x- | ...... | x-----")[8]);
        var bar = InpaintControls.Bar(Tune(16), 3);
        var (_, rhythm) = InpaintGrid.Split(bar);
        Assert.Equal(rhythm, SketchSyntax.ParseRhythmSketch("4:" + SketchSyntax.FormatRhythm(rhythm))[3]);
        var c = SketchSyntax.ToControls(InpaintGap.Parse("7-10"), p, r)!;
        Assert.Equal([0, 1, 2], c.Bars.Keys.Order());
        Assert.Equal(r[8], c.Bars[2].Rhythm);
    }

    [Theory]
    [InlineData("7:C5 H5", null, "bar 7: 'H5' is not a note name")]
    [InlineData("7:C5 200", null, "bar 7: '200' is MIDI 200, outside 0-127")]
    [InlineData("C5 D5", null, "has no bar number")]
    [InlineData("x:C5", null, "'x' is not a bar number")]
    [InlineData("7:C5;7:D5", null, "bar 7 is given twice")]
    [InlineData("7:", null, "bar 7 has no pitches")]
    [InlineData(null, "8:x-----x-----x-----x----o", "bar 8: character 'o' at position 24")]
    [InlineData(null, "8:x-----x-----", "bar 8 has 12 steps; a bar has 24")]
    [InlineData("11:C5", null, "--pitch-sketch: bar 11 is outside the gap 7-10")]
    [InlineData(null, "6:x-----------------------", "--rhythm-sketch: bar 6 is outside the gap 7-10")]
    [InlineData("7:C5 D5 E5", "7:x-----------x...........", "sketch of bar 7: the pitch sketch has 3 pitches but the rhythm sketch only 2 onsets")]
    public void BadSketchesAreRefusedByName(string? pitch, string? rhythm, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => SketchSyntax.ToControls(InpaintGap.Parse("7-10"),
            pitch is null ? null : SketchSyntax.ParsePitchSketch(pitch), rhythm is null ? null : SketchSyntax.ParseRhythmSketch(rhythm)));
        Assert.Contains(message, e.Message);
    }

    // ---- piano roll ---------------------------------------------------------------------------

    [Fact]
    public void InpaintPianoRollDrawsTwentyFourStepBarsAndMarksTheGap()
    {
        var w = Tune(16);
        var marked = new[] { (InpaintGap.Window.StartStep, InpaintGap.Window.EndStep) };
        PianoRollRow[] rows = [new(w, "original", marked), new(w, "filled", marked)];
        var o = new PianoRollOptions { Inpaint24 = true };
        var l = PianoRoll.Layout(rows, o);
        Assert.Equal(384, l.Steps);
        var image = PianoRoll.Render(rows, o);
        (byte, byte, byte) At(int row, int step, int pitch)
        {
            var (x, y) = l.Cell(row, step, pitch);
            x += l.StepWidth / 2; y += l.PitchHeight / 2;
            return (image[x, y, 0], image[x, y, 1], image[x, y, 2]);
        }
        Assert.Equal(PianoRoll.NoteColor, At(0, 6 * N + 2, 56));   // bar 6's note, inside the gap
        Assert.Equal(PianoRoll.MarkColor, At(1, 7 * N + 2, 49));   // gap, no note
        Assert.NotEqual(PianoRoll.MarkColor, At(1, 5 * N + 2, 49)); // before the gap
        Assert.NotEqual(PianoRoll.MarkColor, At(1, 10 * N + 2, 49)); // after
    }
}
