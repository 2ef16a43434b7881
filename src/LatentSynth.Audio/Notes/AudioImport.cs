using LatentSynth.Audio.IO;

namespace LatentSynth.Audio.Notes;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>A file <see cref="AudioImport"/> left out, and why.</summary>
/// <param name="File">The path relative to the source folder.</param>
/// <param name="Reason">"unreadable: …", "empty: …", "silent: …" or "too short: …".</param>
public sealed record SkippedFile(string File, string Reason);

/// <summary>What <see cref="AudioImport.Import"/> did.</summary>
/// <param name="Imported">The notes written, as in the output notes.csv.</param>
/// <param name="Skipped">Files left out with their reasons.</param>
/// <param name="CsvPath">The output notes.csv.</param>
public sealed record ImportReport(IReadOnlyList<NoteInfo> Imported, IReadOnlyList<SkippedFile> Skipped, string CsvPath)
{
    /// <summary>Notes the output set already held and kept (non-zero only with <c>append</c>).</summary>
    public int Kept { get; init; }
}

/// <summary>
/// An import was pointed at a folder that already holds a note set, without <c>append</c>: importing
/// would have replaced its notes.csv and notes.json and orphaned its WAV files.
/// </summary>
public sealed class ExistingNoteSetException : InvalidOperationException
{
    /// <summary>Creates the exception for the set in <paramref name="folder"/> holding <paramref name="notes"/> notes (-1: unreadable).</summary>
    public ExistingNoteSetException(string folder, int notes)
        : base($"--out '{folder}' already holds a note set ({(notes >= 0 ? $"{notes:N0} notes" : "its notes.csv is unreadable")}); " +
               "importing would replace it. Pass --append to add these files to it, or choose a new folder")
        => Folder = folder;

    /// <summary>The folder holding the set.</summary>
    public string Folder { get; }
}

/// <summary>
/// Imports any folder of audio files as a note set: every file under the source folder that
/// libsndfile reads is mixed to mono, resampled with libsoxr and written as PCM16 WAV (same
/// relative path, .wav extension) into the output folder, with a notes.csv in the schema of
/// rendered sets. Files that cannot be read, have no samples, are silent (peak below
/// <see cref="SilenceThreshold"/>) or are shorter than the minimum duration are skipped and reported.
/// </summary>
public static class AudioImport
{
    /// <summary>Peak below which a file counts as silent (1e-4, about -80 dBFS).</summary>
    public const double SilenceThreshold = 1e-4;

    /// <summary>Prefix of the staging folder an import writes into before it commits (inside the output folder).</summary>
    public const string StagingPrefix = ".import-staging-";

