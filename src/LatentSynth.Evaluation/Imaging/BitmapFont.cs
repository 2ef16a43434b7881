namespace LatentSynth.Evaluation.Imaging;

/// <summary>
/// A tiny built-in 5×7 pixel font for labels on image grids: digits, capital letters (small
/// letters are drawn as capitals), space and <c>. , - + = : / ( ) _ % # &lt; &gt; ? ! ' [ ] *</c> and
/// <c>→</c>. Any other character is drawn as <c>?</c>. Each glyph advances 6 pixels (one blank
/// column), times the scale.
/// </summary>
public static class BitmapFont
{
    /// <summary>Glyph width in font pixels.</summary>
    public const int GlyphWidth = 5;
    /// <summary>Glyph height in font pixels.</summary>
    public const int GlyphHeight = 7;
    /// <summary>Horizontal advance per character in font pixels (glyph plus one blank column).</summary>
    public const int Advance = GlyphWidth + 1;

    // Each glyph: 7 rows of 5 cells, '#' set, '.' clear, top row first.
    private static readonly Dictionary<char, string> Art = new()
    {
        ['0'] = ".###. #...# #..## #.#.# ##..# #...# .###.",
        ['1'] = "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
        ['2'] = ".###. #...# ....# ...#. ..#.. .#... #####",
        ['3'] = "##### ...#. ..#.. ...#. ....# #...# .###.",
        ['4'] = "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
        ['5'] = "##### #.... ####. ....# ....# #...# .###.",
        ['6'] = "..##. .#... #.... ####. #...# #...# .###.",
        ['7'] = "##### ....# ...#. ..#.. .#... .#... .#...",
        ['8'] = ".###. #...# #...# .###. #...# #...# .###.",
        ['9'] = ".###. #...# #...# .#### ....# ...#. .##..",
        ['A'] = ".###. #...# #...# ##### #...# #...# #...#",
        ['B'] = "####. #...# #...# ####. #...# #...# ####.",
        ['C'] = ".###. #...# #.... #.... #.... #...# .###.",
        ['D'] = "###.. #..#. #...# #...# #...# #..#. ###..",
        ['E'] = "##### #.... #.... ####. #.... #.... #####",
        ['F'] = "##### #.... #.... ####. #.... #.... #....",
        ['G'] = ".###. #...# #.... #.### #...# #...# .####",
        ['H'] = "#...# #...# #...# ##### #...# #...# #...#",
        ['I'] = ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
        ['J'] = "..### ...#. ...#. ...#. ...#. #..#. .##..",
        ['K'] = "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
        ['L'] = "#.... #.... #.... #.... #.... #.... #####",
        ['M'] = "#...# ##.## #.#.# #.#.# #...# #...# #...#",
        ['N'] = "#...# #...# ##..# #.#.# #..## #...# #...#",
        ['O'] = ".###. #...# #...# #...# #...# #...# .###.",
        ['P'] = "####. #...# #...# ####. #.... #.... #....",
        ['Q'] = ".###. #...# #...# #...# #.#.# #..#. .##.#",
        ['R'] = "####. #...# #...# ####. #.#.. #..#. #...#",
        ['S'] = ".#### #.... #.... .###. ....# ....# ####.",
        ['T'] = "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
        ['U'] = "#...# #...# #...# #...# #...# #...# .###.",
        ['V'] = "#...# #...# #...# #...# #...# .#.#. ..#..",
        ['W'] = "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
        ['X'] = "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
        ['Y'] = "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
        ['Z'] = "##### ....# ...#. ..#.. .#... #.... #####",
        [' '] = "..... ..... ..... ..... ..... ..... .....",
        ['.'] = "..... ..... ..... ..... ..... .##.. .##..",
        [','] = "..... ..... ..... ..... .##.. ..#.. .#...",
        ['-'] = "..... ..... ..... ##### ..... ..... .....",
        ['+'] = "..... ..#.. ..#.. ##### ..#.. ..#.. .....",
        ['='] = "..... ..... ##### ..... ##### ..... .....",
        [':'] = "..... .##.. .##.. ..... .##.. .##.. .....",
        ['/'] = "..... ....# ...#. ..#.. .#... #.... .....",
        ['('] = "...#. ..#.. .#... .#... .#... ..#.. ...#.",
        [')'] = ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",
        ['_'] = "..... ..... ..... ..... ..... ..... #####",
        ['%'] = "##... ##..# ...#. ..#.. .#... #..## ...##",
        ['#'] = ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.",
        ['<'] = "...#. ..#.. .#... #.... .#... ..#.. ...#.",
        ['>'] = ".#... ..#.. ...#. ....# ...#. ..#.. .#...",
        ['?'] = ".###. #...# ....# ...#. ..#.. ..... ..#..",
        ['!'] = "..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..",
        ['\''] = "..#.. ..#.. .#... ..... ..... ..... .....",
        ['['] = ".###. .#... .#... .#... .#... .#... .###.",
        [']'] = ".###. ...#. ...#. ...#. ...#. ...#. .###.",
        ['*'] = "..... ..#.. #.#.# .###. #.#.# ..#.. .....",
        ['→'] = "..... ..#.. ...#. ##### ...#. ..#.. .....",
    };

    // Bit masks per glyph row: bit 4 is the leftmost column.
    private static readonly Dictionary<char, byte[]> Glyphs = Art.ToDictionary(kv => kv.Key, kv => Parse(kv.Key, kv.Value));

    private static byte[] Parse(char ch, string art)
    {
        var rows = art.Split(' ');
        if (rows.Length != GlyphHeight || rows.Any(r => r.Length != GlyphWidth))
            throw new InvalidOperationException($"glyph '{ch}' is not {GlyphWidth}×{GlyphHeight}");
        return rows.Select(r => (byte)r.Aggregate(0, (m, c) => (m << 1) | (c == '#' ? 1 : 0))).ToArray();
    }

    /// <summary>The characters with a glyph of their own (small letters map to capitals).</summary>
    public static IReadOnlyCollection<char> Characters => Glyphs.Keys;

    /// <summary>Whether <paramref name="ch"/> (after mapping small letters to capitals) has a glyph.</summary>
    public static bool CanDraw(char ch) => Glyphs.ContainsKey(char.ToUpperInvariant(ch));

    /// <summary>Whether the font pixel (<paramref name="x"/>, <paramref name="y"/>) of <paramref name="ch"/>'s glyph is set.</summary>
    public static bool IsSet(char ch, int x, int y)
    {
        if ((uint)x >= GlyphWidth || (uint)y >= GlyphHeight) return false;
        var glyph = Glyphs.TryGetValue(char.ToUpperInvariant(ch), out var g) ? g : Glyphs['?'];
        return (glyph[y] >> (GlyphWidth - 1 - x) & 1) != 0;
    }

    /// <summary>Width in image pixels of <paramref name="text"/> drawn at <paramref name="scale"/> (no trailing blank column).</summary>
    public static int MeasureWidth(string text, int scale = 1) =>
        string.IsNullOrEmpty(text) ? 0 : (text.Length * Advance - 1) * scale;

    /// <summary>Height in image pixels of a line drawn at <paramref name="scale"/>.</summary>
    public static int MeasureHeight(int scale = 1) => GlyphHeight * scale;
}
