using LatentSynth.Evaluation.Imaging;
using LatentSynth.Music.Data;

namespace LatentSynth.Music;

/// <summary>One melody of a piano roll: its tokens, a label drawn above it, and optional marked step ranges.</summary>
/// <param name="Tokens">Melody tokens (<see cref="MelodyTokens"/>), one per 16th step.</param>
/// <param name="Label">Text above the melody's panel (may be empty).</param>
/// <param name="Marked">Step ranges [Start, End) drawn with a tinted background (for example the steps an inpainting fills); null for none.</param>
public sealed record PianoRollRow(int[] Tokens, string Label = "", IReadOnlyList<(int Start, int End)>? Marked = null)
{
    /// <summary>
    /// Notes drawn instead of the tokens' (a polyphonic panel, several notes per step; <see cref="Tokens"/> then only gives the
    /// number of steps). Notes reaching past the last step are drawn up to it. Null: the notes of <see cref="Tokens"/>.
    /// </summary>
    public IReadOnlyList<GridNote>? Notes { get; init; }

    /// <summary>
    /// A polyphonic panel of the notes of a PianoTree segment (<see cref="PolyTree.PolyNote"/>: onset, pitch, duration) over
    /// <paramref name="steps"/> 16th steps (a segment's 32 by default).
    /// </summary>
    public static PianoRollRow Poly(IEnumerable<PolyTree.PolyNote> notes, string label = "", int steps = PolyTree.Steps)
    {
        ArgumentNullException.ThrowIfNull(notes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        return new PianoRollRow(new int[steps], label) { Notes = notes.Select(n => new GridNote(n.Pitch, n.Onset, n.Onset + n.Duration)).ToList() };
    }
}

/// <summary>Sizes of a piano roll.</summary>
public sealed record PianoRollOptions
{
    /// <summary>Width of one 16th step in pixels.</summary>
    public int StepWidth { get; init; } = 8;

    /// <summary>Height of one semitone in pixels.</summary>
    public int PitchHeight { get; init; } = 6;

    /// <summary>Semitones shown below the lowest and above the highest pitch used.</summary>
    public int MarginPitches { get; init; } = 2;

    /// <summary>Fewest semitones shown (the range grows evenly on both sides up to this).</summary>
    public int MinPitchSpan { get; init; } = 12;

    /// <summary>Label text size in pixels.</summary>
    public float FontSize { get; init; } = 12f;

    /// <summary>Title above everything, or null (the picture widens to hold it and the labels).</summary>
    public string? Title { get; init; }

    /// <summary>
    /// Whether the rows hold score-inpainting tokens (<see cref="InpaintTokens"/>: 24 steps per bar, 6 per beat, pitches 0–127)
    /// instead of MusicVAE's melody tokens. The 24 steps are drawn equally wide although they are not equally long
    /// (<see cref="Data.BeatGrid.SixteenthsAndTriplets"/>); bar and beat lines are exact.
    /// </summary>
    public bool Inpaint24 { get; init; }

    /// <summary>The number written under the first bar (later bars count on), for example the tune bar a window starts at.</summary>
    public int FirstBarNumber { get; init; } = 1;

    internal int StepsPerBar => Inpaint24 ? InpaintTokens.StepsPerBar : MelodyTokens.StepsPerBar;

    internal int? PitchOf(int token) => Inpaint24 ? (InpaintTokens.IsOnset(token) ? token : null) : MelodyTokens.PitchOf(token);

    internal List<GridNote> Decode(int[] tokens) => Inpaint24 ? InpaintGrid.Decode(tokens) : MelodyGrid.Decode(tokens);

