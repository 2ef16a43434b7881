using System.Globalization;
using System.Text.RegularExpressions;
using LatentSynth.Music.Data;

namespace LatentSynth.Music.Inpainting;

/// <summary>
/// The command line's sketch syntax. Both options hold <c>BAR:SKETCH</c> entries separated by <c>;</c>, BAR being the
/// <b>1-based bar number of the tune</b> (as in <c>--gap</c>), which must lie in the gap:
/// <list type="bullet">
/// <item><c>--pitch-sketch "7:C5 D5 E5 F5;8:G5"</c>: the pitches of the bar's onsets in order, as note names (C4 = MIDI 60; sharps
/// <c>#</c>, flats <c>b</c>: <c>F#4</c>, <c>Bb3</c>, <c>C-1</c> = 0) or MIDI numbers 0–127 (<c>72 74 76</c>), separated by spaces or commas;</item>
/// <item><c>--rhythm-sketch "7:x-----x-----x-----x-----"</c>: 24 characters per bar, one per step of the 24-step grid (6 per quarter
/// note, at 0, 1/4, 1/3, 1/2, 2/3 and 3/4 of it): <c>x</c> onset, <c>-</c> hold, <c>.</c> rest. Spaces and <c>|</c> may separate beats
/// and are ignored. The six steps of a quarter lie at 0, 1/4, 1/3, 1/2, 2/3, 3/4 of it, so within one quarter <c>x-----</c> is a quarter note,
/// <c>x--x--</c> two 8ths (steps 0 and 3), <c>x-x-x-</c> an 8th-note triplet (steps 0, 2, 4), <c>xx-x-x</c> four 16ths (steps 0, 1, 3, 5),
/// <c>x--...</c> an 8th and an 8th rest: <c>"7:x----- x--x-- x-x-x- x--..."</c>.</item>
/// </list>
/// Errors name the bar and the character. A rhythm of other than 24 steps, a bar outside the gap, a bar given twice, and more
/// pitches than the rhythm's onsets (both sketches for one bar) are refused.
/// </summary>
public static partial class SketchSyntax
{
    /// <summary>The characters of a rhythm sketch: onset, hold, rest.</summary>
    public const char OnsetChar = 'x', HoldChar = '-', RestChar = '.';

    [GeneratedRegex(@"^([A-Ga-g])(#|b)?(-?\d+)$")]
    private static partial Regex NoteName();

