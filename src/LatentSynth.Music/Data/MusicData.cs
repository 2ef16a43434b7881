using System.Security.Cryptography;
using LatentSynth.Data;

namespace LatentSynth.Music.Data;

/// <summary>
/// The symbolic-music datasets in the <see cref="DatasetCatalog"/>:
/// <list type="bullet">
/// <item><c>nottingham</c> (2-bar windows) and <c>nottingham-16</c> (16-bar windows), hop 1 bar, no
/// transposition; <c>nottingham-aug</c> and <c>nottingham-16-aug</c> add ±5 semitones to the training windows;</item>
/// <item><c>nottingham-16-hop4</c>: every 4th window of <c>nottingham-16</c> (a 16-bar window every 4 bars), the music benchmark's set;</item>
/// <item><c>midi:DIR</c> (2-bar) and <c>midi16:DIR</c> (16-bar) for a folder of one's own MIDI files (the folder itself, not sub-folders);</item>
/// <item>score inpainting on the 24-step grid (<see cref="InpaintTokens"/>): <c>nottingham-inpaint</c> (16-bar windows,
/// 6 past + 4 gap + 6 future, [384], hop 1 bar), <c>nottingham-bars24</c> (every bar [24] of the training tunes, for the
/// bar VAEs; test bars from the test tunes), and for one's own files <c>midi-inpaint:DIR</c> and <c>midi-bars24:DIR</c>.</item>
/// <item>PianoTree trees [32, 16, 6] (<see cref="PolyData"/>, registered from here): <c>nottingham-poly</c>, <c>jsb-poly</c>, <c>midi-poly:DIR</c>.</item>
/// </list>
/// The Nottingham tunes (the melody files, MIDI/melody/*.mid) are found in the cache, else in
/// ../shared/datasets/nottingham beside the repository, else downloaded from the pinned commit.
/// </summary>
public static class MusicData
{
    /// <summary>The pinned commit of github.com/jukedeck/nottingham-dataset.</summary>
    public const string NottinghamCommit = "0992bb6cd864f6d4b90d6663e08c0ef53ffaa08f";

    /// <summary>The archive of that commit.</summary>
    public const string NottinghamUrl = "https://codeload.github.com/jukedeck/nottingham-dataset/tar.gz/" + NottinghamCommit;

    /// <summary>Transposition range of the <c>-aug</c> names, in semitones either way.</summary>
    public const int AugmentSemitones = 5;

    private static int registered;
    // Declared before the tables that use it (static initializers run in text order).
    /// <summary>The options of <c>nottingham-inpaint</c> and <c>midi-inpaint:DIR</c>: 16-bar windows on the 24-step grid, hop 1 bar.</summary>
    public static MelodyDataOptions Inpaint { get; } = new() { Bars = InpaintGrid.WindowBars, Representation = MelodyRepresentation.Inpaint24 };

    /// <summary>The options of <c>nottingham-bars24</c> and <c>midi-bars24:DIR</c>: single bars on the 24-step grid (bars without an onset kept), for the bar VAEs.</summary>
    public static MelodyDataOptions Bars24 { get; } = new() { Bars = 1, Representation = MelodyRepresentation.Inpaint24, KeepWindowsWithoutOnset = true };

    /// <summary>The named datasets and their window length in bars and transposition.</summary>
    public static IReadOnlyDictionary<string, MelodyDataOptions> NottinghamNames { get; } = new Dictionary<string, MelodyDataOptions>(StringComparer.OrdinalIgnoreCase)
    {
        ["nottingham"] = new() { Bars = 2 },
        ["nottingham-16"] = new() { Bars = 16 },
        ["nottingham-aug"] = new() { Bars = 2, Transpose = AugmentSemitones },
        ["nottingham-16-aug"] = new() { Bars = 16, Transpose = AugmentSemitones },
        // Every 4th window of nottingham-16: consecutive 16-bar windows share 15 bars, so a quarter of them still covers
        // every bar four times; the music benchmark trains on it to fit a 2-core CPU.
        ["nottingham-16-hop4"] = new() { Bars = 16, HopBars = 4 },
        // Score inpainting (issue 13): same tunes, same split, 24-step bars.
        ["nottingham-inpaint"] = Inpaint,
        ["nottingham-bars24"] = Bars24,
    };


