using System.Diagnostics;
using LatentSynth.Audio.IO;
using LatentSynth.Audio.Notes;
using LatentSynth.Audio.Paths;
using LatentSynth.Audio.Spectral;
using LatentSynth.Audio.Synthesis;
using LatentSynth.Torch;

namespace LatentSynth.Web;

using Torch = LatentSynth.Torch.Torch;

/// <summary>One note on the latent map: what it is, its code and where it lies on the PCA plane.</summary>
/// <param name="Id">Note id (e.g. flute_69_mf).</param>
/// <param name="Instrument">Instrument name.</param>
/// <param name="Family">Instrument family.</param>
/// <param name="Pitch">MIDI pitch.</param>
/// <param name="NoteName">Note name (e.g. A4).</param>
/// <param name="Dynamics">Dynamics (pp, mf, ff).</param>
/// <param name="Code">The note's code [d] (<see cref="AudioModel.NoteCode"/>).</param>
/// <param name="X">Horizontal plane coordinate.</param>
/// <param name="Y">Vertical plane coordinate.</param>
public sealed record MapNote(string Id, string Instrument, string Family, int Pitch, string NoteName, string Dynamics, float[] Code, double X, double Y);

/// <summary>A decoded sound: the WAV, optionally its spectrogram, and the path it came from on the map.</summary>
/// <param name="Wav">16-bit PCM WAV bytes.</param>
/// <param name="Spectrogram">Spectrogram PNG bytes (null when not asked for).</param>
/// <param name="Plane">The path's plane coordinates, at most 400 points evenly spread.</param>
/// <param name="Latent">The same points of the path in latent space [≤ 400][d].</param>
/// <param name="Seconds">Duration of the sound.</param>
/// <param name="SpectralConvergence">Griffin-Lim spectral convergence against the decoded magnitude.</param>
/// <param name="Milliseconds">Time spent decoding and inverting (excluding the wait in the queue).</param>
public sealed record DecodedSound(byte[] Wav, byte[]? Spectrogram, (double X, double Y)[] Plane, float[][] Latent, double Seconds, double SpectralConvergence, double Milliseconds);

/// <summary>A request the server refuses: an HTTP status and a message naming the field.</summary>
public sealed class RequestException(int status, string message) : Exception(message)
{
    /// <summary>The HTTP status code (4xx, or 503 when the decoder queue is full).</summary>
    public int Status { get; } = status;
}

/// <summary>
/// The decoding side of the server: a pool of <see cref="AudioModel"/> instances (the model is not
/// thread-safe, so each concurrent decode takes its own), bounded by a semaphore with a queue timeout,
/// and the note map computed once at start.
/// </summary>
public sealed class SynthEngine : IDisposable
{
    private readonly List<AudioModel> all = [];
    private readonly WorkerQueue<AudioModel> queue;

    /// <summary>Opens <paramref name="workers"/> copies of the run's model and encodes the note map.</summary>
    /// <param name="runDir">Audio run folder.</param>
    /// <param name="workers">Concurrent decodes (1..64); each has its own model.</param>
    /// <param name="queueTimeout">How long a request waits for a free decoder before it gets 503.</param>
    /// <param name="maxNotes">At most this many training notes on the map, evenly spread.</param>
    /// <exception cref="ArgumentException">The run cannot be opened, or a value is out of range.</exception>
    public SynthEngine(string runDir, int workers, TimeSpan queueTimeout, int maxNotes = 400)
    {
        if (workers is < 1 or > 64) throw new ArgumentException($"workers must be in 1..64; got {workers}");
        if (maxNotes is < 2 or > 5000) throw new ArgumentException($"maxNotes must be in 2..5000; got {maxNotes}");
        try
        {
            for (int i = 0; i < workers; i++) all.Add(AudioModel.Open(runDir));
        }
        catch
        {
            foreach (var m in all) m.Dispose();
            throw;
        }
        queue = new WorkerQueue<AudioModel>(all, queueTimeout);
        Workers = workers;
        var model = all[0];
        var map = model.NoteMap(maxNotes);       // the same cached map `audio path` draws over
        Mean = map.Mean;
        Projection = map.Projection;
        using var scope = Torch.NewScope();
        var xy = Projection.Project(map.Codes);
        var flat = map.Codes.Contiguous().ToArray<float>();
        int d = model.LatentDim;
        Notes = map.Notes.Select((n, i) => new MapNote(n.Id, n.Instrument, n.Family, n.Pitch, n.NoteName, n.Dynamics,
            flat.AsSpan(i * d, d).ToArray(), xy[i].X, xy[i].Y)).ToList();
        LatentDim = d;
        SampleRate = model.SampleRate;
        Instruments = model.Instruments;
    }

