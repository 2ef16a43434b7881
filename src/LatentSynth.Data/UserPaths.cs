using System.Text;

namespace LatentSynth.Data;

/// <summary>
/// A path a user gave on the command line cannot be used as asked. The message is one line that
/// names the flag and the path and says what to do.
/// </summary>
/// <param name="message">The one-line message.</param>
public sealed class UserPathException(string message) : ArgumentException(message);

/// <summary>
/// The one policy every verb applies to the paths users name: files it writes (<see cref="CheckOutputFile"/>),
/// folders it writes into (<see cref="CheckOutputFolder"/>) and config files it reads (<see cref="ReadConfigText"/>).
/// <para>Output files. A verb refuses, before it computes anything, a path that is an existing folder;
/// one under an existing file; one inside a run's <c>checkpoints/</c> folder; one of a run folder's
/// own files (<see cref="RunFiles"/>; a folder is a run folder when it holds <c>run.json</c>); an
/// existing file of another kind (PNG, WAV and NPY by their first bytes, text kinds by extension).
/// An existing file of the same kind is replaced only with <c>--force</c>, with one exception: a
/// verb's own default output in a run folder (<c>RUN/samples.png</c> for <c>sample</c>, …) is
/// rewritten without <c>--force</c>, because the run folder holds it for exactly that verb and a
/// rerun (as <c>make demo</c> does) should regenerate it, not fail.</para>
/// <para>Config files are read whole, so they must be regular files of at most
/// <see cref="MaxConfigBytes"/>: a folder, a device such as <c>/dev/zero</c> or a large file is
/// refused before anything is read.</para>
/// </summary>
public static class UserPaths
{
    /// <summary>
    /// Largest config file read (1 MiB): a run config or benchmark matrix is a few kilobytes; the cap
    /// keeps a wrong path (a dataset, a device) from being read into memory whole.
    /// </summary>
    public const long MaxConfigBytes = 1L << 20;

    /// <summary>The file that makes a folder a run folder.</summary>
    public const string RunMarker = "run.json";

    /// <summary>The folder of a run that holds its checkpoints; nothing a user names is written inside it.</summary>
    public const string CheckpointsFolder = "checkpoints";

    /// <summary>A run folder's own files, which no output flag may replace.</summary>
    public static readonly IReadOnlyList<string> RunFiles = [RunMarker, "environment.json", "model.safetensors", "metrics.csv", "metrics.jsonl"];

    /// <summary>
    /// Checks that <paramref name="path"/>, given with <paramref name="flag"/>, may be written as a file of
    /// <paramref name="kind"/> (<c>png</c>, <c>wav</c>, <c>npy</c>, or a text kind named by its
    /// extension: <c>csv</c>, <c>json</c>, <c>svg</c>); see the class remarks for the rules.
    /// </summary>
    /// <param name="flag">The flag that named the path, for the message (for example <c>--png</c>).</param>
    /// <param name="path">The path to write.</param>
    /// <param name="kind">What will be written there.</param>
    /// <param name="force">Whether the user passed <c>--force</c> (replace an existing file of the same kind).</param>
    /// <param name="ownDefault">The verb's default file name in a run folder (for example <c>samples.png</c>),
    /// which a rerun may rewrite without <c>--force</c>; null when the verb has none.</param>
    /// <exception cref="UserPathException">The path may not be written.</exception>
    public static void CheckOutputFile(string flag, string path, string kind, bool force, string? ownDefault = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(flag);
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        if (string.IsNullOrWhiteSpace(path)) throw new UserPathException($"{flag}: the path is empty; give a file to write");
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new UserPathException($"{flag}: '{path}' is a folder; give a file path (for example {Path.Combine(path, "out." + kind)})");
        CheckParents(flag, path, full);
        var dir = Path.GetDirectoryName(full);
        var name = Path.GetFileName(full);
        if (InsideCheckpoints(full) is { } run)
            throw new UserPathException($"{flag}: '{path}' is inside the checkpoints of run '{run}', which hold its weights; write somewhere else");
        bool inRun = dir is not null && File.Exists(Path.Combine(dir, RunMarker));
        if (inRun && RunFiles.Contains(name, StringComparer.OrdinalIgnoreCase))
            throw new UserPathException($"{flag}: '{path}' is the run's own {name}; write somewhere else");
        if (!File.Exists(full)) return;
        if (!IsKind(full, kind))
            throw new UserPathException($"{flag}: '{path}' exists and is not a {kind.ToUpperInvariant()} file; it is left alone: choose another path");
        bool regenerate = inRun && ownDefault is not null && string.Equals(name, ownDefault, StringComparison.OrdinalIgnoreCase);
        if (!force && !regenerate)
            throw new UserPathException($"{flag}: '{path}' already exists; pass --force to replace it, or choose another path");
    }

