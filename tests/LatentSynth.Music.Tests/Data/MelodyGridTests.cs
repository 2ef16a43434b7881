using LatentSynth.Music.Data;
using static LatentSynth.Music.Tests.Data.MidiFixtures;

namespace LatentSynth.Music.Tests.Data;

public sealed class MelodyGridTests : IDisposable
{
    private readonly string dir = TempFolder();

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private GridTune Tokens(string name, int tpq, IEnumerable<Q> notes, params (double, int, int)[] signatures) =>
        MelodyGrid.ToTokens(MidiReader.Read(Write(Path.Combine(dir, name + ".mid"), tpq, notes, signatures)));

    [Fact]
    public void QuantizeUsesTheFilesTicksPerQuarterAndMeasuresTheDistance()
    {
        Assert.Equal(4, MelodyGrid.Quantize(480, 480, out var d));
        Assert.Equal(0, d);
        Assert.Equal(1, MelodyGrid.Quantize(256, 1024, out d)); // a 16th at 1024 ticks per quarter
        Assert.Equal(0, d);
        Assert.Equal(2, MelodyGrid.Quantize(250, 480, out d));  // 2.083 steps
        Assert.Equal(250 * 4 / 480.0 - 2, d, 12);
        Assert.Equal(1, MelodyGrid.Quantize(160, 480, out d));  // a triplet 8th: 1.333 steps
        Assert.Equal(1 / 3.0, d, 12);
    }

    [Fact]
    public void SlightlyLateNotesAreSnappedAndTripletsAreReported()
    {
        // 2 ticks late at 96 ticks per quarter = 0.083 step: within the 0.2-step tolerance.
        var late = Tokens("late", 96, [new(60, 0.02, 1), new(62, 1.02, 1)], (0, 4, 4));
        Assert.Null(late.SkipReason);
        Assert.Equal(MelodyTokens.NoteOn(60), late.Tokens![0]);
        Assert.Equal(MelodyTokens.NoteOn(62), late.Tokens[4]);

        var triplets = Tokens("triplets", 96, [new(60, 0, 1 / 3.0), new(62, 1 / 3.0, 1 / 3.0), new(64, 2 / 3.0, 1 / 3.0)], (0, 4, 4));
        Assert.Null(triplets.Tokens);
        Assert.Equal("notes off the 16th grid", triplets.SkipReason);
        Assert.Contains("0.2 step", triplets.Detail);
    }

    [Fact]
    public void ChordsReduceToTheHighestNoteAtEachOnset()
    {
        // C major triad for a quarter, then E alone; then a G under a held C5 starting later.
        var tune = Tokens("chords", 480, [new(60, 0, 1), new(64, 0, 1), new(67, 0, 1), new(64, 1, 1), new(72, 2, 2), new(55, 3, 1)], (0, 4, 4));
        Assert.Null(tune.SkipReason);
        Assert.Equal(1, tune.ChordOnsets);
        var t = tune.Tokens!;
        Assert.Equal(16, t.Length);
        Assert.Equal(MelodyTokens.NoteOn(67), t[0]);
        Assert.Equal(MelodyTokens.NoteOn(64), t[4]);
        Assert.Equal(MelodyTokens.NoteOn(72), t[8]);
        Assert.Equal(MelodyTokens.NoteOn(55), t[12]); // a later onset ends the sounding note, even when lower
        Assert.All(new[] { 1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 14, 15 }, i => Assert.Equal(MelodyTokens.NoEvent, t[i]));
    }

    [Fact]
    public void TheMelodyTrackIsTheOneWithTheHighestMeanPitch()
    {
        // Track 0: chords (low); track 1: the tune (high), as in Nottingham's melody + chords files.
        var notes = new List<Q> { new(48, 0, 4), new(52, 0, 4), new(55, 0, 4), new(76, 0, 1, 1), new(74, 1, 1, 1), new(72, 2, 2, 1) };
        var tune = Tokens("two-tracks", 480, notes, (0, 4, 4));
        Assert.Equal(2, tune.MelodyTrack); // file track 2 = fixture track 1 (track 0 is the conductor)
        Assert.Equal([MelodyTokens.NoteOn(76), MelodyTokens.NoteOn(74), MelodyTokens.NoteOn(72)],
            tune.Tokens!.Where(k => k >= MelodyTokens.FirstPitch));
        Assert.Contains("melody from track 2", tune.Detail);
        Assert.Equal(0, tune.ChordOnsets);
    }

    [Fact]
    public void RestsGiveNoteOffsAndTheLengthRoundsUpToWholeUnits()
    {
        var tune = Tokens("rests", 480, [new(60, 0, 0.5), new(62, 1, 1), new(64, 5, 0.25)], (0, 4, 4));
        var t = tune.Tokens!;
        Assert.Equal(32, t.Length);
        Assert.Equal(MelodyTokens.NoteOff, t[2]);
        Assert.Equal(MelodyTokens.NoteOff, t[8]);
        Assert.Equal(MelodyTokens.NoteOn(64), t[20]);
        Assert.Equal(MelodyTokens.NoteOff, t[21]);
    }

