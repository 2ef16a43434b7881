using NAudio.Midi;

namespace LatentSynth.Music.Data;

/// <summary>A note read from a MIDI file, with its times in ticks.</summary>
/// <param name="Pitch">MIDI pitch 0–127.</param>
/// <param name="OnTick">Onset, absolute ticks.</param>
/// <param name="OffTick">Offset (the paired note-off), absolute ticks.</param>
/// <param name="Velocity">Note-on velocity 1–127.</param>
/// <param name="Track">Index of the track holding the note.</param>
/// <param name="Channel">MIDI channel 1–16.</param>
public readonly record struct MidiNote(int Pitch, long OnTick, long OffTick, int Velocity, int Track, int Channel);

/// <summary>A time signature taking effect at <paramref name="Tick"/>.</summary>
/// <param name="Tick">Absolute tick where it starts.</param>
/// <param name="Numerator">Beats per bar.</param>
/// <param name="Denominator">Beat unit (4 = quarter note; the file stores its power-of-two exponent).</param>
public readonly record struct TimeSignature(long Tick, int Numerator, int Denominator)
{
    /// <summary>Whether the signature is 4/4 (a bar of 16 steps).</summary>
    public bool IsFourFour => Numerator == 4 && Denominator == 4;

    /// <summary>Whether the signature is 2/2 (cut time: the same 16 steps as 4/4, kept like it, as Magenta's 16-steps-per-bar check keeps it).</summary>
    public bool IsCutTime => Numerator == 2 && Denominator == 2;

    /// <summary>Whether the signature is 2/4 (a bar of 8 steps).</summary>
    public bool IsTwoFour => Numerator == 2 && Denominator == 4;

    /// <summary>"4/4", "6/8", …</summary>
    public string Text => $"{Numerator}/{Denominator}";
}

/// <summary>A tempo change.</summary>
/// <param name="Tick">Absolute tick where it starts.</param>
/// <param name="QuarterNotesPerMinute">Tempo in quarter notes per minute.</param>
public readonly record struct TempoChange(long Tick, double QuarterNotesPerMinute);

/// <summary>
/// What a MIDI file holds for the melody data: its notes (paired note-on/note-off, drums on channel
/// 10 left out), time signatures and tempi, all in ticks of <see cref="TicksPerQuarter"/>.
/// </summary>
/// <param name="Name">The file name without folder and extension (for example <c>ashover1</c>).</param>
/// <param name="TicksPerQuarter">The file's ticks per quarter note (its time division).</param>
/// <param name="TrackCount">Tracks in the file.</param>
/// <param name="Notes">Every paired note of every track, ordered by onset then track then pitch.</param>
/// <param name="TimeSignatures">Time signatures by tick, repeats of the same signature removed; empty when the file has none (MIDI's default is then 4/4).</param>
/// <param name="Tempos">Tempo changes by tick; empty when the file has none (MIDI's default is then 120 quarter notes per minute).</param>
/// <param name="UnpairedNotes">Note-ons without a matching note-off, left out of <see cref="Notes"/>.</param>
public sealed record MidiTune(string Name, int TicksPerQuarter, int TrackCount, IReadOnlyList<MidiNote> Notes,
    IReadOnlyList<TimeSignature> TimeSignatures, IReadOnlyList<TempoChange> Tempos, int UnpairedNotes)
{
    /// <summary>The last note-off, in ticks (0 without notes).</summary>
    public long EndTick => Notes.Count == 0 ? 0 : Notes.Max(n => n.OffTick);
}

/// <summary>A MIDI file that cannot be read or used; the message names the file and says why.</summary>
public sealed class MidiDataException : IOException
{
    /// <summary>Creates the exception.</summary>
    public MidiDataException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>Reads MIDI files through NAudio.Midi (its parser, never one of our own) into <see cref="MidiTune"/>s.</summary>
public static class MidiReader
{
    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="MidiDataException">The file is missing, unreadable, not MIDI, or uses SMPTE time (no ticks per quarter note).</exception>
    public static MidiTune Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        MidiFile file;
        try
        {
            using var stream = File.OpenRead(path);
            file = new MidiFile(stream, strictChecking: false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // NAudio signals malformed files with FormatException, EndOfStreamException, ArgumentException
            // and others: every one of them means "this file cannot be used".
            throw new MidiDataException($"{path}: not a readable MIDI file ({e.GetType().Name}: {e.Message})", e);
        }
        return FromMidiFile(file, Path.GetFileNameWithoutExtension(path), path);
    }

    /// <summary>Reads a MIDI file from <paramref name="stream"/>; <paramref name="name"/> names it in the tune and in errors.</summary>
    /// <exception cref="MidiDataException">The stream does not hold a usable MIDI file.</exception>
    public static MidiTune Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        MidiFile file;
        try { file = new MidiFile(stream, strictChecking: false); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new MidiDataException($"{name}: not a readable MIDI file ({e.GetType().Name}: {e.Message})", e);
        }
        return FromMidiFile(file, name, name);
    }

    private static MidiTune FromMidiFile(MidiFile file, string name, string shownAs)
    {
        int tpq = file.DeltaTicksPerQuarterNote;
        if (tpq <= 0 || tpq >= 0x8000)
            throw new MidiDataException($"{shownAs}: time division {tpq} is not in ticks per quarter note (SMPTE timing is not supported)");
        var notes = new List<MidiNote>();
        var signatures = new List<TimeSignature>();
        var tempos = new List<TempoChange>();
        int unpaired = 0;
        for (int t = 0; t < file.Tracks; t++)
        {
            foreach (var e in file.Events[t])
            {
                switch (e)
                {
                    case NoteOnEvent on when on.Velocity > 0:
                        if (on.Channel == 10) break; // General MIDI percussion: not pitched
                        if (on.OffEvent is null) { unpaired++; break; }
                        notes.Add(new MidiNote(on.NoteNumber, on.AbsoluteTime, on.OffEvent.AbsoluteTime, on.Velocity, t, on.Channel));
                        break;
                    case TimeSignatureEvent ts:
                        signatures.Add(new TimeSignature(ts.AbsoluteTime, ts.Numerator, 1 << Math.Clamp(ts.Denominator, 0, 30)));
                        break;
                    case TempoEvent te when te.MicrosecondsPerQuarterNote > 0:
                        tempos.Add(new TempoChange(te.AbsoluteTime, 60_000_000.0 / te.MicrosecondsPerQuarterNote));
                        break;
                }
            }
        }
        notes.Sort((a, b) => a.OnTick != b.OnTick ? a.OnTick.CompareTo(b.OnTick) : a.Track != b.Track ? a.Track.CompareTo(b.Track) : a.Pitch.CompareTo(b.Pitch));
        // Later events at the same tick override earlier ones; a repeat of the signature in force is no change.
        var byTick = signatures.OrderBy(s => s.Tick).GroupBy(s => s.Tick).Select(g => g.Last());
        var distinct = new List<TimeSignature>();
        foreach (var s in byTick)
            if (distinct.Count == 0 || distinct[^1].Numerator != s.Numerator || distinct[^1].Denominator != s.Denominator)
                distinct.Add(s);
        tempos.Sort((a, b) => a.Tick.CompareTo(b.Tick));
        return new MidiTune(name, tpq, file.Tracks, notes, distinct, tempos, unpaired);
    }
}
