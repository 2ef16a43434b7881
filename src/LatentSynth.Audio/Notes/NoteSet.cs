using System.Globalization;
using System.Text;
using LatentSynth.Audio.IO;
using LatentSynth.Torch.IO;

namespace LatentSynth.Audio.Notes;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>One note of a set: a row of notes.csv. Unknown values are "" (text) or -1 / NaN (numbers).</summary>
/// <param name="Id">Unique id ("flute_69_mf"; for imports, the relative path without extension).</param>
/// <param name="Instrument">Instrument name.</param>
/// <param name="Family">woodwind, brass, string or keyboard.</param>
/// <param name="Program">General MIDI program (0-based), -1 when unknown.</param>
/// <param name="Pitch">MIDI pitch, -1 when unknown.</param>
/// <param name="NoteName">"A4", "" when unknown.</param>
/// <param name="FrequencyHz">Equal-tempered fundamental (A4 = 440 Hz), NaN when unknown.</param>
/// <param name="Dynamics">pp, mf, ff or "" when unknown.</param>
/// <param name="Velocity">MIDI velocity, -1 when unknown.</param>
/// <param name="File">Path of the WAV file relative to the set's folder, with '/' separators.</param>
/// <param name="DurationSeconds">Length in seconds.</param>
/// <param name="Peak">Largest absolute sample.</param>
/// <param name="Rms">Root mean square of the samples.</param>
public sealed record NoteInfo(string Id, string Instrument, string Family, int Program, int Pitch, string NoteName,
    double FrequencyHz, string Dynamics, int Velocity, string File, double DurationSeconds, double Peak, double Rms);

/// <summary>A loaded note set: the rows of a folder's notes.csv and access to their audio.</summary>
public sealed class NoteSet
{
    /// <summary>The CSV file name inside a note-set folder.</summary>
    public const string CsvName = "notes.csv";

    /// <summary>The JSON copy of the metadata inside a note-set folder.</summary>
    public const string JsonName = "notes.json";

    internal static readonly string[] Columns =
        ["id", "instrument", "family", "program", "midi", "note", "frequency_hz", "dynamics", "velocity", "file", "duration_s", "peak", "rms"];

    private NoteSet(string dir, IReadOnlyList<NoteInfo> notes) => (Directory, Notes) = (dir, notes);

    /// <summary>The folder the set was loaded from (file paths are relative to it).</summary>
    public string Directory { get; }

    /// <summary>The notes, in CSV order.</summary>
    public IReadOnlyList<NoteInfo> Notes { get; }

