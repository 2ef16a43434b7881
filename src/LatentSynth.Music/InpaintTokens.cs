namespace LatentSynth.Music;

/// <summary>
/// The score-inpainting vocabulary (Music SketchNet's, Chen et al. 2020; one vocabulary for both
/// InpaintNet and SketchNet here): one token per step of the 24-step bar
/// (<see cref="Data.BeatGrid.SixteenthsAndTriplets"/>: 6 steps per quarter note at 0, 1/4, 1/3, 1/2,
/// 2/3, 3/4), <see cref="Count"/> = 130 tokens.
/// <list type="bullet">
/// <item>0–127: note-on of that MIDI pitch (ending any sounding note);</item>
/// <item><see cref="Hold"/> (128): the previous note, or rest, goes on;</item>
/// <item><see cref="Rest"/> (129): silence starts (or goes on).</item>
/// </list>
/// InpaintNet's START and END symbols are not needed: every bar has exactly
/// <see cref="StepsPerBar"/> steps, so a bar's boundaries are known from its position and a
/// sequence of bars is a plain concatenation.
/// </summary>
public static class InpaintTokens
{
    /// <summary>Token: hold the current note (or rest).</summary>
    public const int Hold = 128;

    /// <summary>Token: rest.</summary>
    public const int Rest = 129;

    /// <summary>Size of the vocabulary: 128 pitches, hold and rest.</summary>
    public const int Count = 130;

    /// <summary>Steps per 4/4 bar (6 per quarter note).</summary>
    public const int StepsPerBar = 24;

    /// <summary>Whether <paramref name="token"/> is a note-on (0–127).</summary>
    public static bool IsOnset(int token) => token is >= 0 and < Hold;

    /// <summary>The name of a token: the pitch's name for a note-on ("C4"), else "hold" or "rest".</summary>
    /// <exception cref="ArgumentOutOfRangeException">The token is outside 0..129.</exception>
    public static string Meaning(int token) => token switch
    {
        Hold => "hold",
        Rest => "rest",
        >= 0 and < Hold => $"note-on {PitchName(token)}",
        _ => throw new ArgumentOutOfRangeException(nameof(token), token, $"inpainting tokens are 0..{Count - 1}"),
    };

    /// <summary>The name of MIDI pitch <paramref name="pitch"/>: "C4", "F#5", … (MIDI 60 = C4); as <see cref="MelodyTokens.PitchName"/>.</summary>
    public static string PitchName(int pitch) => MelodyTokens.PitchName(pitch);
}