    /// <summary>
    /// Checks that <paramref name="path"/>, given with <paramref name="flag"/>, can be a folder the verb
    /// writes into: not an existing file, and not under one.
    /// </summary>
    /// <exception cref="UserPathException">The path cannot be a folder.</exception>
    public static void CheckOutputFolder(string flag, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(flag);
        if (string.IsNullOrWhiteSpace(path)) throw new UserPathException($"{flag}: the path is empty; give a folder");
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
            throw new UserPathException($"{flag}: '{path}' is a file, not a folder; give a new or existing folder");
        CheckParents(flag, path, full);
    }

    /// <summary>
    /// Reads the text of the config file <paramref name="path"/> given with <paramref name="flag"/>: a
    /// regular file of at most <paramref name="maxBytes"/> (by default <see cref="MaxConfigBytes"/>).
    /// Nothing is read from anything else, and never more than one byte past the file's reported length.
    /// <paramref name="what"/> says what the flag takes, for messages ("JSON file", "CSV file").
    /// <para>A named pipe (FIFO) is not detected before it is opened: opening it waits for a writer.</para>
    /// </summary>
    /// <exception cref="UserPathException">The path is missing, a folder, not a regular file, too large or unreadable.</exception>
    public static string ReadConfigText(string flag, string path, long maxBytes = MaxConfigBytes, string what = "JSON file")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBytes, Array.MaxLength - 1L);
        ArgumentException.ThrowIfNullOrWhiteSpace(flag);
        if (string.IsNullOrWhiteSpace(path)) throw new UserPathException($"{flag}: the path is empty; give a {what}");
        if (Directory.Exists(path)) throw new UserPathException($"{flag}: '{path}' is a folder; give a {what}");
        if (!File.Exists(path)) throw new UserPathException($"{flag}: '{path}' does not exist; give a {what}");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            // A pipe or terminal cannot seek; a device such as /dev/zero reports length 0 but never ends.
            if (!stream.CanSeek) throw NotRegular(flag, path, what);
            long length = stream.Length;
            if (length > maxBytes) throw TooLarge(flag, path, $"{length} bytes, ", maxBytes);
            // Read one byte past what the file claims: a regular file ends there; a device such as
            // /dev/zero does not, and is refused after that one byte.
            var buffer = new byte[length + 1];
            int total = 0, read;
            while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0) total += read;
            if (total > length) throw NotRegular(flag, path, what);
            return new UTF8Encoding(false).GetString(buffer, 0, total).TrimStart('\uFEFF');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserPathException($"{flag}: cannot read '{path}': {e.Message}");
        }
    }

    private static UserPathException NotRegular(string flag, string path, string what) =>
        new($"{flag}: '{path}' is not a regular file (a device, pipe or special file); give a {what}");

    private static UserPathException TooLarge(string flag, string path, string size, long maxBytes) =>
        new($"{flag}: '{path}' is {size}over the {maxBytes / 1024} KiB limit of {flag} files; check the path");

    /// <summary>Refuses a path whose nearest existing ancestor is a file.</summary>
    private static void CheckParents(string flag, string path, string full)
    {
        for (var dir = Path.GetDirectoryName(full); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (Directory.Exists(dir)) return;
            if (File.Exists(dir))
                throw new UserPathException($"{flag}: cannot write '{path}': '{dir}' is a file, not a folder; choose a path in a folder");
        }
    }

    /// <summary>The run folder whose <c>checkpoints/</c> holds <paramref name="full"/>, or null.</summary>
    private static string? InsideCheckpoints(string full)
    {
        for (var dir = Path.GetDirectoryName(full); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            if (!string.Equals(Path.GetFileName(dir), CheckpointsFolder, StringComparison.OrdinalIgnoreCase)) continue;
            var run = Path.GetDirectoryName(dir);
            if (run is not null && File.Exists(Path.Combine(run, RunMarker))) return run;
        }
        return null;
    }

    /// <summary>Whether the existing file <paramref name="full"/> holds <paramref name="kind"/>.</summary>
    private static bool IsKind(string full, string kind)
    {
        ReadOnlySpan<byte> magic = kind.ToLowerInvariant() switch
        {
            "png" => [0x89, (byte)'P', (byte)'N', (byte)'G'],
            "wav" => "RIFF"u8,
            "npy" => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'],
            _ => [],
        };
        if (magic.IsEmpty)
            return string.Equals(Path.GetExtension(full).TrimStart('.'), kind, StringComparison.OrdinalIgnoreCase);
        Span<byte> head = stackalloc byte[magic.Length];
        try
        {
            using var stream = File.OpenRead(full);
            return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head.SequenceEqual(magic);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
