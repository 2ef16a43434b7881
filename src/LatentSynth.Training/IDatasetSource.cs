using LatentSynth.Data;

namespace LatentSynth.Training;

/// <summary>
/// Where the trainer and the <c>eval</c> verb get their data: a dataset name (as in
/// <see cref="TrainingConfig.Data"/>, for example <c>fashion-mnist</c> or <c>idx:DIR</c>) becomes a
/// train/test pair.
/// </summary>
/// <remarks>
/// This is the adapter point between the trainer and the dataset catalog of
/// <c>LatentSynth.Data</c>: the command line sets its source once at start-up
/// (<c>TrainCommands.Datasets</c>) to an implementation whose <see cref="Load"/> forwards to the
/// catalog (<c>DatasetCatalog.Load(name, …)</c>); tests pass their own synthetic source. The
/// trainer never constructs data itself, so nothing here depends on how the catalog is written.
/// </remarks>
public interface IDatasetSource
{
    /// <summary>
    /// Loads dataset <paramref name="name"/>; the caller owns (and disposes) the returned splits.
    /// Recoverable problems (skipped malformed records) go to <paramref name="warn"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown or malformed name; the message lists what is known.</exception>
    /// <exception cref="IOException">The data cannot be read.</exception>
    DatasetSplits Load(string name, Action<string>? warn);
}

/// <summary>An <see cref="IDatasetSource"/> made from a function (wiring a catalog, tests).</summary>
/// <param name="load">Called for each <see cref="Load"/>.</param>
public sealed class DelegateDatasetSource(Func<string, Action<string>?, DatasetSplits> load) : IDatasetSource
{
    private readonly Func<string, Action<string>?, DatasetSplits> load = load ?? throw new ArgumentNullException(nameof(load));

    /// <inheritdoc />
    public DatasetSplits Load(string name, Action<string>? warn) => load(name, warn);
}