    /// <summary>The MIDI pitch of a note name ("C4" = 60, "F#5", "Bb3", "C-1" = 0) or a MIDI number "0".."127".</summary>
    /// <exception cref="ArgumentException">Neither, or outside 0–127.</exception>
    public static int ParsePitch(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        int pitch;
        if (int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var midi)) pitch = midi;
        else if (NoteName().Match(t) is { Success: true } m)
        {
            int step = char.ToUpperInvariant(m.Groups[1].Value[0]) switch { 'C' => 0, 'D' => 2, 'E' => 4, 'F' => 5, 'G' => 7, 'A' => 9, _ => 11 };
            int accidental = m.Groups[2].Value switch { "#" => 1, "b" => -1, _ => 0 };
            if (!int.TryParse(m.Groups[3].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var octave) || octave is < -1 or > 9)
                throw new ArgumentException($"'{text}': octave out of range -1..9");
            pitch = (octave + 1) * 12 + step + accidental;
        }
        else throw new ArgumentException($"'{text}' is not a note name (C4, F#5, Bb3) or a MIDI number 0-127");
        if (pitch is < 0 or > 127) throw new ArgumentException($"'{text}' is MIDI {pitch}, outside 0-127");
        return pitch;
    }

    /// <summary>Parses a pitch sketch ("7:C5 D5;8:G5") into pitches by 0-based tune bar.</summary>
    /// <exception cref="ArgumentException">A malformed entry, naming the bar and the text.</exception>
    public static Dictionary<int, int[]> ParsePitchSketch(string text) => ParseEntries("--pitch-sketch", text, (bar, body) =>
    {
        var items = body.Split([' ', ',', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0) throw new ArgumentException($"--pitch-sketch: bar {bar} has no pitches");
        return items.Select(i =>
        {
            try { return ParsePitch(i); }
            catch (ArgumentException e) { throw new ArgumentException($"--pitch-sketch: bar {bar}: {e.Message}"); }
        }).ToArray();
    });

    /// <summary>Parses a rhythm sketch ("7:x-----x-----x-----x-----") into <see cref="BarRhythm"/> classes by 0-based tune bar.</summary>
    /// <exception cref="ArgumentException">A character other than x - . (space, |), or not 24 steps, naming the bar and the character.</exception>
    public static Dictionary<int, int[]> ParseRhythmSketch(string text) => ParseEntries("--rhythm-sketch", text, (bar, body) =>
    {
        var classes = new List<int>();
        for (int i = 0; i < body.Length; i++)
        {
            char c = body[i];
            switch (c)
            {
                case OnsetChar or 'X': classes.Add(BarRhythm.Onset); break;
                case HoldChar: classes.Add(BarRhythm.Hold); break;
                case RestChar: classes.Add(BarRhythm.Rest); break;
                case ' ' or '|': break;
                default: throw new ArgumentException($"--rhythm-sketch: bar {bar}: character '{c}' at position {i + 1} is not x (onset), - (hold) or . (rest)");
            }
        }
        if (classes.Count != InpaintTokens.StepsPerBar)
            throw new ArgumentException($"--rhythm-sketch: bar {bar} has {classes.Count} steps; a bar has {InpaintTokens.StepsPerBar} (6 per quarter note)");
        return classes.ToArray();
    });

    private static Dictionary<int, int[]> ParseEntries(string flag, string text, Func<int, string, int[]> body)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new Dictionary<int, int[]>();
        foreach (var raw in text.Split(';'))
        {
            var entry = raw.Trim();
            if (entry.Length == 0) continue;
            int colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) throw new ArgumentException($"{flag}: '{entry}' has no bar number: write BAR:SKETCH, for example 7:{(flag == "--pitch-sketch" ? "C5 D5 E5" : "x-----x-----x-----x-----")}");
            var barText = entry[..colon].Trim();
            if (!int.TryParse(barText, NumberStyles.None, CultureInfo.InvariantCulture, out int bar) || bar < 1)
                throw new ArgumentException($"{flag}: '{barText}' is not a bar number (1-based, as in --gap)");
            if (result.ContainsKey(bar - 1)) throw new ArgumentException($"{flag}: bar {bar} is given twice");
            result[bar - 1] = body(bar, entry[(colon + 1)..].Trim());
        }
        if (result.Count == 0) throw new ArgumentException($"{flag}: no sketch given");
        return result;
    }

    /// <summary>The rhythm sketch text of 24 classes ("x-----x.....", no spaces): the inverse of one entry of <see cref="ParseRhythmSketch"/>.</summary>
    public static string FormatRhythm(IReadOnlyList<int> rhythm) =>
        new(rhythm.Select(r => r switch { BarRhythm.Onset => OnsetChar, BarRhythm.Hold => HoldChar, BarRhythm.Rest => RestChar, _ => '?' }).ToArray());

    /// <summary>
    /// The controls of parsed sketches (0-based tune bars) for <paramref name="gapInTune"/>, keyed by 0-based gap bar, checked
    /// (<see cref="InpaintControls.Check"/>); null when neither sketch is given.
    /// </summary>
    /// <exception cref="ArgumentException">A sketched bar outside the gap, or a sketch that does not fit its bar, named by its 1-based bar.</exception>
    public static InpaintControls? ToControls(InpaintGap gapInTune, IReadOnlyDictionary<int, int[]>? pitches, IReadOnlyDictionary<int, int[]>? rhythms)
    {
        if (pitches is null && rhythms is null) return null;
        var bars = new Dictionary<int, BarSketch>();
        foreach (var bar in (pitches?.Keys ?? []).Concat(rhythms?.Keys ?? []).Distinct().Order())
        {
            if (!gapInTune.Contains(bar))
                throw new ArgumentException($"{(pitches?.ContainsKey(bar) == true ? "--pitch-sketch" : "--rhythm-sketch")}: bar {bar + 1} is outside the gap {gapInTune}");
            int[]? p = null, r = null;
            pitches?.TryGetValue(bar, out p);
            rhythms?.TryGetValue(bar, out r);
            var sketch = new BarSketch(p, r);
            sketch.Check($"sketch of bar {bar + 1}");
            bars[bar - gapInTune.FirstBar] = sketch;
        }
        return new InpaintControls(bars);
    }
}
