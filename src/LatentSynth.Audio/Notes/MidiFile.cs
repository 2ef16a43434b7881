namespace LatentSynth.Audio.Notes;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>One channel event at an absolute tick: status byte (with channel) and one or two data bytes.</summary>
/// <param name="Tick">Absolute time in ticks.</param>
/// <param name="Status">Status byte, e.g. 0x90 | channel for note-on.</param>
/// <param name="Data1">First data byte.</param>
/// <param name="Data2">Second data byte, or -1 for two-byte messages (program change).</param>
public readonly record struct MidiEvent(long Tick, byte Status, byte Data1, int Data2 = -1);

/// <summary>
/// A Standard MIDI File writer (format 0, one track), after the SMF 1.0 specification: "MThd"
/// header (format, track count, division in ticks per quarter note), one "MTrk" chunk of
/// delta-time (variable-length quantity) + event pairs, a set-tempo meta event first and an
/// end-of-track meta event last.
/// </summary>
public static class MidiFile
{
    /// <summary>Ticks per quarter note written in the header.</summary>
    public const int Division = 480;

    /// <summary>Microseconds per quarter note (120 bpm), so one second is 960 ticks.</summary>
    public const int Tempo = 500_000;

    /// <summary>Ticks per second at <see cref="Division"/> and <see cref="Tempo"/>.</summary>
    public const int TicksPerSecond = Division * 1_000_000 / Tempo;

    /// <summary>The file's bytes: events sorted by tick (stable), end of track at <paramref name="endTick"/> or the last event.</summary>
    public static byte[] Build(IEnumerable<MidiEvent> events, long endTick = 0)
    {
        var sorted = events.Select((e, i) => (e, i)).OrderBy(x => x.e.Tick).ThenBy(x => x.i).Select(x => x.e).ToList();
        var track = new List<byte>();
        // Set tempo: FF 51 03 tt tt tt.
        track.AddRange([0x00, 0xFF, 0x51, 0x03, (Tempo >> 16) & 0xFF, (Tempo >> 8) & 0xFF, Tempo & 0xFF]);
        long now = 0;
        foreach (var e in sorted)
        {
            if (e.Tick < 0) throw new ArgumentException($"MIDI event at negative tick {e.Tick}", nameof(events));
            WriteVarLen(track, e.Tick - now);
            now = e.Tick;
            track.Add(e.Status);
            track.Add((byte)(e.Data1 & 0x7F));
            if (e.Data2 >= 0) track.Add((byte)(e.Data2 & 0x7F));
        }
        WriteVarLen(track, Math.Max(0, endTick - now));
        track.AddRange([0xFF, 0x2F, 0x00]);

        var file = new List<byte>(track.Count + 22);
        file.AddRange("MThd"u8.ToArray());
        AddBigEndian(file, 6, 4);
        AddBigEndian(file, 0, 2);          // format 0
        AddBigEndian(file, 1, 2);          // one track
        AddBigEndian(file, Division, 2);
        file.AddRange("MTrk"u8.ToArray());
        AddBigEndian(file, track.Count, 4);
        file.AddRange(track);
        return file.ToArray();
    }

    /// <summary>Variable-length quantity: 7 bits per byte, most significant first, high bit set on all but the last.</summary>
    internal static void WriteVarLen(List<byte> output, long value)
    {
        if (value is < 0 or > 0x0FFFFFFF) throw new ArgumentOutOfRangeException(nameof(value), value, "MIDI delta time out of range");
        Span<byte> buffer = stackalloc byte[4];
        int n = 0;
        do { buffer[n++] = (byte)(value & 0x7F); value >>= 7; } while (value > 0);
        for (int i = n - 1; i >= 0; i--) output.Add((byte)(buffer[i] | (i > 0 ? 0x80 : 0)));
    }

    private static void AddBigEndian(List<byte> output, int value, int bytes)
    {
        for (int i = bytes - 1; i >= 0; i--) output.Add((byte)(value >> (8 * i)));
    }
}