    [Fact]
    public void OnlyFourFourAndTwoFourAreKeptAndTwoFourBarsArePaired()
    {
        var waltz = Tokens("waltz", 480, [new(60, 0, 3), new(62, 3, 3)], (0, 3, 4));
        Assert.Equal("time signature 3/4", waltz.SkipReason);
        var jig = Tokens("jig", 480, [new(60, 0, 1.5), new(62, 1.5, 1.5)], (0, 6, 8));
        Assert.Equal("time signature 6/8", jig.SkipReason);

        // Four 2/4 bars = two 16-step units.
        var polka = Tokens("polka", 480, Enumerable.Range(0, 8).Select(i => new Q(60 + i, i, 1)), (0, 2, 4));
        Assert.Null(polka.SkipReason);
        Assert.Equal(32, polka.Tokens!.Length);
        Assert.Equal(4, polka.TwoFourBars);

        // Three 2/4 bars then 4/4: the 4/4 bar would start mid-unit.
        var odd = Tokens("odd", 480, Enumerable.Range(0, 10).Select(i => new Q(60 + i, i, 1)), (0, 2, 4), (6, 4, 4));
        Assert.Equal("4/4 bar mid-unit", odd.SkipReason);

        // Two 2/4 bars then 4/4: fine.
        var even = Tokens("even", 480, Enumerable.Range(0, 8).Select(i => new Q(60 + i, i, 1)), (0, 2, 4), (4, 4, 4));
        Assert.Null(even.SkipReason);

        // A tune with no time signature is 4/4 (MIDI's default).
        Assert.Null(Tokens("none", 480, [new(60, 0, 1)]).SkipReason);
    }

    [Fact]
    [BadInput("music data", "a MIDI file whose last note ends after 4,096 bars (a corrupt time)", "that file skipped as 'too long' and named in the summary; no huge token array is allocated")]
    public void AFileThatEndsAfterThousandsOfBarsIsSkippedAsTooLong()
    {
        var tune = Tokens("endless", 96, [new(60, 0, 1), new(62, 20_000, 1)], (0, 4, 4));
        Assert.Null(tune.Tokens);
        Assert.Equal("too long", tune.SkipReason);
    }

    [Fact]
    public void EncodeAndDecodeAreInverseOnTheGrid()
    {
        var notes = new List<GridNote> { new(60, 0, 3), new(62, 3, 4), new(64, 6, 16), new(108, 20, 21), new(21, 24, 32) };
        var tokens = MelodyGrid.Encode(notes, 32);
        Assert.Equal(notes, MelodyGrid.Decode(tokens));
        Assert.Equal(tokens, MelodyGrid.Encode(MelodyGrid.Decode(tokens), 32));
        Assert.Throws<ArgumentException>(() => MelodyGrid.Encode([new(60, 0, 4), new(62, 2, 6)], 16)); // overlap
        Assert.Throws<ArgumentOutOfRangeException>(() => MelodyGrid.Encode([new(20, 0, 4)], 16));       // below A0
    }

    [Fact]
    public void MidiToTokensToMidiToTokensIsExact()
    {
        // Odd ticks per quarter, a chord, a rest, a held note across the bar line and a note at the very end.
        var first = Tokens("source", 384, [new(67, 0, 0.75), new(60, 0, 0.75), new(69, 0.75, 0.25), new(71, 1.5, 3), new(72, 5, 1.25), new(74, 7.75, 0.25)], (0, 4, 4));
        var written = Path.Combine(dir, "written.mid");
        MelodyGrid.WriteMidi(written, first.Tokens);
        var again = MelodyGrid.ToTokens(MidiReader.Read(written));
        Assert.Equal(first.Tokens, again.Tokens);
        Assert.Equal(MelodyGrid.WriteTicksPerQuarter, MidiReader.Read(written).TicksPerQuarter);
    }

    [NottinghamFact]
    public void RealNottinghamTunesRoundTripExactly()
    {
        var folder = Path.Combine(Nottingham()!, "MIDI", "melody");
        int checkedTunes = 0;
        foreach (var file in Directory.GetFiles(folder, "*.mid").Order(StringComparer.Ordinal).Take(200))
        {
            var tune = MelodyGrid.ToTokens(MidiReader.Read(file));
            if (tune.Tokens is null) continue;
            var written = Path.Combine(dir, Path.GetFileName(file));
            MelodyGrid.WriteMidi(written, tune.Tokens);
            Assert.Equal(tune.Tokens, MelodyGrid.ToTokens(MidiReader.Read(written)).Tokens);
            checkedTunes++;
        }
        Assert.True(checkedTunes > 20, $"only {checkedTunes} of the first 200 tunes fit the grid");
    }
}