    /// <summary>
    /// Imports <paramref name="sourceDir"/> into <paramref name="outDir"/>. The optional metadata CSV
    /// has a <c>file</c> column (path relative to the source folder, or a bare file name) and any of
    /// <c>instrument</c>, <c>family</c>, <c>pitch</c> (MIDI number or a name like A4) and <c>dynamics</c>;
    /// values it does not give stay unknown ("" or -1).
    /// </summary>
    /// <remarks>
    /// <para><b>Never replaces a set.</b> When <paramref name="outDir"/> already holds a note set
    /// (notes.csv or notes.json), the import is refused unless <paramref name="append"/> is set; then
    /// the new notes are added after the existing ones, with ids (and file names) made unique against
    /// them, and no existing file is touched except the two metadata files, rewritten at the end.</para>
    /// <para><b>All or nothing.</b> The WAV files are written into a staging folder inside the output
    /// folder (<see cref="StagingPrefix"/>…); only when every file has been read and written are they
    /// moved into place and the metadata written (atomically, last). A failure half-way leaves the
    /// output as it was (the staging folder is removed; one left by a killed process is removed by the
    /// next import into the same folder), so <c>audio train</c> can never read a half-written set.</para>
    /// </remarks>
    /// <exception cref="DirectoryNotFoundException">The source folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The metadata CSV does not exist.</exception>
    /// <exception cref="InvalidDataException">The metadata CSV has no <c>file</c> column.</exception>
    /// <exception cref="ExistingNoteSetException">The output already holds a note set and <paramref name="append"/> is false.</exception>
    public static ImportReport Import(string sourceDir, string outDir, int sampleRate = 22050, string? metadataCsv = null,
        double minDurationSeconds = 0.1, IProgress<string>? progress = null, bool append = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceDir);
        ArgumentException.ThrowIfNullOrEmpty(outDir);
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "the sample rate must be positive");
        if (!Directory.Exists(sourceDir)) throw new DirectoryNotFoundException($"source folder '{sourceDir}' does not exist");
        var metadata = metadataCsv is null ? new Dictionary<string, Dictionary<string, string>>() : ReadMetadata(metadataCsv);
        var source = Path.GetFullPath(sourceDir);
        var output = Path.GetFullPath(outDir);

        var existing = new List<NoteInfo>();
        bool hasSet = File.Exists(Path.Combine(output, NoteSet.CsvName)) || File.Exists(Path.Combine(output, NoteSet.JsonName));
        if (hasSet)
        {
            if (!append) throw new ExistingNoteSetException(output, CountNotes(output));
            existing.AddRange(NoteSet.Load(output).Notes);
        }
        Directory.CreateDirectory(output);
        foreach (var stale in Directory.EnumerateDirectories(output, StagingPrefix + "*")) TryDelete(stale);
        var staging = Path.Combine(output, StagingPrefix + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(staging);
        try
        {
            var files = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories)
                .Where(f => !Path.GetFullPath(f).StartsWith(output + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                .Order(StringComparer.Ordinal).ToList();
            var imported = new List<NoteInfo>();
            var skipped = new List<SkippedFile>();
            var used = new HashSet<string>(existing.Select(n => n.Id), StringComparer.Ordinal);
            foreach (var file in files)
            {
                var rel = Path.GetRelativePath(source, file).Replace(Path.DirectorySeparatorChar, '/');
                progress?.Report(rel);
                if (new FileInfo(file).Length == 0) { skipped.Add(new(rel, "empty: the file has 0 bytes")); continue; }
                AudioClip clip;
                try { clip = AudioFile.ReadMono(file, sampleRate); }
                catch (AudioFileException e) { skipped.Add(new(rel, "unreadable: " + e.Message[(e.Message.IndexOf("': ", StringComparison.Ordinal) is int k and >= 0 ? k + 3 : 0)..])); continue; }
                if (clip.Samples.Length == 0) { skipped.Add(new(rel, "empty: no audio frames")); continue; }
                if (clip.NonFiniteCount > 0) { skipped.Add(new(rel, clip.Problem(new Spectral.StftConfig(sampleRate))!)); continue; }
                if (clip.Duration < minDurationSeconds)
                {
                    skipped.Add(new(rel, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"too short: {clip.Duration:F3} s < {minDurationSeconds:F3} s")));
                    continue;
                }
                float peak = clip.Peak;
                if (peak < SilenceThreshold) { skipped.Add(new(rel, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"silent: peak {peak:G3} < {SilenceThreshold:G1}"))); continue; }

                var stem = rel[..^Path.GetExtension(rel).Length];
                var id = stem;
                // Unique among the notes and free on disk (a file an earlier set left behind is never overwritten).
                for (int n = 2; used.Contains(id) || File.Exists(Path.Combine(output, (id + ".wav").Replace('/', Path.DirectorySeparatorChar))); n++) id = $"{stem}~{n}";
                used.Add(id);
                var outRel = id + ".wav";
                AudioFile.WriteWav(Path.Combine(staging, outRel.Replace('/', Path.DirectorySeparatorChar)), clip, WavSampleFormat.Pcm16);

                var meta = metadata.GetValueOrDefault(rel) ?? metadata.GetValueOrDefault(Path.GetFileName(rel)) ?? [];
                string M(string key) => meta.GetValueOrDefault(key)?.Trim() ?? "";
                int pitch = InstrumentTable.ParsePitch(M("pitch")) ?? -1;
                var instrument = M("instrument");
                var known = InstrumentTable.All.FirstOrDefault(i => string.Equals(i.Name, instrument, StringComparison.OrdinalIgnoreCase));
                var family = M("family").Length > 0 ? M("family") : known?.Family ?? "";
                var dyn = M("dynamics");
                imported.Add(new NoteInfo(id, instrument, family, known?.Program ?? -1, pitch, InstrumentTable.NoteName(pitch),
                    InstrumentTable.Frequency(pitch), dyn, InstrumentTable.TryVelocity(dyn) ?? -1, outRel, clip.Duration, peak, clip.Rms));
            }
            // Commit: move the new files into place, then write the metadata (atomically, last).
            foreach (var note in imported)
            {
                var rel = note.File.Replace('/', Path.DirectorySeparatorChar);
                var target = Path.Combine(output, rel);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Move(Path.Combine(staging, rel), target);
            }
            if (imported.Count > 0 || !hasSet) NoteSet.WriteMetadata(output, [.. existing, .. imported]);
            return new ImportReport(imported, skipped, Path.Combine(output, NoteSet.CsvName)) { Kept = existing.Count };
        }
        finally
        {
            TryDelete(staging);
        }
    }

    private static int CountNotes(string dir)
    {
        try { return NoteSet.Load(dir).Notes.Count; }
        catch (Exception e) when (e is IOException or InvalidDataException) { return -1; }
    }

    private static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* best effort: the next import removes it */ }
    }

    /// <summary>
    /// Largest metadata CSV read (64 MiB, about half a million rows): it is read whole, through
    /// <see cref="LatentSynth.Data.UserPaths.ReadConfigText"/>, so a device or a wrong large file is refused.
    /// </summary>
    public const long MaxMetadataBytes = 64L << 20;

    private static Dictionary<string, Dictionary<string, string>> ReadMetadata(string csv)
    {
        if (!File.Exists(csv)) throw new FileNotFoundException($"metadata file '{csv}' not found", csv);
        var rows = Csv.Parse(LatentSynth.Data.UserPaths.ReadConfigText("--metadata", csv, MaxMetadataBytes, "CSV file"));
        if (rows.Count == 0) throw new InvalidDataException($"metadata file '{csv}' is empty (expected a header with a 'file' column)");
        var header = rows[0].Select(h => h.Trim().ToLowerInvariant()).ToList();
        int fileCol = header.IndexOf("file");
        if (fileCol < 0) throw new InvalidDataException($"metadata file '{csv}' has no 'file' column (header: {string.Join(",", header)})");
        var result = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var row in rows.Skip(1))
        {
            if (row.Count <= fileCol || row[fileCol].Trim().Length == 0) continue;
            var d = new Dictionary<string, string>();
            for (int c = 0; c < Math.Min(row.Count, header.Count); c++) d[header[c]] = row[c];
            result[row[fileCol].Trim().Replace('\\', '/')] = d;
        }
        return result;
    }
}
