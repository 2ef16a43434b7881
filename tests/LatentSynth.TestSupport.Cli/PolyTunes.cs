using LatentSynth.Music.Data;
using LatentSynth.Music.Evaluation;

namespace LatentSynth.TestSupport;

using PolyNote = LatentSynth.Music.Data.PolyTree.PolyNote;

/// <summary>Generated polyphonic tunes for tiny pianotree / baseline runs (<c>midi-poly:DIR</c>): a melody over held triads.</summary>
public static class PolyTunes
{
    /// <summary>
    /// Writes <paramref name="count"/> 16-bar tunes (8 segments of 2 bars, 4/4, 120 qpm) into <paramref name="dir"/>: in each
    /// segment a triad held for a bar, struck on steps 0 and 16, under a melody of eighth notes an octave up, so every segment
    /// has steps with four notes at once. Returns the folder.
    /// </summary>
    public static string Write(string dir, int count)
    {
        Directory.CreateDirectory(dir);
        for (int k = 0; k < count; k++)
        {
            int key = 48 + k % 12;
            var segments = new List<IReadOnlyList<PolyNote>>();
            for (int s = 0; s < 8; s++)
            {
                var notes = new List<PolyNote>();
                foreach (int bar in new[] { 0, 16 })
                    foreach (int p in new[] { 0, 4, 7 })
                        notes.Add(new PolyNote(bar, key + p + (s % 2 == 1 && bar == 16 ? 5 : 0), 16));
                for (int i = 0; i < 16; i++)
                    notes.Add(new PolyNote(2 * i, key + 12 + new[] { 0, 2, 4, 7, 9 }[(i * (1 + k % 3) + s) % 5], 2));
                segments.Add(notes);
            }
            PolyDecode.WriteMidi(Path.Combine(dir, $"poly{k:D2}.mid"), segments);
        }
        return dir;
    }

    /// <summary>The <c>music train</c> arguments of a tiny PianoTree (latent 8, narrow layers, 1 epoch of batch 16).</summary>
    public static string[] TinyPianoTree(string data, string outDir) =>
    [
        "music", "train", "--model", "pianotree", "--data", data, "--out", outDir, "--epochs", "1", "--batch-size", "16",
        "--latent-dim", "8", "--set", "note_embedding=8", "--set", "encoder_note_size=8", "--set", "encoder_time_size=16",
        "--set", "decoder_time_size=16", "--set", "decoder_summary_size=8", "--set", "decoder_z_input=8", "--set", "decoder_note_size=16",
        "--set", "decoder_duration_size=8",
    ];
}
