using NAudio.Midi;

namespace LatentSynth.Music.Tests.Data;

/// <summary>Small MIDI files written with NAudio for the data tests.</summary>
internal static class MidiFixtures
{
    /// <summary>A note in quarter notes (start, length) on a track.</summary>
    public readonly record struct Q(int Pitch, double Start, double Length, int Track = 0);

    /// <summary>
    /// Writes a format-1 file with <paramref name="tpq"/> ticks per quarter; signatures as (quarter,
    /// numerator, denominator) on the conductor track 0; the notes of <see cref="Q.Track"/> t go to
    /// file track t + 1 on channel t + 1.
    /// </summary>
    public static string Write(string path, int tpq, IEnumerable<Q> notes, params (double AtQuarter, int Num, int Den)[] signatures)
    {
        var list = notes.ToList();
        int tracks = list.Count == 0 ? 1 : list.Max(n => n.Track) + 1;
        var events = new MidiEventCollection(1, tpq);
        foreach (var (at, num, den) in signatures)
            events.AddEvent(new TimeSignatureEvent((long)(at * tpq), num, (int)Math.Log2(den), 24, 8), 0);
        events.AddEvent(new TempoEvent(500_000, 0), 0);
        long end = 0;
        foreach (var n in list)
        {
            long on = (long)Math.Round(n.Start * tpq), len = (long)Math.Round(n.Length * tpq);
            var e = new NoteOnEvent(on, 1 + n.Track, n.Pitch, 90, (int)len);
            events.AddEvent(e, n.Track + 1);
            events.AddEvent(e.OffEvent!, n.Track + 1);
            end = Math.Max(end, on + len);
        }
        for (int t = 0; t <= tracks; t++) events.AddEvent(new MetaEvent(MetaEventType.EndTrack, 0, end), t);
        events.PrepareForExport();
        MidiFile.Export(path, events);
        return path;
    }

    /// <summary>
    /// <paramref name="count"/> tunes of 20 bars (4/4) in <c>DIR/midi</c>, each a scale pattern of its own (quarters and eighths, so
    /// they fit both grids): 5 windows of 16 bars per tune. Returns the folder.
    /// </summary>
    public static string ScaleTunes(string root, int count = 30)
    {
        var midi = Path.Combine(root, "midi");
        Directory.CreateDirectory(midi);
        for (int k = 0; k < count; k++)
            Write(Path.Combine(midi, $"t{k}.mid"), 480,
                Enumerable.Range(0, 80).Select(i => new Q(60 + (k + i * (1 + k % 4)) % 12, i, i % 4 == 3 ? 0.5 : 1)), (0, 4, 4));
        return midi;
    }

    /// <summary>
    /// <paramref name="count"/> polyphonic tunes of 8 bars (4/4) in <c>DIR/poly</c>: a melody of quarters and eighths (track 0) over a
    /// triad of half notes per half bar (track 1), each tune on its own root: 7 two-bar segments per tune. Returns the folder.
    /// </summary>
    public static string ChordTunes(string root, int count = 24)
    {
        var dir = Path.Combine(root, "poly");
        Directory.CreateDirectory(dir);
        for (int k = 0; k < count; k++)
        {
            int key = 48 + k % 12;
            var melody = Enumerable.Range(0, 64).Where(i => i % 4 != 3)
                .Select(i => new Q(key + 12 + new[] { 0, 2, 4, 7, 9 }[(i * (1 + k % 3) + k) % 5], i * 0.5, i % 4 == 2 ? 1.0 : 0.5));
            var chords = Enumerable.Range(0, 16).SelectMany(h => new[] { 0, 4, 7 }.Select(p => new Q(key + p + (h % 4 == 2 ? 5 : 0), 2 * h, 2, 1)));
            Write(Path.Combine(dir, $"p{k}.mid"), 480, melody.Concat(chords), (0, 4, 4));
        }
        return dir;
    }

    /// <summary>A fresh temporary folder (deleted by the caller).</summary>
    public static string TempFolder()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ls-music-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>The shared Nottingham copy (REPO/../shared/datasets/nottingham), or null.</summary>
    public static string? Nottingham() => LatentSynth.Music.Data.MusicData.SharedNottingham();
}

/// <summary>A fact that runs only where the shared Nottingham copy exists (../shared/datasets beside the repository).</summary>
public sealed class NottinghamFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the folder is absent.</summary>
    public NottinghamFactAttribute()
    {
        if (MidiFixtures.Nottingham() is null)
            Skip = "needs the Nottingham MIDI files at ../shared/datasets/nottingham beside the repository (present in CI); not found here";
    }
}
