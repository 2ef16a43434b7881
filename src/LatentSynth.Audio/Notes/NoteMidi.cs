using NAudio.Midi;

namespace LatentSynth.Audio.Notes;

/// <summary>One note of an instrument's MIDI file: its pitch and velocity (MIDI numbers, 0–127).</summary>
/// <param name="Pitch">MIDI note number.</param>
/// <param name="Velocity">Note-on velocity.</param>
public readonly record struct MidiNote(int Pitch, int Velocity);

/// <summary>
/// The MIDI file FluidSynth renders one instrument's notes from, built and written with NAudio.Midi:
/// format 0, one track on channel 1 (never 10, GM percussion), <see cref="Division"/> ticks per
/// quarter note at 120 bpm. The track holds the tempo, the instrument's program change at tick 0,
/// then per note, one note slot after another: note-on, note-off (velocity 64) after the hold, and
/// CC 120 (all sound off) at the end of the note's window, so that nothing rings into the next note.
/// </summary>
public static class NoteMidi
{
    /// <summary>Ticks per quarter note written in the header.</summary>
    public const int Division = 480;

    /// <summary>Microseconds per quarter note (120 bpm), so one second is 960 ticks.</summary>
    public const int Tempo = 500_000;

    /// <summary>Ticks per second at <see cref="Division"/> and <see cref="Tempo"/>.</summary>
    public const int TicksPerSecond = Division * 1_000_000 / Tempo;

    /// <summary>The MIDI channel the notes are on (NAudio numbers channels from 1).</summary>
    public const int Channel = 1;

    /// <summary>The "all sound off" controller (CC 120).</summary>
    public const int AllSoundOff = 120;

    /// <summary>
    /// The events of one instrument's file: note <c>i</c> starts at <c>lead + i·slot</c> ticks, is
    /// released <paramref name="hold"/> ticks later and silenced (CC 120) <paramref name="length"/>
    /// ticks after its start; the track ends at <c>lead + count·slot</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The program, a pitch or velocity is outside 0–127,
    /// or the times are not 0 ≤ lead, 0 ≤ hold ≤ length ≤ slot.</exception>
    public static MidiEventCollection Events(int program, IReadOnlyList<MidiNote> notes, long lead, long slot, long hold, long length)
    {
        ArgumentNullException.ThrowIfNull(notes);
        if (program is < 0 or > 127) throw new ArgumentOutOfRangeException(nameof(program), program, "a MIDI program is 0–127");
        if (lead < 0 || hold < 0 || hold > length || length > slot)
            throw new ArgumentOutOfRangeException(nameof(slot), $"need 0 ≤ lead, 0 ≤ hold ≤ length ≤ slot, got lead {lead}, hold {hold}, length {length}, slot {slot}");
        var events = new MidiEventCollection(0, Division);
        events.AddEvent(new TempoEvent(Tempo, 0), 0);
        events.AddEvent(new PatchChangeEvent(0, Channel, program), 0);
        for (int i = 0; i < notes.Count; i++)
        {
            var (pitch, velocity) = notes[i];
            if (pitch is < 0 or > 127 || velocity is < 1 or > 127)
                throw new ArgumentOutOfRangeException(nameof(notes), $"note {i}: pitch {pitch} and velocity {velocity} must be MIDI numbers (velocity 1–127)");
            long on = lead + i * slot;
            events.AddEvent(new NoteEvent(on, Channel, MidiCommandCode.NoteOn, pitch, velocity), 0);
            events.AddEvent(new NoteEvent(on + hold, Channel, MidiCommandCode.NoteOff, pitch, 64), 0);
            events.AddEvent(new ControlChangeEvent(on + length, Channel, (MidiController)AllSoundOff, 0), 0);
        }
        events.AddEvent(new MetaEvent(MetaEventType.EndTrack, 0, lead + notes.Count * slot), 0);
        events.PrepareForExport();
        return events;
    }

    /// <summary>Writes the events as a Standard MIDI File (NAudio's <see cref="MidiFile.Export(string, MidiEventCollection)"/>).</summary>
    public static void Write(string path, MidiEventCollection events)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(events);
        MidiFile.Export(path, events);
    }
}
