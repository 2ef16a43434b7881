namespace LatentSynth.Music;

/// <summary>
/// MusicVAE's melody vocabulary (Roberts et al. 2018, §5; Magenta's melody one-hot encoding with
/// pitches 21–108): one token per 16th-note step out of <see cref="Count"/> = 90.
/// <list type="bullet">
/// <item><see cref="NoEvent"/> (0): nothing starts or stops; the previous note (or rest) goes on;</item>
/// <item><see cref="NoteOff"/> (1): the sounding note stops; a rest begins;</item>
/// <item><see cref="FirstPitch"/> + (p − <see cref="MinPitch"/>) (2–89): note-on of MIDI pitch p, ending any sounding note.</item>
/// </list>
/// The data and the models share this one definition.
/// </summary>
public static class MelodyTokens
{
    /// <summary>Token: no event (hold the current note or rest).</summary>
    public const int NoEvent = 0;

    /// <summary>Token: note-off (start a rest).</summary>
    public const int NoteOff = 1;

    /// <summary>Token of the lowest pitch's note-on.</summary>
    public const int FirstPitch = 2;

    /// <summary>Lowest MIDI pitch (A0).</summary>
    public const int MinPitch = 21;

    /// <summary>Highest MIDI pitch (C8).</summary>
    public const int MaxPitch = 108;

    /// <summary>Size of the vocabulary: 2 + 88 pitches.</summary>
    public const int Count = FirstPitch + MaxPitch - MinPitch + 1;

    /// <summary>Steps per 4/4 bar (16th notes).</summary>
    public const int StepsPerBar = 16;

    /// <summary>The note-on token of MIDI pitch <paramref name="pitch"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The pitch is outside 21–108.</exception>
    public static int NoteOn(int pitch) => pitch is >= MinPitch and <= MaxPitch
        ? FirstPitch + pitch - MinPitch
        : throw new ArgumentOutOfRangeException(nameof(pitch), pitch, $"MIDI pitch must be in {MinPitch}..{MaxPitch}");

    /// <summary>The MIDI pitch of a note-on token, or null for <see cref="NoEvent"/> and <see cref="NoteOff"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The token is outside 0..<see cref="Count"/> − 1.</exception>
    public static int? PitchOf(int token) => token switch
    {
        NoEvent or NoteOff => null,
        >= FirstPitch and < Count => MinPitch + token - FirstPitch,
        _ => throw new ArgumentOutOfRangeException(nameof(token), token, $"melody tokens are 0..{Count - 1}"),
    };

    /// <summary>The name of MIDI pitch <paramref name="pitch"/>: "C4", "F#5", … (MIDI 60 = C4).</summary>
    public static string PitchName(int pitch)
    {
        string[] names = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
        return names[((pitch % 12) + 12) % 12] + (Math.Floor(pitch / 12.0) - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
