using LatentSynth.Audio.Notes;

namespace LatentSynth.Music.Evaluation;

/// <summary>Writes a report's melody beside its runs (MIDI, and WAV when the renderer is there) and renders the excerpt the page plays.</summary>
internal static class ReportAudio
{
    /// <summary>A MIDI writer of items on some grid: tokens (MelodyGrid.WriteMidi, InpaintGrid.WriteMidi) or tree values (PolyData.WriteMidi).</summary>
    public delegate void MidiWriter<T>(string path, ReadOnlySpan<T> items);

    /// <summary>
    /// Writes <c>FILES/NAME.mid</c> and, with <paramref name="withAudio"/>, <c>FILES/NAME.wav</c> (FluidSynth); returns the WAV bytes of the
    /// items <paramref name="excerpt"/> (start, length) rendered alone, or null without audio or without an excerpt.
    /// </summary>
    public static byte[]? Write<T>(string files, string name, T[] tokens, MidiWriter<T> writeMidi, bool withAudio, (int Start, int Length)? excerpt)
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
