using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LatentSynth.Audio.Notes;
using LatentSynth.Audio.Paths;
using LatentSynth.Torch;
using LatentSynth.Torch.IO;

namespace LatentSynth.Audio.Synthesis;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// The map of a run's notes that latent paths are drawn over and centred on: up to <see cref="MaxNotes"/> training
/// notes spread evenly through the set, one code each (<see cref="AudioModel.NoteCode"/>), their mean, and the PCA
/// plane they span. Owned and cached by <see cref="AudioModel.NoteMap"/>: built once per model, and kept on disk in
/// the run's audio-data folder (<see cref="CacheFile"/>) so that the next <c>audio path</c> does not encode the
/// notes again. The cache is keyed by the weights file, the note set's index and the note list; any change rebuilds it.
/// The command line, the report and the browser synthesizer all read this one map.
/// </summary>
public sealed class NoteMap : IDisposable
{
    /// <summary>Notes on the map by default: enough to show every instrument's region, few enough to encode in seconds.</summary>
    public const int DefaultMaxNotes = 300;

    /// <summary>The cache file in the audio-data folder for a map of at most <paramref name="maxNotes"/> notes (codes, with
    /// the key in the metadata): one per size, so that the command line's map and the server's larger one do not
    /// evict each other.</summary>
    public static string CacheFile(int maxNotes) => string.Create(CultureInfo.InvariantCulture, $"note-map-{maxNotes}.safetensors");

    private NoteMap(IReadOnlyList<NoteInfo> notes, Tensor codes, IReadOnlyList<string> instruments, int maxNotes, bool fromCache)
    {
        Notes = notes;
        Codes = codes;
        MaxNotes = maxNotes;
        FromCache = fromCache;
        InstrumentNames = instruments;
        var index = instruments.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        Labels = notes.Select(n => index.GetValueOrDefault(n.Instrument, 0)).ToList();
        using var scope = Torch.NewScope();
        Mean = codes.Mean(0).ToArray<float>();
        int d = (int)codes.Size(1);
        Projection = d >= 2 && notes.Count >= 2 ? LatentProjection.FromPca(codes) : LatentProjection.FromDims(Math.Max(2, d), 0, 1);
    }

    /// <summary>The notes on the map, in map order.</summary>
    public IReadOnlyList<NoteInfo> Notes { get; }

    /// <summary>Their codes [N, d], float32 (owned by the map).</summary>
    public Tensor Codes { get; }

    /// <summary>The most notes the map was asked to hold.</summary>
    public int MaxNotes { get; }

    /// <summary>Whether the codes came from the cache file rather than from encoding the notes.</summary>
    public bool FromCache { get; }

    /// <summary>Each note's instrument as an index into <see cref="InstrumentNames"/>.</summary>
    public IReadOnlyList<int> Labels { get; }

    /// <summary>The run's instrument names, by label index.</summary>
    public IReadOnlyList<string> InstrumentNames { get; }

    /// <summary>The mean code of the notes: the default centre of paths.</summary>
    public float[] Mean { get; }

    /// <summary>The map's plane: the first two principal components of the codes (two latent dimensions when d &lt; 2).</summary>
    public LatentProjection Projection { get; }

    /// <summary>The plane's two directions as float vectors, for <see cref="PathRecipe.Build"/>.</summary>
    public (float[] U, float[] V) Plane => (Projection.AxisX.Select(x => (float)x).ToArray(), Projection.AxisY.Select(x => (float)x).ToArray());

    /// <summary>The map as the background of a path plot (points coloured by instrument).</summary>
    public PathPlotBackground Background => new(Codes, Labels, InstrumentNames);

    /// <summary>The latent point of plane coordinates (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public float[] Unproject(double x, double y)
    {
        using var t = Projection.Unproject(x, y);
        return t.ToArray<float>();
    }

    /// <summary>At most <paramref name="maxNotes"/> of <paramref name="train"/>, evenly spread, in order.</summary>
    public static IReadOnlyList<NoteInfo> Pick(IReadOnlyList<NoteInfo> train, int maxNotes)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (maxNotes < 2) throw new ArgumentOutOfRangeException(nameof(maxNotes), maxNotes, "a note map needs at least 2 notes");
        return train.Count <= maxNotes ? train : Enumerable.Range(0, maxNotes).Select(i => train[(int)((long)i * train.Count / maxNotes)]).ToList();
    }

    /// <summary>Reads the map from the cache when its key matches, else encodes the notes and writes the cache.</summary>
    internal static NoteMap Build(AudioModel model, int maxNotes, string weightsPath)
    {
        var (set, train, _) = model.Notes();
        var picked = Pick(train, maxNotes);
        var cache = Path.Combine(model.DataFolder, CacheFile(maxNotes));
        var key = Key(weightsPath, set, picked, model.LatentDim);
        var codes = TryRead(cache, key, picked.Count, model.LatentDim);
        bool fromCache = codes is not null;
        if (codes is null)
        {
            using (var scope = Torch.NewScope())
                codes = model.NoteCodes(set, picked).DetachFromScope();
            try { SafeTensors.Save(cache, [new("codes", codes)], new Dictionary<string, string> { ["key"] = key }); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A read-only run folder still gets its map; only the next call pays for encoding again.
            }
        }
        try { return new NoteMap(picked, codes, model.Instruments, maxNotes, fromCache); }
        catch { codes.Dispose(); throw; }
    }

    private static Tensor? TryRead(string cache, string key, int n, int d)
    {
        if (!File.Exists(cache)) return null;
        try
        {
            using var scope = Torch.NewScope();
            using var file = SafeTensors.Read(cache);
            if (!file.Metadata.TryGetValue("key", out var stored) || stored != key) return null;
            if (!file.Tensors.TryGetValue("codes", out var codes) || !codes.Shape.SequenceEqual(new long[] { n, d }) || codes.DType != DType.Float32)
                return null;
            return codes.Contiguous().Clone().DetachFromScope();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or TorchException or ArgumentException)
        {
            return null;                                            // unreadable cache: rebuild it
        }
    }

    // What the codes depend on: the weights (path, size, time), the note set's index (size, time) and the notes picked.
    private static string Key(string weightsPath, NoteSet set, IReadOnlyList<NoteInfo> picked, int latentDim)
    {
        var w = new FileInfo(weightsPath);
        var csv = new FileInfo(Path.Combine(set.Directory, NoteSet.CsvName));
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"v1|d={latentDim}|w={Path.GetFileName(Path.GetDirectoryName(w.FullName))}/{w.Name}:{w.Length}:{w.LastWriteTimeUtc.Ticks}")
            .Append(CultureInfo.InvariantCulture, $"|csv={(csv.Exists ? csv.Length : -1)}:{(csv.Exists ? csv.LastWriteTimeUtc.Ticks : 0)}|");
        foreach (var note in picked) text.Append(note.Id).Append(',');
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <inheritdoc />
    public void Dispose() => Codes.Dispose();
}