    /// <summary>Registers the music datasets in the <see cref="DatasetCatalog"/> (once per process).</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 1) return;
        PolyData.Register(); // nottingham-poly, jsb-poly, midi-poly:DIR (PianoTree trees)
        foreach (var (name, o) in NottinghamNames)
            DatasetCatalog.Register(name,
                $"Nottingham folk tunes (1,034 melodies): " + (o.Representation == MelodyRepresentation.Inpaint24
                    ? (o.Bars == 1 ? "single bars of inpainting tokens (24 steps, 16ths and triplets), for the bar VAEs" : $"{o.Bars}-bar inpainting windows (24 steps per bar) every {o.HopBars} bar(s)")
                    : $"{o.Bars}-bar windows of melody tokens every {o.HopBars} bar(s)") + ", split by tune" + (o.Transpose > 0 ? $", train transposed ±{o.Transpose}" : ""),
                data => Load(name, data).Loaded);
        DatasetCatalog.RegisterPattern("midi", "DIR", "MIDI files in DIR as 2-bar windows of melody tokens (highest note wins; 4/4 and 2/4 only), split by tune",
            (dir, data) => Load("midi:" + dir, data).Loaded);
        DatasetCatalog.RegisterPattern("midi16", "DIR", "MIDI files in DIR as 16-bar windows of melody tokens, split by tune",
            (dir, data) => Load("midi16:" + dir, data).Loaded);
        DatasetCatalog.RegisterPattern("midi-inpaint", "DIR", "MIDI files in DIR as 16-bar inpainting windows (24 steps per bar, 16ths and triplets; 4/4 and 2/4 only), split by tune",
            (dir, data) => Load("midi-inpaint:" + dir, data).Loaded);
        DatasetCatalog.RegisterPattern("midi-bars24", "DIR", "MIDI files in DIR as single bars of inpainting tokens (24 steps per bar), for the bar VAEs, split by tune",
            (dir, data) => Load("midi-bars24:" + dir, data).Loaded);
    }

    /// <summary>Whether <paramref name="name"/> is one of the music datasets (a Nottingham name or a <c>midi:</c>/<c>midi16:</c>/<c>midi-inpaint:</c>/<c>midi-bars24:</c> pattern).</summary>
    public static bool IsMusicDataset(string name) => TryOptions(name, out _, out _);

    /// <summary>Whether <paramref name="name"/> is a score-inpainting dataset (24-step <see cref="InpaintTokens"/>, not MusicVAE's melody
    /// tokens): 16-bar windows (<c>nottingham-inpaint</c>, <c>midi-inpaint:DIR</c>) or single bars (<c>nottingham-bars24</c>, <c>midi-bars24:DIR</c>).</summary>
    public static bool IsInpaintDataset(string name) => TryOptions(name, out var o, out _) && o.Representation == MelodyRepresentation.Inpaint24;

    /// <summary>
    /// The options of music dataset <paramref name="name"/> and, for a <c>PATTERN:DIR</c> name, its folder (<c>~/</c> expanded; null for
    /// the Nottingham names). False when the name is not a music dataset.
    /// </summary>
    public static bool TryOptions(string name, out MelodyDataOptions options, out string? dir)
    {
        name = name?.Trim() ?? "";
        dir = null;
        if (NottinghamNames.TryGetValue(name, out var o)) { options = o; return true; }
        foreach (var (prefix, po) in Prefixes)
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                dir = name[prefix.Length..];
                if (dir.StartsWith("~/", StringComparison.Ordinal))
                    dir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), dir[2..]);
                options = po;
                return true;
            }
        options = new MelodyDataOptions();
        return false;
    }

    private static readonly (string Prefix, MelodyDataOptions Options)[] Prefixes =
    [
        ("midi16:", new MelodyDataOptions { Bars = 16 }),
        ("midi-inpaint:", Inpaint),
        ("midi-bars24:", Bars24),
        ("midi:", new MelodyDataOptions { Bars = 2 }),
    ];

    /// <summary>Loads a music dataset by name, with the summary that <c>music data info</c> prints.</summary>
    /// <exception cref="ArgumentException">Not a music dataset name.</exception>
    /// <exception cref="DatasetException">The data cannot be found or read.</exception>
    public static (LoadedDataset Loaded, MelodyDataSummary Summary) Load(string name, DatasetOptions? data = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        name = name.Trim();
        var d = data ?? DatasetOptions.Default;
        if (NottinghamNames.TryGetValue(name, out var o))
        {
            var (folder, source) = LocateNottingham(d);
            return MelodyDataset.Load(name, folder, source, o, d);
        }
        if (TryOptions(name, out var options, out var dir))
        {
            if (string.IsNullOrEmpty(dir))
            {
                var prefix = name[..(name.IndexOf(':') + 1)];
                throw new ArgumentException($"dataset '{name}' needs a folder after '{prefix}' (for example {prefix}~/tunes)");
            }
            return MelodyDataset.Load(name, dir, $"MIDI files in {Path.GetFullPath(dir)}", options, d);
        }
        throw new ArgumentException($"'{name}' is not a music dataset; known: {string.Join(", ", NottinghamNames.Keys)}, midi:DIR, midi16:DIR, midi-inpaint:DIR, midi-bars24:DIR");
    }

    /// <summary>
    /// The folder of the Nottingham melody files and where it came from: the cache
    /// (<c>CACHE/nottingham/COMMIT/MIDI/melody</c>), else <c>../shared/datasets/nottingham/MIDI/melody</c>
    /// beside the repository (found by walking up from the program and the working folder to
    /// LatentSynth.slnx), else a download of <see cref="NottinghamUrl"/> into the cache.
    /// </summary>
    /// <exception cref="DatasetException">None of the three works; the message says how to get the files.</exception>
    public static (string Folder, string Source) LocateNottingham(DatasetOptions? data = null) =>
        LocateNottingham(data, SharedNottingham(), NottinghamUrl);

    /// <summary>
    /// As <see cref="LocateNottingham(DatasetOptions?)"/>, with the shared copy
    /// (<paramref name="shared"/>, null: none) and the download address given (tests use an unreachable one).
    /// </summary>
    /// <exception cref="DatasetException">None of the three works; the message says how to get the files.</exception>
    public static (string Folder, string Source) LocateNottingham(DatasetOptions? data, string? shared, string url)
    {
        ArgumentException.ThrowIfNullOrEmpty(url);
        var d = data ?? DatasetOptions.Default;
        var cacheRoot = Path.Combine(DataCache.Resolve(d.CacheDir), "nottingham", NottinghamCommit);
        var cached = Path.Combine(cacheRoot, "MIDI", "melody");
        if (HasMidi(cached)) return (cached, $"cache {cacheRoot} (github.com/jukedeck/nottingham-dataset @ {NottinghamCommit[..7]})");
        if (shared is not null && HasMidi(Path.Combine(shared, "MIDI", "melody")))
            return (Path.Combine(shared, "MIDI", "melody"), $"{shared} (shared copy of github.com/jukedeck/nottingham-dataset @ {NottinghamCommit[..7]})");
        d.Status?.Invoke($"downloading {url}");
        try
        {
            Download(cacheRoot, url);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException or TaskCanceledException or UnauthorizedAccessException)
        {
            throw new DatasetException(
                $"nottingham: not in the cache ({cacheRoot}), no ../shared/datasets/nottingham beside the repository, and the download of {url} failed ({e.Message.ReplaceLineEndings(" ")}); " +
                $"download that archive yourself and unpack its MIDI folder into {cacheRoot}", e);
        }
        if (!HasMidi(cached)) throw new DatasetException($"nottingham: the archive from {url} holds no MIDI/melody/*.mid; unpack the repository's MIDI folder into {cacheRoot}");
        return (cached, $"cache {cacheRoot}, downloaded from {url}");
    }

    /// <summary>The shared Nottingham copy (<c>REPO/../shared/datasets/nottingham</c>) when it exists with its melody files, else null.</summary>
    public static string? SharedNottingham()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "LatentSynth.slnx")))
                {
                    var candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "datasets", "nottingham"));
                    if (HasMidi(Path.Combine(candidate, "MIDI", "melody"))) return candidate;
                    break;
                }
        return null;
    }

    private static bool HasMidi(string folder) =>
        Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*.mid").Any();

    /// <summary>
    /// Downloads the pinned archive and unpacks the repository into <paramref name="cacheRoot"/>. No
    /// SHA-256 could be computed where this was written (no network), so none is guessed: the first
    /// successful download records the archive's SHA-256 in <c>CACHE/nottingham/COMMIT.tar.gz.sha256</c>,
    /// and every later download must match it (a changed archive is refused).
    /// </summary>
    private static void Download(string cacheRoot, string url)
    {
        var parent = Path.GetDirectoryName(cacheRoot)!;
        Directory.CreateDirectory(parent);
        byte[] archive;
        using (var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) })
            archive = http.GetByteArrayAsync(url).GetAwaiter().GetResult();
        var sha = Convert.ToHexStringLower(SHA256.HashData(archive));
        var shaFile = Path.Combine(parent, NottinghamCommit + ".tar.gz.sha256");
        if (File.Exists(shaFile))
        {
            var expected = File.ReadAllText(shaFile).Trim();
            if (!string.Equals(expected, sha, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"the archive's SHA-256 is {sha}, but {expected} was recorded at the first download ({shaFile})");
        }
        // Unpacked with the same safe extractor as the npm packages (regular files only, no entry may
        // leave the folder), then its one top folder ("nottingham-dataset-COMMIT") becomes the cache.
        var tgz = Path.Combine(parent, NottinghamCommit + ".tar.gz");
        File.WriteAllBytes(tgz, archive);
        var temp = cacheRoot + ".partial";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        try { NpmClient.ExtractTgz(tgz, temp); }
        finally { File.Delete(tgz); }
        var top = Directory.GetDirectories(temp) is [var only] ? only
            : throw new InvalidDataException($"the archive from {url} does not hold one top folder (the repository at {NottinghamCommit[..7]})");
        if (Directory.Exists(cacheRoot)) Directory.Delete(cacheRoot, recursive: true);
        Directory.Move(top, cacheRoot);
        Directory.Delete(temp, recursive: true);
        if (!File.Exists(shaFile)) File.WriteAllText(shaFile, sha + "\n");
    }
}