    /// <summary>The notes a row draws: its own <see cref="PianoRollRow.Notes"/>, else its tokens'.</summary>
    internal IReadOnlyList<GridNote> NotesOf(PianoRollRow row) => row.Notes ?? Decode(row.Tokens);
}

/// <summary>
/// Where a piano roll puts things: every panel shares the pitch range <see cref="LowPitch"/>–<see cref="HighPitch"/>;
/// panel r's top-left corner is (<see cref="Left"/>, <see cref="PanelTop"/>(r)).
/// </summary>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Left">x of step 0.</param>
/// <param name="FirstPanelTop">y of the first panel's top (the highest pitch).</param>
/// <param name="PanelPitch">Distance in pixels from one panel's top to the next one's.</param>
/// <param name="Steps">Steps on the time axis (the longest melody).</param>
/// <param name="LowPitch">Lowest MIDI pitch shown.</param>
/// <param name="HighPitch">Highest MIDI pitch shown.</param>
/// <param name="StepWidth">Pixels per step.</param>
/// <param name="PitchHeight">Pixels per semitone.</param>
public sealed record PianoRollLayout(int Width, int Height, int Left, int FirstPanelTop, int PanelPitch, int Steps,
    int LowPitch, int HighPitch, int StepWidth, int PitchHeight)
{
    /// <summary>y of the top of panel <paramref name="row"/>.</summary>
    public int PanelTop(int row) => FirstPanelTop + row * PanelPitch;

    /// <summary>Height of a panel in pixels.</summary>
    public int PanelHeight => (HighPitch - LowPitch + 1) * PitchHeight;

    /// <summary>The top-left pixel of the cell of (<paramref name="step"/>, <paramref name="pitch"/>) in panel <paramref name="row"/>.</summary>
    public (int X, int Y) Cell(int row, int step, int pitch) =>
        (Left + step * StepWidth, PanelTop(row) + (HighPitch - pitch) * PitchHeight);
}

/// <summary>
/// Piano-roll pictures of melodies: time on x (bar lines every 16 steps, beat lines every 4), pitch on y
/// (only the range the melodies use, plus a margin; C rows shaded and named on the left), one panel per
/// melody stacked top to bottom with its label above, notes as filled rectangles (a one-pixel gap at
/// each note's end, so repeated notes stay apart), marked step ranges tinted. RGB, white background.
/// </summary>
public static class PianoRoll
{
    /// <summary>Colour of a note.</summary>
    public static readonly (byte R, byte G, byte B) NoteColor = (31, 86, 196);

    /// <summary>Background of a marked step range.</summary>
    public static readonly (byte R, byte G, byte B) MarkColor = (255, 231, 170);

    /// <summary>Colour of a bar line.</summary>
    public static readonly (byte R, byte G, byte B) BarColor = (90, 90, 90);

    private static readonly (byte R, byte G, byte B) BeatColor = (222, 222, 222);
    private static readonly (byte R, byte G, byte B) CRowColor = (240, 240, 240);

    /// <summary>Most pixels a piano roll may have (as <see cref="ImageGrid.MaxPixels"/>).</summary>
    public const long MaxPixels = ImageGrid.MaxPixels;

    /// <summary>The layout of a piano roll of <paramref name="rows"/> (without drawing it).</summary>
    /// <exception cref="ArgumentException">No rows, a token outside the vocabulary, bad sizes, or a picture over <see cref="MaxPixels"/>.</exception>
    public static PianoRollLayout Layout(IReadOnlyList<PianoRollRow> rows, PianoRollOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        options ??= new PianoRollOptions();
        if (rows.Count == 0) throw new ArgumentException("a piano roll needs at least one melody", nameof(rows));
        if (options.StepWidth < 1 || options.PitchHeight < 1 || options.MarginPitches < 0 || options.MinPitchSpan < 1)
            throw new ArgumentException("piano-roll sizes must be positive (margin ≥ 0)", nameof(options));
        int low = int.MaxValue, high = int.MinValue, steps = 1;
        foreach (var row in rows)
        {
            ArgumentNullException.ThrowIfNull(row.Tokens, nameof(rows));
            steps = Math.Max(steps, row.Tokens.Length);
            if (row.Notes is { } notes)
                foreach (var n in notes) { low = Math.Min(low, n.Pitch); high = Math.Max(high, n.Pitch); }
            else
                foreach (var t in row.Tokens)
                    if (options.PitchOf(t) is int p) { low = Math.Min(low, p); high = Math.Max(high, p); }
        }
        bool poly = rows.Any(r => r.Notes is not null);
        if (low > high) (low, high) = (60, 60);
        low -= options.MarginPitches;
        high += options.MarginPitches;
        while (high - low + 1 < options.MinPitchSpan) { if ((high - low) % 2 == 0) high++; else low--; }
        low = Math.Max(options.Inpaint24 || poly ? 0 : MelodyTokens.MinPitch, low);
        high = Math.Min(options.Inpaint24 || poly ? 127 : MelodyTokens.MaxPitch, high);

        int line = LabelText.LineHeight(options.FontSize);
        int left = LabelText.MeasureWidth("C#8", options.FontSize) + 6;
        int top = options.Title is null ? 0 : line + 4;
        int panel = (high - low + 1) * options.PitchHeight;
        int panelPitch = line + panel + 6;
        // Wide enough for the title and the labels (a short melody's label would be cut otherwise).
        long width = left + (long)steps * options.StepWidth + 4;
        if (options.Title is { } title) width = Math.Max(width, LabelText.MeasureWidth(title, options.FontSize) + 12L);
        foreach (var row in rows)
            if (!string.IsNullOrEmpty(row.Label)) width = Math.Max(width, left + LabelText.MeasureWidth(row.Label, options.FontSize) + 8L);
        long height = top + (long)rows.Count * panelPitch + line; // bar numbers under the last panel
        if (width * height > MaxPixels)
            throw new ArgumentException($"a piano roll of {rows.Count} melodies of {steps} steps would be {width}×{height} px, over the limit of {MaxPixels:N0} px", nameof(rows));
        return new PianoRollLayout((int)width, (int)height, left, top + line, panelPitch, steps, low, high, options.StepWidth, options.PitchHeight);
    }