    /// <summary>Loads <paramref name="dir"/>/notes.csv (rendered by <see cref="NoteRenderer"/> or written by <see cref="AudioImport"/>).</summary>
    /// <exception cref="FileNotFoundException">The folder has no notes.csv (the message says how to make one).</exception>
    /// <exception cref="InvalidDataException">The CSV lacks a required column or has a malformed row (named by line).</exception>
    public static NoteSet Load(string dir)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        var csv = Path.Combine(dir, CsvName);
        if (!System.IO.File.Exists(csv))
            throw new FileNotFoundException($"no note set in '{dir}': {CsvName} is missing (make one with `latentsynth audio render-notes --out {dir}` or `latentsynth audio import SRC --out {dir}`)", csv);
        var rows = Csv.Read(csv);
        if (rows.Count == 0) throw new InvalidDataException($"'{csv}' is empty (expected a header line)");
        var header = rows[0].Select(h => h.Trim().ToLowerInvariant()).ToList();
        int Col(string name) => header.IndexOf(name) is int i and >= 0 ? i
            : throw new InvalidDataException($"'{csv}' has no '{name}' column (expected: {string.Join(",", Columns)})");
        int[] idx = Columns.Select(Col).ToArray();
        var notes = new List<NoteInfo>(rows.Count - 1);
        for (int r = 1; r < rows.Count; r++)
        {
            var row = rows[r];
            if (row.Count == 1 && row[0].Length == 0) continue;
            if (row.Count < header.Count)
                throw new InvalidDataException($"'{csv}' line {r + 1}: {row.Count} fields, expected {header.Count}");
            string S(int c) => row[idx[c]];
            int I(int c) => int.TryParse(S(c), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : -1;
            double D(int c) => double.TryParse(S(c), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN;
            notes.Add(new NoteInfo(S(0), S(1), S(2), I(3), I(4), S(5), D(6), S(7), I(8), S(9), D(10), D(11), D(12)));
        }
        return new NoteSet(Path.GetFullPath(dir), notes);
    }

    /// <summary>The audio of <paramref name="note"/>, mono, at the file's rate.</summary>
    /// <exception cref="AudioFileException">The file is missing or unreadable.</exception>
    public AudioClip Read(NoteInfo note) => AudioFile.ReadMono(PathOf(note));

    /// <summary>The absolute path of <paramref name="note"/>'s file.</summary>
    public string PathOf(NoteInfo note) => Path.Combine(Directory, note.File.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The notes matching every filter given (case-insensitive; null means any), as a set over the same folder.</summary>
    public NoteSet Where(string? instrument = null, string? family = null, string? dynamics = null) =>
        new(Directory, Notes.Where(n =>
            (instrument is null || string.Equals(n.Instrument, instrument, StringComparison.OrdinalIgnoreCase))
            && (family is null || string.Equals(n.Family, family, StringComparison.OrdinalIgnoreCase))
            && (dynamics is null || string.Equals(n.Dynamics, dynamics, StringComparison.OrdinalIgnoreCase))).ToList());

    /// <summary>The notes matching <paramref name="predicate"/>, as a set over the same folder.</summary>
    public NoteSet Where(Func<NoteInfo, bool> predicate) => new(Directory, Notes.Where(predicate).ToList());

    /// <summary>Distinct instrument names, in order of first appearance.</summary>
    public IReadOnlyList<string> Instruments => Notes.Select(n => n.Instrument).Distinct().ToList();

    /// <summary>Writes <paramref name="notes"/> as <paramref name="dir"/>/notes.csv and notes.json (atomically).</summary>
    internal static void WriteMetadata(string dir, IReadOnlyList<NoteInfo> notes)
    {
        var sb = new StringBuilder();
        sb.Append(string.Join(',', Columns)).Append('\n');
        foreach (var n in notes)
        {
            string[] f =
            [
                n.Id, n.Instrument, n.Family, I(n.Program), I(n.Pitch), n.NoteName, D(n.FrequencyHz, "F3"), n.Dynamics, I(n.Velocity),
                n.File, D(n.DurationSeconds, "F4"), D(n.Peak, "G6"), D(n.Rms, "G6"),
            ];
            sb.Append(string.Join(',', f.Select(Csv.Quote))).Append('\n');
        }
        AtomicFile.WriteAllText(Path.Combine(dir, CsvName), sb.ToString());
        var json = System.Text.Json.JsonSerializer.Serialize(notes.Select(n => new
        {
            id = n.Id, instrument = n.Instrument, family = n.Family, program = n.Program, midi = n.Pitch, note = n.NoteName,
            frequency_hz = double.IsNaN(n.FrequencyHz) ? (double?)null : Math.Round(n.FrequencyHz, 3),
            dynamics = n.Dynamics, velocity = n.Velocity, file = n.File,
            duration_s = Math.Round(n.DurationSeconds, 4), peak = Math.Round(n.Peak, 6), rms = Math.Round(n.Rms, 6),
        }), new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        AtomicFile.WriteAllText(Path.Combine(dir, JsonName), json + "\n");

        static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        static string D(double v, string fmt) => double.IsNaN(v) ? "" : v.ToString(fmt, CultureInfo.InvariantCulture);
    }
}

/// <summary>Minimal RFC 4180 CSV: comma separated, fields with comma, quote or newline in double quotes.</summary>
internal static class Csv
{
    public static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";

    public static List<List<string>> Read(string path) => Parse(System.IO.File.ReadAllText(path));

    public static List<List<string>> Parse(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (c == '\r') { }
            else if (c == '\n') { row.Add(field.ToString()); field.Clear(); rows.Add(row); row = []; }
            else field.Append(c);
        }
        if (field.Length > 0 || row.Count > 0) { row.Add(field.ToString()); rows.Add(row); }
        return rows;
    }
}
