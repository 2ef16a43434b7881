using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using LatentSynth.Audio.IO;
using LatentSynth.Audio.Notes;
using LatentSynth.Audio.Spectral;
using LatentSynth.Data;
using LatentSynth.Torch;
using LatentSynth.Torch.IO;

namespace LatentSynth.Audio.Synthesis;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// How a note set becomes training frames: which notes, the spectral pipeline, the split. Saved as
/// <c>audio-data.json</c> in an audio-data folder (inside a run: <c>RUN/audio</c>), with the fitted
/// pipeline beside it.
/// </summary>
public sealed record AudioDataSettings
{
    /// <summary>The note-set folder (holding notes.csv): rendered by <c>audio render-notes</c> or made by <c>audio import</c>.</summary>
    public required string Notes { get; init; }
    /// <summary>STFT settings (default 1024-point frames, hop 256 at 22,050 Hz: 46 ms windows every 11.6 ms).</summary>
    public StftConfig Stft { get; init; } = new();
    /// <summary>The frame transform. Default: 128 Mel bands, inverted by non-negative least squares.</summary>
    public TransformSettings Transform { get; init; } = new();
    /// <summary>Magnitude compression. Default: log(x + 1e-5).</summary>
    public Compression Compression { get; init; } = new();
    /// <summary>Dataset normalization. Default min-max over all bins to [0, 1], so the Bernoulli (bce)
    /// and Gaussian (mse) reconstruction objectives both apply.</summary>
    public NormalizerMode Normalizer { get; init; } = NormalizerMode.MinMax;
    /// <summary>Share of each instrument's notes held out for testing (whole notes, so no test frame's
    /// neighbours were seen in training).</summary>
    public double TestFraction { get; init; } = 0.2;
    /// <summary>Seed of the split.</summary>
    public long Seed { get; init; }
    /// <summary>Only these instruments (null: all).</summary>
    public IReadOnlyList<string>? Instruments { get; init; }
    /// <summary>Only these dynamics (null: all).</summary>
    public IReadOnlyList<string>? Dynamics { get; init; }
    /// <summary>At most this many notes per instrument, evenly spread over its range (null: all).</summary>
    public int? MaxNotesPerInstrument { get; init; }

    /// <summary>Every problem with the settings, each naming the setting.</summary>
    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(Notes)) yield return "notes: give the note-set folder (holding notes.csv)";
        if (!(TestFraction > 0 && TestFraction < 1)) yield return $"test_fraction must be in (0, 1); got {TestFraction.ToString(CultureInfo.InvariantCulture)}";
        if (MaxNotesPerInstrument is < 2) yield return $"max_notes_per_instrument must be ≥ 2; got {MaxNotesPerInstrument}";
    }
}

/// <summary>The frames of a note set, split by note: what a frame model trains and is tested on.</summary>
/// <param name="Splits">Frames [N, Bins] in the normalizer's range (min-max: clamped to [0, 1]), labelled by instrument index.</param>
/// <param name="TrainNotes">The training notes, in order; <see cref="TrainFrameNote"/> indexes into it.</param>
/// <param name="TestNotes">The test notes, in order; <see cref="TestFrameNote"/> indexes into it.</param>
/// <param name="TrainFrameNote">For each training frame, its note's index in <paramref name="TrainNotes"/>.</param>
/// <param name="TestFrameNote">For each test frame, its note's index in <paramref name="TestNotes"/>.</param>
public sealed record AudioFrames(DatasetSplits Splits, IReadOnlyList<NoteInfo> TrainNotes, IReadOnlyList<NoteInfo> TestNotes,
    int[] TrainFrameNote, int[] TestFrameNote) : IDisposable
{
    /// <summary>Disposes the splits.</summary>
    public void Dispose() => Splits.Dispose();
}

/// <summary>
/// An audio-data folder: <c>audio-data.json</c> (settings, the note split, the instrument names), the
/// fitted <see cref="SpectralPipeline"/> (pipeline.json, normalizer.safetensors) and a frame cache
/// (frames.safetensors, rebuilt whenever it does not match the settings). Registered as the dataset
/// pattern <c>frames:DIR</c>, so every verb that takes a dataset name (train, eval, …) reads it.
/// </summary>
public static class AudioData
{
    /// <summary>The settings file of an audio-data folder.</summary>
    public const string SettingsFile = "audio-data.json";
    /// <summary>The frame cache of an audio-data folder.</summary>
    public const string FramesFile = "frames.safetensors";
    /// <summary>The dataset pattern prefix.</summary>
    public const string Pattern = "frames";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private sealed record Document(int Version, AudioDataSettings Settings, string NotesFolder, List<string> Instruments,
        List<string> TrainIds, List<string> TestIds);

