namespace LatentSynth.Data;

/// <summary>
/// Where datasets come from, by name (<c>mnist</c>, <c>fashion-mnist</c>, <c>idx:DIR</c>, …): the
/// one seam between the data and everything that uses it (the trainer, <c>eval</c>, the
/// generation verbs). The command line uses <see cref="CatalogDatasetSource"/> (the
/// <see cref="DatasetCatalog"/>); tests hand in their own data.
/// </summary>
public interface IDatasetSource
{
    /// <summary>
    /// The train and test splits of dataset <paramref name="name"/>; problems that do not stop
    /// loading (skipped records, …) go to <paramref name="warn"/>. The caller owns the splits.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    /// <exception cref="IOException">The data can't be read.</exception>
    DatasetSplits Load(string name, Action<string>? warn);
}

/// <summary>The dataset source used by the command line: <see cref="DatasetCatalog"/> with the default cache.</summary>
public sealed class CatalogDatasetSource : IDatasetSource
{
    /// <summary>Cache folder (null: the default resolution of <see cref="DatasetOptions.CacheDir"/>).</summary>
    public string? CacheDir { get; init; }

    /// <inheritdoc />
    public DatasetSplits Load(string name, Action<string>? warn) =>
        DatasetCatalog.Load(name, new DatasetOptions { CacheDir = CacheDir, Warn = warn });
}

/// <summary>An <see cref="IDatasetSource"/> made from a function (wiring another catalog, tests).</summary>
/// <param name="load">Called for each <see cref="Load"/>.</param>
public sealed class DelegateDatasetSource(Func<string, Action<string>?, DatasetSplits> load) : IDatasetSource
{
    private readonly Func<string, Action<string>?, DatasetSplits> load = load ?? throw new ArgumentNullException(nameof(load));

    /// <inheritdoc />
    public DatasetSplits Load(string name, Action<string>? warn) => load(name, warn);
}
