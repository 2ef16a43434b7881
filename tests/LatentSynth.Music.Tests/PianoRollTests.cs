using LatentSynth.Music.Data;

namespace LatentSynth.Music.Tests;

public sealed class PianoRollTests
{
    private static (byte, byte, byte) Rgb(LatentSynth.Evaluation.Imaging.RasterImage image, int x, int y) =>
        (image[x, y, 0], image[x, y, 1], image[x, y, 2]);

    [Fact]
    public void PolyphonicRowsDrawSeveralNotesPerStepOverTheWholeMidiRange()
    {
        // A C major triad for 8 steps, a low bass note (pitch 20, below the melody range) for 4, a note held past the segment end.
        PolyTree.PolyNote[] notes = [new(0, 60, 8), new(0, 64, 8), new(0, 67, 8), new(4, 20, 4), new(28, 72, 12)];
        var rows = new[] { PianoRollRow.Poly(notes, "chord"), PianoRollRow.Poly([], "empty") };
        var l = PianoRoll.Layout(rows);
        Assert.Equal(32, l.Steps);
        Assert.Equal(18, l.LowPitch);
        Assert.Equal(74, l.HighPitch);
        var image = PianoRoll.Render(rows);
        bool IsNote(int row, int step, int pitch)
        {
            var (x, y) = l.Cell(row, step, pitch);
            return Rgb(image, x + l.StepWidth / 2, y + l.PitchHeight / 2) == PianoRoll.NoteColor;
        }
        for (int s = 0; s < 32; s++)
        {
            foreach (var p in new[] { 60, 64, 67 }) Assert.Equal(s < 8, IsNote(0, s, p));
            Assert.Equal(s is >= 4 and < 8, IsNote(0, s, 20));
            Assert.Equal(s >= 28, IsNote(0, s, 72));          // drawn up to the last step, not beyond the panel
            Assert.False(IsNote(0, s, 62));
            Assert.False(IsNote(1, s, 60));
        }
    }

    [Fact]
    public void NotesAreDrawnInTheirCellsAndOnlyThere()
    {
        // One bar: C4 for 4 steps, rest 4, E4 for 8 steps; second melody: G4 repeated twice (2 steps each).
        var a = MelodyGrid.Encode([new GridNote(60, 0, 4), new GridNote(64, 8, 16)], 16);
        var b = MelodyGrid.Encode([new GridNote(67, 0, 2), new GridNote(67, 2, 4)], 16);
        PianoRollRow[] rows = [new(a, "first"), new(b, "second", [(8, 12)])];
        var options = new PianoRollOptions();
        var l = PianoRoll.Layout(rows, options);
        // Only the used range 60..67 plus a margin of 2: 58..69 (12 semitones, the minimum span).
        Assert.Equal(58, l.LowPitch);
        Assert.Equal(69, l.HighPitch);
        Assert.Equal(16, l.Steps);
        var image = PianoRoll.Render(rows, options);
        Assert.Equal(l.Width, image.Width);
        Assert.Equal(l.Height, image.Height);

        (int, int) Centre(int row, int step, int pitch)
        {
            var (x, y) = l.Cell(row, step, pitch);
            return (x + l.StepWidth / 2, y + l.PitchHeight / 2);
        }
        bool IsNote(int row, int step, int pitch)
        {
            var (x, y) = Centre(row, step, pitch);
            return Rgb(image, x, y) == PianoRoll.NoteColor;
        }
        for (int s = 0; s < 16; s++)
        {
            Assert.Equal(s < 4, IsNote(0, s, 60));
            Assert.Equal(s >= 8, IsNote(0, s, 64));
            Assert.False(IsNote(0, s, 62));
            Assert.Equal(s < 4, IsNote(1, s, 67));
            Assert.False(IsNote(1, s, 60));
        }
        // The repeated G4 keeps a gap at the end of its first note (step 1's last pixel column).
        var (gx, gy) = l.Cell(1, 2, 67);
        Assert.NotEqual(PianoRoll.NoteColor, Rgb(image, gx, gy + 1));
        // The marked range is tinted where no note is; the first melody has no mark.
        Assert.Equal(PianoRoll.MarkColor, Rgb(image, Centre(1, 9, 62).Item1, Centre(1, 9, 62).Item2));
        Assert.NotEqual(PianoRoll.MarkColor, Rgb(image, Centre(0, 9, 62).Item1, Centre(0, 9, 62).Item2));
        // A bar line at step 0 and step 16.
        Assert.Equal(PianoRoll.BarColor, Rgb(image, l.Left, l.Cell(0, 0, 62).Y + 2));
        Assert.Equal(PianoRoll.BarColor, Rgb(image, l.Left + 16 * l.StepWidth - 1, l.Cell(0, 0, 62).Y + 2));
        // Labels are drawn above the panels (some dark ink in the label line of row 0).
        int labelTop = l.PanelTop(0) - LatentSynth.Evaluation.Imaging.LabelText.LineHeight(options.FontSize);
        bool ink = false;
        for (int y = Math.Max(0, labelTop); y < l.PanelTop(0); y++)
            for (int x = l.Left; x < l.Left + 40; x++)
                ink |= image[x, y, 0] < 128;
        Assert.True(ink);
    }

    [Fact]
    public void AnEmptyMelodyShowsAnOctaveAroundMiddleC()
    {
        var rest = new int[32];
        rest[0] = MelodyTokens.NoteOff;
        var l = PianoRoll.Layout([new PianoRollRow(rest)]);
        Assert.True(l.LowPitch <= 60 && l.HighPitch >= 60);
        Assert.Equal(12, l.HighPitch - l.LowPitch + 1);
        Assert.Equal(32, l.Steps);
    }

    [Fact]
    public void RefusesNoMelodiesAndTooLargePictures()
    {
        Assert.Throws<ArgumentException>(() => PianoRoll.Layout([]));
        Assert.Throws<ArgumentException>(() => PianoRoll.Layout([new PianoRollRow(new int[1 << 16])], new PianoRollOptions { StepWidth = 4096 }));
    }
}