    private static int registered;

    /// <summary>Registers the <c>frames:DIR</c> dataset pattern (once per process).</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref registered, 1) == 1) return;
        DatasetCatalog.RegisterPattern(Pattern, "DIR", "spectral frames of a note set prepared by `latentsynth audio train` (DIR: RUN/audio)",
            (dir, options) =>
            {
                var frames = Load(dir, options.Warn);
                var report = new DatasetReport { Name = $"{Pattern}:{dir}", Source = $"note set {ReadDocument(dir).NotesFolder}" };
                return new LoadedDataset(frames.Splits, report);
            });
    }

    /// <summary>
    /// Prepares an audio-data folder: loads the note set, picks and splits the notes (per instrument,
    /// seeded), fits the pipeline's normalizer on the training notes, and writes the settings, the
    /// pipeline and the frame cache into <paramref name="folder"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is invalid, or no notes are left after filtering.</exception>
    /// <exception cref="FileNotFoundException">The note set has no notes.csv.</exception>
    public static AudioFrames Prepare(AudioDataSettings settings, string folder, Action<string>? log = null, IProgress<(int Done, int Total)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var problems = settings.Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems));
        var set = NoteSet.Load(settings.Notes);
        var notes = Usable(set, Select(set, settings), settings.Stft, log);
        if (notes.Count < 2)
            throw new ArgumentException($"only {notes.Count} note(s) of '{settings.Notes}' match the filters (instruments, dynamics): at least 2 are needed");
        var instruments = notes.Select(n => n.Instrument).Distinct(StringComparer.Ordinal).ToList();
        var (train, test) = Split(notes, settings.TestFraction, settings.Seed);
        using var pipeline = new SpectralPipeline(settings.Stft, settings.Transform, settings.Compression);
        log?.Invoke($"audio data: {notes.Count} notes of {instruments.Count} instrument(s), {train.Count} train / {test.Count} test; " +
                    $"{settings.Transform.Kind} frames of {pipeline.Bins} values");
        pipeline.FitNormalizer(Signals(set, train), settings.Normalizer);
        Directory.CreateDirectory(folder);
        pipeline.Save(folder);
        var doc = new Document(1, settings, Path.GetFullPath(settings.Notes), instruments, train.Select(n => n.Id).ToList(), test.Select(n => n.Id).ToList());
        AtomicFile.WriteAllText(Path.Combine(folder, SettingsFile), JsonSerializer.Serialize(doc, Json));
        return Load(folder, log, progress);
    }

    /// <summary>Whether <paramref name="folder"/> is an audio-data folder.</summary>
    public static bool Exists(string folder) => File.Exists(Path.Combine(folder, SettingsFile));

    /// <summary>The settings an audio-data folder was prepared with.</summary>
    /// <exception cref="FileNotFoundException">No audio-data.json in the folder.</exception>
    public static AudioDataSettings Settings(string folder) => ReadDocument(folder).Settings;

    /// <summary>The instrument names of an audio-data folder, by label index.</summary>
    public static IReadOnlyList<string> Instruments(string folder) => ReadDocument(folder).Instruments;

    /// <summary>The fitted pipeline of an audio-data folder (the caller disposes it).</summary>
    public static SpectralPipeline Pipeline(string folder) => SpectralPipeline.Load(folder);

    /// <summary>The note set an audio-data folder was prepared from, and its train and test notes.</summary>
    /// <exception cref="FileNotFoundException">The note set has moved or was deleted (the message says where it was).</exception>
    public static (NoteSet Set, IReadOnlyList<NoteInfo> Train, IReadOnlyList<NoteInfo> Test) Notes(string folder)
    {
        var doc = ReadDocument(folder);
        if (!File.Exists(Path.Combine(doc.NotesFolder, NoteSet.CsvName)))
            throw new FileNotFoundException($"the note set this model was trained on is gone: '{doc.NotesFolder}' has no {NoteSet.CsvName} (render it again with `latentsynth audio render-notes --out {doc.NotesFolder}`)");
        var set = NoteSet.Load(doc.NotesFolder);
        var byId = set.Notes.ToDictionary(n => n.Id, StringComparer.Ordinal);
        IReadOnlyList<NoteInfo> Pick(List<string> ids) => ids.Where(byId.ContainsKey).Select(id => byId[id]).ToList();
        return (set, Pick(doc.TrainIds), Pick(doc.TestIds));
    }

    /// <summary>The frames of an audio-data folder, from its cache when that matches the settings, else
    /// computed from the notes (and cached).</summary>
    /// <exception cref="FileNotFoundException">The folder or its note set is missing.</exception>
    public static AudioFrames Load(string folder, Action<string>? log = null, IProgress<(int Done, int Total)>? progress = null)
    {
        var doc = ReadDocument(folder);
        var (set, train, test) = Notes(folder);
        var cachePath = Path.Combine(folder, FramesFile);
        string key = CacheKey(folder);
        using var scope = Torch.NewScope();
        Dictionary<string, Tensor>? cached = null;
        if (File.Exists(cachePath))
        {
            try
            {
                var file = SafeTensors.Read(cachePath);
                if (file.Metadata.TryGetValue("key", out var k) && k == key) cached = file.Tensors;
                else file.Dispose();
            }
            catch (Exception e) when (e is IOException or InvalidDataException or TorchException)
            {
                log?.Invoke($"audio data: frame cache {cachePath} unreadable ({e.Message}); rebuilding it");
            }
        }
        if (cached is null)
        {
            using var pipeline = SpectralPipeline.Load(folder);
            int total = train.Count + test.Count, done = 0;
            (Tensor X, Tensor Y, Tensor Note) Frames(IReadOnlyList<NoteInfo> notes)
            {
                var xs = new List<Tensor>();
                var ys = new List<long>();
                var owner = new List<int>();
                for (int i = 0; i < notes.Count; i++)
                {
                    using var signal = set.Read(notes[i]).ToTensor();
                    var f = pipeline.Analyze(signal);
                    xs.Add(f);
                    int label = doc.Instruments.IndexOf(notes[i].Instrument);
                    for (long r = 0; r < f.Size(0); r++) { ys.Add(label); owner.Add(i); }
                    progress?.Report((++done, total));
                }
                var x = xs.Count > 0 ? Torch.Cat(xs, 0) : Torch.Zeros(0, pipeline.Bins);
                return (x, Tensor.From(ys.ToArray(), ys.Count), Tensor.From(owner.ToArray(), owner.Count));
            }
            var (trX, trY, trN) = Frames(train);
            var (teX, teY, teN) = Frames(test);
            cached = new Dictionary<string, Tensor> { ["train_x"] = trX, ["train_y"] = trY, ["train_note"] = trN, ["test_x"] = teX, ["test_y"] = teY, ["test_note"] = teN };
            SafeTensors.Save(cachePath, cached, new Dictionary<string, string> { ["key"] = key });
            log?.Invoke($"audio data: {trX.Size(0)} train and {teX.Size(0)} test frames cached in {cachePath}");
        }
        var names = doc.Instruments;
        // The min-max normalizer is fitted on the training notes only, so a louder test note can reach
        // past 1 (measured: 1.011 on a 6-note set): clamp to [0, 1], the range the Bernoulli (bce)
        // objective needs as its target.
        Tensor Range(Tensor x) => doc.Settings.Normalizer == NormalizerMode.MinMax ? x.Clamp(0.0, 1.0) : x;
        var trainSet = new TensorDataset("frames/train", Range(cached["train_x"]).Contiguous().MoveToOuterScope(), cached["train_y"].MoveToOuterScope(), names);
        var testSet = new TensorDataset("frames/test", Range(cached["test_x"]).Contiguous().MoveToOuterScope(), cached["test_y"].MoveToOuterScope(), names);
        return new AudioFrames(new DatasetSplits(trainSet, testSet), train, test,
            cached["train_note"].ToArray<int>(), cached["test_note"].ToArray<int>());
    }

    /// <summary>
    /// The notes whose audio a model can use: readable, finite and long enough for one STFT frame
    /// (<see cref="AudioClip.Problem"/>). The others are named in one log line and left out of the
    /// split, so one bad file in a set never stops the preparation, and no note in the split can fail
    /// later. It costs one more read of each file (the preparation reads them again for the frames).
    /// </summary>
    private static List<NoteInfo> Usable(NoteSet set, List<NoteInfo> notes, StftConfig stft, Action<string>? log)
    {
        var kept = new List<NoteInfo>(notes.Count);
        var bad = new List<string>();
        foreach (var n in notes)
        {
            string? problem;
            try { problem = set.Read(n).Problem(stft); }
            catch (AudioFileException e) { problem = "unreadable: " + e.Message; }
            if (problem is null) kept.Add(n);
            else bad.Add($"{n.Id} ({problem})");
        }
        if (bad.Count > 0)
            log?.Invoke($"audio data: skipped {bad.Count} unusable note(s) of '{set.Directory}': {string.Join("; ", bad.Take(10))}{(bad.Count > 10 ? $"; and {bad.Count - 10} more" : "")}");
        return kept;
    }

    /// <summary>Notes of the set that pass the settings' filters, thinned evenly per instrument.</summary>
    private static List<NoteInfo> Select(NoteSet set, AudioDataSettings s)
    {
        var notes = set.Notes.Where(n => (s.Instruments is null || s.Instruments.Contains(n.Instrument, StringComparer.OrdinalIgnoreCase))
                                      && (s.Dynamics is null || s.Dynamics.Contains(n.Dynamics, StringComparer.OrdinalIgnoreCase))).ToList();
        if (s.Instruments is { } wanted)
            foreach (var w in wanted)
                if (!set.Notes.Any(n => string.Equals(n.Instrument, w, StringComparison.OrdinalIgnoreCase)))
                    throw new ArgumentException($"instrument '{w}' is not in the note set '{s.Notes}' (it has: {string.Join(", ", set.Instruments)})");
        if (s.MaxNotesPerInstrument is not int max) return notes;
        var result = new List<NoteInfo>();
        foreach (var g in notes.GroupBy(n => n.Instrument))
        {
            var list = g.OrderBy(n => n.Pitch).ThenBy(n => n.Dynamics, StringComparer.Ordinal).ToList();
            if (list.Count <= max) { result.AddRange(list); continue; }
            // Evenly spaced over the instrument's notes (its range, low to high).
            for (int k = 0; k < max; k++) result.Add(list[(int)Math.Round(k * (list.Count - 1) / (double)(max - 1))]);
        }
        return result.Distinct().ToList();
    }

    /// <summary>Seeded split per instrument: each instrument keeps at least one training note and, when it
    /// has two or more, gives at least one to the test set.</summary>
    private static (List<NoteInfo> Train, List<NoteInfo> Test) Split(List<NoteInfo> notes, double testFraction, long seed)
    {
        var train = new List<NoteInfo>();
        var test = new List<NoteInfo>();
        var rng = new Random(unchecked((int)seed ^ 0x5EED));
        foreach (var g in notes.GroupBy(n => n.Instrument).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var list = g.OrderBy(n => n.Id, StringComparer.Ordinal).ToList();
            for (int i = list.Count - 1; i > 0; i--) { int j = rng.Next(i + 1); (list[i], list[j]) = (list[j], list[i]); }
            int nTest = list.Count < 2 ? 0 : Math.Clamp((int)Math.Round(list.Count * testFraction), 1, list.Count - 1);
            test.AddRange(list.Take(nTest));
            train.AddRange(list.Skip(nTest));
        }
        return (train, test);
    }

    private static IEnumerable<Tensor> Signals(NoteSet set, IEnumerable<NoteInfo> notes)
    {
        foreach (var n in notes)
        {
            using var t = set.Read(n).ToTensor();
            yield return t;
        }
    }

    private static Document ReadDocument(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var path = Path.Combine(folder, SettingsFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{folder}' is not an audio-data folder ({SettingsFile} is missing; `latentsynth audio train` makes one in RUN/audio)", path);
        try
        {
            return JsonSerializer.Deserialize<Document>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: empty");
        }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a valid {SettingsFile}: {e.Message}", e); }
    }

    /// <summary>A hash of the settings file and the pipeline files: the frame cache is valid only for them.</summary>
    private static string CacheKey(string folder)
    {
        using var sha = SHA256.Create();
        foreach (var f in new[] { SettingsFile, SpectralPipeline.SettingsFile, SpectralPipeline.NormalizerFile })
        {
            var p = Path.Combine(folder, f);
            var bytes = File.Exists(p) ? File.ReadAllBytes(p) : [];
            sha.TransformBlock(bytes, 0, bytes.Length, null, 0);
            var sep = Encoding.UTF8.GetBytes("\n" + f + "\n");
            sha.TransformBlock(sep, 0, sep.Length, null, 0);
        }
        sha.TransformFinalBlock([], 0, 0);
        return Convert.ToHexString(sha.Hash!);
    }
}
