using LatentSynth.Audio.Notes;

namespace LatentSynth.Music.Evaluation;

/// <summary>Writes a report's melody beside its runs (MIDI, and WAV when the renderer is there) and renders the excerpt the page plays.</summary>
internal static class ReportAudio
{
    /// <summary>A MIDI writer of tokens on some grid (MelodyGrid.WriteMidi, InpaintGrid.WriteMidi).</summary>
    public delegate void MidiWriter(string path, ReadOnlySpan<int> tokens);

    /// <summary>
    /// Writes <c>FILES/NAME.mid</c> and, with <paramref name="withAudio"/>, <c>FILES/NAME.wav</c> (FluidSynth); returns the WAV bytes of the
    /// steps <paramref name="excerpt"/> (start, length) rendered alone, or null without audio or without an excerpt.
    /// </summary>
    public static byte[]? Write(string files, string name, int[] tokens, MidiWriter writeMidi, bool withAudio, (int Start, int Length)? excerpt)
    {
        string mid = Path.Combine(files, name + ".mid"), wav = Path.Combine(files, name + ".wav");
        writeMidi(mid, tokens);
        if (!withAudio) return null;
        NoteRenderer.RenderMidi(mid, wav);
        if (excerpt is not { } e) return null;
        string excerptMid = Path.Combine(files, name + ".excerpt.mid"), excerptWav = Path.Combine(files, name + ".excerpt.wav");
        try
        {
            writeMidi(excerptMid, tokens.AsSpan(e.Start, e.Length));
            NoteRenderer.RenderMidi(excerptMid, excerptWav);
            return File.ReadAllBytes(excerptWav);
        }
        finally
        {
            File.Delete(excerptMid);
            File.Delete(excerptWav);
        }
    }
}