    /// <summary>Draws the piano roll of <paramref name="rows"/> (see the class remarks).</summary>
    /// <exception cref="ArgumentException">As <see cref="Layout"/>.</exception>
    public static RasterImage Render(IReadOnlyList<PianoRollRow> rows, PianoRollOptions? options = null)
    {
        options ??= new PianoRollOptions();
        var l = Layout(rows, options);
        var image = new RasterImage(l.Width, l.Height, 3, 255);
        int right = l.Left + l.Steps * l.StepWidth;
        if (options.Title is { } title) image.DrawText(title, 4, 2, 0, options.FontSize);
        for (int r = 0; r < rows.Count; r++)
        {
            var row = rows[r];
            int top = l.PanelTop(r);
            if (row.Label.Length > 0) image.DrawText(row.Label, l.Left, top - LabelText.LineHeight(options.FontSize) - 1, 40, options.FontSize);
            // C rows shaded and named.
            for (int p = l.LowPitch; p <= l.HighPitch; p++)
            {
                if (p % 12 != 0) continue;
                var (_, y) = l.Cell(r, 0, p);
                Fill(image, l.Left, y, right - l.Left, l.PitchHeight, CRowColor);
                int textY = y + l.PitchHeight / 2 - LabelText.LineHeight(options.FontSize) / 2;
                image.DrawText(MelodyTokens.PitchName(p), 2, textY, 90, options.FontSize);
            }
            foreach (var (start, end) in row.Marked ?? [])
            {
                int s = Math.Clamp(start, 0, l.Steps), e = Math.Clamp(end, 0, l.Steps);
                if (e > s) Fill(image, l.Left + s * l.StepWidth, top, (e - s) * l.StepWidth, l.PanelHeight, MarkColor);
            }
            for (int s = 0; s <= l.Steps; s += options.StepsPerBar / 4)
            {
                bool bar = s % options.StepsPerBar == 0;
                Fill(image, l.Left + s * l.StepWidth - (s == l.Steps ? 1 : 0), top, 1, l.PanelHeight, bar ? BarColor : BeatColor);
            }
            // Frame top and bottom.
            Fill(image, l.Left, top, right - l.Left, 1, BarColor);
            Fill(image, l.Left, top + l.PanelHeight - 1, right - l.Left, 1, BarColor);
            foreach (var n in options.NotesOf(row))
            {
                if (n.Pitch < l.LowPitch || n.Pitch > l.HighPitch || n.Start < 0 || n.Start >= l.Steps) continue;
                var (x, y) = l.Cell(r, n.Start, n.Pitch);
                Fill(image, x + 1, y, Math.Max(1, (Math.Min(n.End, l.Steps) - n.Start) * l.StepWidth - 1), Math.Max(1, l.PitchHeight - 1), NoteColor);
            }
        }
        // Bar numbers under the last panel.
        int below = l.PanelTop(rows.Count - 1) + l.PanelHeight + 1;
        for (int s = 0, b = options.FirstBarNumber; s < l.Steps; s += options.StepsPerBar, b++)
            image.DrawText(b.ToString(System.Globalization.CultureInfo.InvariantCulture), l.Left + s * l.StepWidth + 2, below, 90, options.FontSize);
        return image;
    }

    /// <summary>Draws the piano roll and writes it as a PNG file (atomically, creating the folder); returns the image.</summary>
    public static RasterImage Save(string path, IReadOnlyList<PianoRollRow> rows, PianoRollOptions? options = null,
        IEnumerable<KeyValuePair<string, string>>? text = null)
    {
        var image = Render(rows, options);
        image.SavePng(path, text);
        return image;
    }

    private static void Fill(RasterImage image, int x, int y, int width, int height, (byte R, byte G, byte B) color)
    {
        int x0 = Math.Max(0, x), y0 = Math.Max(0, y);
        int x1 = Math.Min(image.Width, x + width), y1 = Math.Min(image.Height, y + height);
        for (int yy = y0; yy < y1; yy++)
            for (int xx = x0; xx < x1; xx++)
            {
                int o = (yy * image.Width + xx) * 3;
                image.Pixels[o] = color.R;
                image.Pixels[o + 1] = color.G;
                image.Pixels[o + 2] = color.B;
            }
    }
}
