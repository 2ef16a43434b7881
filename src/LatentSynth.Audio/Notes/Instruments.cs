namespace LatentSynth.Audio.Notes;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>One instrument of the note set.</summary>
/// <param name="Name">Identifier used in file names and the CSV ("flute", "french-horn").</param>
/// <param name="Family">"woodwind", "brass", "string" or "keyboard".</param>
/// <param name="Program">General MIDI program number, 0-based (GM 1 "Acoustic Grand Piano" is 0).</param>
/// <param name="LowestPitch">Lowest sounding MIDI pitch of the real playing range.</param>
/// <param name="HighestPitch">Highest sounding MIDI pitch of the real playing range.</param>
public sealed record Instrument(string Name, string Family, int Program, int LowestPitch, int HighestPitch)
{
    /// <summary>The pitches from <see cref="LowestPitch"/> to <see cref="HighestPitch"/>, every <paramref name="step"/> semitones.</summary>
    public IEnumerable<int> Pitches(int step = 1)
    {
        if (step <= 0) throw new ArgumentOutOfRangeException(nameof(step), step, "the pitch step must be a positive number of semitones");
        for (int p = LowestPitch; p <= HighestPitch; p += step) yield return p;
    }
}

/// <summary>The 12 instruments of the note set and the three dynamics.</summary>
public static class InstrumentTable
{
    /// <summary>
    /// Flute, oboe, clarinet, bassoon, French horn, trumpet, trombone, tuba, violin, cello,
    /// contrabass, piano. Ranges are the usual written-for sounding ranges of standard orchestration
    /// tables (S. Adler, "The Study of Orchestration", 3rd ed., instrument range charts), with the
    /// extreme top notes that only specialists reach left out; transposing instruments (clarinet in
    /// B♭, horn in F, trumpet in B♭, contrabass) are given at concert (sounding) pitch. MIDI 60 = C4.
    /// </summary>
    public static IReadOnlyList<Instrument> All { get; } =
    [
        new("flute", "woodwind", 73, 60, 96),        // C4–C7
        new("oboe", "woodwind", 68, 58, 91),         // B♭3–G6
        new("clarinet", "woodwind", 71, 50, 91),     // D3–G6 (B♭ clarinet, sounding)
        new("bassoon", "woodwind", 70, 34, 75),      // B♭1–E♭5
        new("french-horn", "brass", 60, 35, 77),     // B1–F5 (horn in F, sounding)
        new("trumpet", "brass", 56, 52, 82),         // E3–B♭5 (B♭ trumpet, sounding)
        new("trombone", "brass", 57, 40, 72),        // E2–C5 (tenor trombone)
        new("tuba", "brass", 58, 28, 65),            // E1–F4
        new("violin", "string", 40, 55, 100),        // G3–E7
        new("cello", "string", 42, 36, 81),          // C2–A5
        new("contrabass", "string", 43, 28, 67),     // E1–G4 (sounding an octave below written)
        new("piano", "keyboard", 0, 21, 108),        // A0–C8
    ];

    /// <summary>
    /// Dynamics and their MIDI note-on velocities: pp 40, mf 80, ff 120. Equal steps of 40 over the
    /// 1–127 scale; 120 leaves headroom below 127 and 40 stays above the lowest velocities, where
    /// some sound-font presets become almost inaudible. FluidSynth maps velocity to loudness with
    /// the SoundFont 2 default modulator (a concave curve), so the three are clearly apart in level.
    /// </summary>
    public static IReadOnlyList<(string Name, int Velocity)> Dynamics { get; } = [("pp", 40), ("mf", 80), ("ff", 120)];

    /// <summary>The instrument called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No such instrument; the message lists the known names.</exception>
    public static Instrument Get(string name) =>
        All.FirstOrDefault(i => string.Equals(i.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown instrument '{name}' (known: {string.Join(", ", All.Select(i => i.Name))})", nameof(name));

    /// <summary>The velocity of dynamics <paramref name="name"/> (pp, mf, ff; case-insensitive).</summary>
    /// <exception cref="ArgumentException">Unknown dynamics; the message lists the known ones.</exception>
    public static int Velocity(string name) => TryVelocity(name)
        ?? throw new ArgumentException($"unknown dynamics '{name}' (known: {string.Join(", ", Dynamics.Select(d => d.Name))})", nameof(name));

    /// <summary>The velocity of dynamics <paramref name="name"/>, or null when unknown.</summary>
    public static int? TryVelocity(string? name)
    {
        foreach (var d in Dynamics)
            if (string.Equals(d.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase)) return d.Velocity;
        return null;
    }

    private static readonly string[] PitchClasses = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];

    /// <summary>"A4" for 69, "C4" for 60 (scientific pitch notation, sharps); "" for a negative pitch.</summary>
    public static string NoteName(int midi) => midi < 0 ? "" : PitchClasses[midi % 12] + (midi / 12 - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Equal-tempered frequency in Hz with A4 (69) = 440 Hz; NaN for a negative pitch.</summary>
    public static double Frequency(int midi) => midi < 0 ? double.NaN : 440.0 * Math.Pow(2, (midi - 69) / 12.0);

    /// <summary>Parses a MIDI number ("69") or a note name ("A4", "C#3", "Bb2"); null when neither.</summary>
    public static int? ParsePitch(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        if (int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int n))
            return n is >= 0 and <= 127 ? n : null;
        var m = System.Text.RegularExpressions.Regex.Match(text, @"^([A-Ga-g])([#b]?)(-?\d)$");
        if (!m.Success) return null;
        int pc = "C D EF G A B".IndexOf(char.ToUpperInvariant(m.Groups[1].Value[0]));
        pc += m.Groups[2].Value == "#" ? 1 : m.Groups[2].Value == "b" ? -1 : 0;
        int midi = (int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) + 1) * 12 + pc;
        return midi is >= 0 and <= 127 ? midi : null;
    }
}