    /// <summary>Concurrent decodes allowed.</summary>
    public int Workers { get; }
    /// <summary>Decoders free right now (Workers minus the decodes running).</summary>
    public int FreeDecoders => queue.Free;
    /// <summary>The latent dimension.</summary>
    public int LatentDim { get; }
    /// <summary>Sample rate of the sounds.</summary>
    public int SampleRate { get; }
    /// <summary>Instrument names of the run.</summary>
    public IReadOnlyList<string> Instruments { get; }
    /// <summary>The notes on the map.</summary>
    public IReadOnlyList<MapNote> Notes { get; }
    /// <summary>The mean code of the notes on the map (the default centre of paths).</summary>
    public float[] Mean { get; }
    /// <summary>The map's plane (PCA of the notes' codes).</summary>
    public LatentProjection Projection { get; }
    /// <summary>The PCA plane as two float directions, for <see cref="PathRecipe.Build"/>.</summary>
    public (float[] U, float[] V) Plane => (Projection.AxisX.Select(x => (float)x).ToArray(), Projection.AxisY.Select(x => (float)x).ToArray());

    /// <summary>The latent point of plane coordinates (x, y).</summary>
    public float[] Unproject(double x, double y)
    {
        using var t = Projection.Unproject(x, y);
        return t.ToArray<float>();
    }

    /// <summary>
    /// Waits for a free decoder (at most the queue timeout: then 503), builds the path with it and decodes it.
    /// All libtorch work runs synchronously on one thread (dispose scopes are per thread).
    /// </summary>
    /// <param name="buildPath">Builds the path [T, d] with the given model (may throw <see cref="ArgumentException"/>: 400).</param>
    /// <param name="iterations">Griffin-Lim iterations.</param>
    /// <param name="spectrogram">Whether to draw the spectrogram.</param>
    /// <param name="cancel">Cancels the wait (e.g. the client went away).</param>
    public async Task<DecodedSound> DecodeAsync(Func<AudioModel, Tensor> buildPath, int iterations, bool spectrogram, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(buildPath);
        return await queue.RunAsync(model => Decode(model, buildPath, iterations, spectrogram), cancel).ConfigureAwait(false);
    }

    private DecodedSound Decode(AudioModel model, Func<AudioModel, Tensor> buildPath, int iterations, bool spectrogram)
    {
        var clock = Stopwatch.StartNew();
        using var scope = Torch.NewScope();
        Tensor path;
        try { path = buildPath(model); }
        catch (ArgumentException e) { throw new RequestException(400, e.Message); }
        using var sound = model.Synthesize(path, new GriffinLimOptions { Iterations = iterations });
        var png = spectrogram ? AudioPictures.Spectrogram([sound.Frames]) : null;
        var xy = Projection.Project(path);
        int d = (int)path.Size(1);
        var flat = path.To(DType.Float32).Contiguous().ToArray<float>();
        var keep = xy.Length <= 400 ? Enumerable.Range(0, xy.Length).ToArray() : Enumerable.Range(0, 400).Select(i => (int)((long)i * (xy.Length - 1) / 399)).ToArray();
        var latent = keep.Select(i => flat.AsSpan(i * d, d).ToArray()).ToArray();
        xy = keep.Select(i => xy[i]).ToArray();
        var wav = WavBytes(sound.Clip);
        return new DecodedSound(wav, png, xy, latent, sound.Clip.Duration, sound.SpectralConvergence, clock.Elapsed.TotalMilliseconds);
    }

    /// <summary>16-bit WAV bytes of a clip, written by libsndfile through a temporary file.</summary>
    public static byte[] WavBytes(AudioClip clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        var file = Path.Combine(Path.GetTempPath(), $"latentsynth-web-{Guid.NewGuid():N}.wav");
        try
        {
            AudioFile.WriteWav(file, clip, WavSampleFormat.Pcm16);
            return File.ReadAllBytes(file);
        }
        finally { File.Delete(file); }
    }

    /// <summary>The note of the map with this id (case-insensitive), or a 404 naming the field.</summary>
    public MapNote Note(string id, string field) =>
        Notes.FirstOrDefault(n => string.Equals(n.Id, id, StringComparison.OrdinalIgnoreCase))
        ?? throw new RequestException(404, $"{field}: no note '{Trim(id)}' on the map (ids are listed by GET /api/info, e.g. {string.Join(", ", Notes.Take(2).Select(n => n.Id))})");

    internal static string Trim(string s) => s.Length <= 40 ? s : s[..40] + "…";

    /// <summary>The latent path [T, d] of a note's audio (for morphs).</summary>
    public static Tensor NotePath(AudioModel model, string id)
    {
        ArgumentNullException.ThrowIfNull(model);
        var (set, _, _) = model.Notes();
        var note = set.Notes.First(n => string.Equals(n.Id, id, StringComparison.OrdinalIgnoreCase));
        return model.Encode(set.Read(note));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var m in all) m.Dispose();
        queue.Dispose();
    }
}
