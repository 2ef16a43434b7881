namespace LatentSynth.Evaluation;

/// <summary>Writes a file beside its destination, then renames it over: readers never see half a file.</summary>
internal static class AtomicFile
{
    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));

    /// <summary>
    /// Writes through <paramref name="write"/> into a temporary file beside <paramref name="path"/>,
    /// then renames it over <paramref name="path"/>.
    /// </summary>
    /// <exception cref="IOException">The file cannot be written; the message names <paramref name="path"/> (not the temporary file).</exception>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full);
        var temp = Path.Combine(dir ?? "", "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                write(stream);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw new IOException($"cannot write '{path}': {e.Message.Replace(temp, full)}", e);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
