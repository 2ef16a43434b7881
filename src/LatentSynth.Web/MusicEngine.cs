using System.Diagnostics;
using LatentSynth.Audio.Notes;
using LatentSynth.Data;
using LatentSynth.Music;
using LatentSynth.Music.Data;
using LatentSynth.Music.Evaluation;
using LatentSynth.Music.Inpainting;
using LatentSynth.Music.Models;
using LatentSynth.Training;

namespace LatentSynth.Web;

using PolyNote = LatentSynth.Music.Data.PolyTree.PolyNote;
using Torch = LatentSynth.Torch.Torch;

/// <summary>A test tune the page offers: its name, bars, and tokens on both grids (null where it does not fit one).</summary>
/// <param name="Name">File name without extension.</param>
/// <param name="Bars">Bars (4/4) of the tune.</param>
/// <param name="Tokens16">Melody tokens on the 16-step grid (MusicVAE), or null.</param>
/// <param name="Tokens24">Inpainting tokens on the 24-step grid (SketchNet, InpaintNet), or null.</param>
public sealed record MusicTune(string Name, int Bars, int[]? Tokens16, int[]? Tokens24);

/// <summary>One worker's own copies of the models (none is thread-safe).</summary>
internal sealed class MusicWorker : IDisposable
{
    public MelodyVaeModel? Melody { get; init; }
    public IGapFiller? SketchNet { get; init; }
    public IGapFiller? InpaintNet { get; init; }
    public IMusicSampler? Sampler { get; init; }
    public RepeatContextFiller Baseline { get; } = new();

    public void Dispose()
    {
        Melody?.Dispose();
        (SketchNet as IDisposable)?.Dispose();
        (InpaintNet as IDisposable)?.Dispose();
        Sampler?.Dispose();
    }
}

/// <summary>
/// The music page's models: a pool of workers (each with its own copies of the runs' models) behind the shared bounded
/// queue, the test tunes, and rendering through FluidSynth (<see cref="NoteRenderer.RenderMidi"/>).
/// </summary>
public sealed class MusicEngine : IDisposable
{
    private readonly List<MusicWorker> all = [];
    private readonly WorkerQueue<MusicWorker> queue;

    /// <summary>Opens <paramref name="workers"/> copies of every run's model and reads the test tunes.</summary>
    /// <param name="runs">The runs, each in its role.</param>
    /// <param name="workers">Concurrent requests (1..64).</param>
    /// <param name="queueTimeout">How long a request waits for a free worker before it gets 503.</param>
    /// <param name="tunesData">Dataset whose test tunes the page offers; null: the first of the SketchNet, InpaintNet and melody runs' datasets.</param>
    /// <exception cref="ArgumentException">No run, a run that cannot be opened, or a value out of range.</exception>
    public MusicEngine(MusicRuns runs, int workers, TimeSpan queueTimeout, string? tunesData = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (workers is < 1 or > 64) throw new ArgumentException($"workers must be in 1..64; got {workers}");
        if (runs.Melody is null && runs.SketchNet is null && runs.InpaintNet is null && runs.Sampler is null)
            throw new ArgumentException("the music page needs at least one run (musicvae, sketchnet, inpaintnet, or a polyphonic pianotree, pianoroll-vae, midi-event-vae)");
        PolySampler.Register();
        MusicData.Register();
        Runs = runs;
        var folders = new[] { runs.SketchNet, runs.InpaintNet, runs.Melody }.Where(r => r is not null).Select(r => RunFolder.Open(r!)).ToList();
        TunesData = tunesData ?? folders.Select(f => f.DataName).FirstOrDefault(MusicData.IsMusicDataset);
        if (TunesData is null && folders.Count > 0) throw new ArgumentException("no run names a music dataset for the test tunes");
        try
        {
            for (int i = 0; i < workers; i++)
            {
                MusicWorker w;
                try
                {
                    w = new MusicWorker
                    {
                        Melody = runs.Melody is null ? null : OpenMelody(runs.Melody),
                        SketchNet = runs.SketchNet is null ? null : GapFillers.Open(runs.SketchNet).Filler,
                        InpaintNet = runs.InpaintNet is null ? null : GapFillers.Open(runs.InpaintNet).Filler,
                        Sampler = runs.Sampler is null ? null : MusicSamplers.Find(RunFolder.Open(runs.Sampler).Config.Model.Model)!(RunFolder.Open(runs.Sampler)),
                    };
                }
                catch (Exception e) when (e is IOException or InvalidDataException) { throw new ArgumentException($"a run could not be opened: {e.Message}", e); }
                all.Add(w);
            }
        }
        catch
        {
            foreach (var w in all) w.Dispose();
            throw;
        }
        MelodySteps = all[0].Melody is { } m ? (int)m.Length : 0;
        MelodyModelName = runs.Melody is null ? null : RunFolder.Open(runs.Melody).Config.Model.Model;
        SamplerName = all[0].Sampler?.Name;
        Tunes = TunesData is null ? [] : ReadTunes(TunesData);
        AudioProblem = NoteRenderer.MissingRenderer();
        queue = new WorkerQueue<MusicWorker>(all, queueTimeout);
        Workers = workers;
    }

    private static MelodyVaeModel OpenMelody(string dir)
    {
        var model = RunFolder.Open(dir).LoadModel();
        if (model is MelodyVaeModel melody) return melody;
        model.Dispose();
        throw new ArgumentException($"RUN: '{dir}' does not hold a melody model");
    }

    /// <summary>The runs served.</summary>
    public MusicRuns Runs { get; }
    /// <summary>Concurrent requests allowed.</summary>
    public int Workers { get; }
    /// <summary>Workers free right now.</summary>
    public int FreeWorkers => queue.Free;
    /// <summary>The dataset whose test tunes are offered; null when only a polyphonic sampler is served (no tunes).</summary>
    public string? TunesData { get; }
    /// <summary>The test tunes (at most 500).</summary>
    public IReadOnlyList<MusicTune> Tunes { get; }
    /// <summary>Steps (16 per bar) of the melody model's window; 0 without a melody run.</summary>
    public int MelodySteps { get; }
    /// <summary>The melody run's model name (musicvae, musicvae-hier), or null.</summary>
    public string? MelodyModelName { get; }
    /// <summary>The served polyphonic sampler's name (its model: pianotree, pianoroll-vae, midi-event-vae), or null.</summary>
    public string? SamplerName { get; }
    /// <summary>Why there is no sound (FluidSynth or the sound font missing), or null when rendering works.</summary>
    public string? AudioProblem { get; }

    /// <summary>Runs <paramref name="work"/> on a free worker (waiting at most the queue timeout: then 503).</summary>
    internal Task<T> RunAsync<T>(Func<MusicWorker, T> work, CancellationToken cancel) => queue.RunAsync(work, cancel);

    /// <summary>The tune of that name (case-insensitive), or 404 naming the field.</summary>
    public MusicTune Tune(string name, string field) =>
        Tunes.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new RequestException(404, $"{field}: no test tune '{RequestFields.Trim(name)}' (GET /api/info lists them, e.g. {string.Join(", ", Tunes.Take(3).Select(t => t.Name))})");

    /// <summary>Reads the test split (by tune) of a music dataset on both grids.</summary>
    private static List<MusicTune> ReadTunes(string dataName)
    {
        if (!MusicData.TryOptions(dataName, out var options, out var dir)) throw new ArgumentException($"'{dataName}' is not a music dataset");
        var warnless = new DatasetOptions { Warn = _ => { } };
        var folder = dir ?? MusicData.LocateNottingham(warnless).Folder;
        var files = MelodyDataset.Files(folder, options.Recursive);
        var tunes = MelodyDataset.ReadTunes(files, options, [], null);
        var (_, test) = MelodyWindows.SplitByTune(tunes.Select(t => t.Name).ToList(), options.TestFraction, options.Seed);
        var byName = files.GroupBy(f => Path.GetFileNameWithoutExtension(f), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var result = new List<MusicTune>();
        foreach (var i in test.Take(500))
        {
            var name = tunes[i].Name;
            if (!byName.TryGetValue(name, out var file)) continue;
            var midi = MidiReader.Read(file);
            var t16 = MelodyGrid.ToTokens(midi).Tokens;
            var t24 = InpaintGrid.ToTokens(midi).Tokens;
            int bars = t24 is not null ? t24.Length / InpaintTokens.StepsPerBar : t16 is not null ? t16.Length / MelodyTokens.StepsPerBar : 0;
            if (bars > 0) result.Add(new MusicTune(name, bars, t16, t24));
        }
        return result.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// WAV bytes of tokens rendered by FluidSynth (16-step melody tokens, or 24-step inpainting tokens when <paramref name="inpaint24"/>);
    /// null when rendering is unavailable (<see cref="AudioProblem"/>).
    /// </summary>
    public byte[]? Wav(int[] tokens, bool inpaint24) => Wavs([tokens], inpaint24)[0];

    /// <summary>
    /// WAV bytes of each segment, rendered in one FluidSynth call: the segments one after the other with a silent bar between
    /// them (room for the release), the clip then cut at each segment's start. One call instead of one per segment: starting
    /// FluidSynth and loading the sound font took about 450 ms a call on the 2-core machine, the render itself far less.
    /// Every entry is null when rendering is unavailable (<see cref="AudioProblem"/>).
    /// </summary>
    public byte[]?[] Wavs(IReadOnlyList<int[]> segments, bool inpaint24)
    {
        ArgumentNullException.ThrowIfNull(segments);
        if (AudioProblem is not null || segments.Count == 0) return new byte[]?[segments.Count];
        int perBar = inpaint24 ? InpaintTokens.StepsPerBar : MelodyTokens.StepsPerBar;
        // A bar of silence: all rests (24-step), or a note-off then nothing (16-step). A segment that starts with "hold" or
        // "no event" then starts silent, as it would alone.
        var gap = inpaint24 ? Enumerable.Repeat(InpaintTokens.Rest, perBar).ToArray()
            : [MelodyTokens.NoteOff, .. Enumerable.Repeat(MelodyTokens.NoEvent, perBar - 1)];
        var all = new List<int>();
        var starts = new int[segments.Count + 1];
        for (int k = 0; k < segments.Count; k++)
        {
            starts[k] = all.Count;
            all.AddRange(segments[k]);
            all.AddRange(gap);
        }
        starts[^1] = all.Count;
        var tokens = all.ToArray();
        return Render(path => { if (inpaint24) InpaintGrid.WriteMidi(path, tokens); else MelodyGrid.WriteMidi(path, tokens); },
            Enumerable.Range(0, segments.Count).Select(k => (starts[k], starts[k + 1])).ToList(), perBar);
    }

    /// <summary>
    /// WAV bytes of each polyphonic segment (notes on the 16th grid, 32 steps), rendered in one FluidSynth call as
    /// <see cref="Wavs"/> renders token segments: the segments one after the other with an empty segment between them, each
    /// cut from its start to a bar after its end (room for the release, as <see cref="Wavs"/>). Every entry is null when
    /// rendering is unavailable (<see cref="AudioProblem"/>).
    /// </summary>
    public byte[]?[] PolyWavs(IReadOnlyList<IReadOnlyList<PolyNote>> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        if (AudioProblem is not null || segments.Count == 0) return new byte[]?[segments.Count];
        var spaced = segments.SelectMany(s => new[] { s, Array.Empty<PolyNote>() }).ToList();
        var cuts = Enumerable.Range(0, segments.Count).Select(k => (2 * k * PolyTree.Steps, (2 * k + 1) * PolyTree.Steps + MelodyTokens.StepsPerBar)).ToList();
        return Render(path => PolyDecode.WriteMidi(path, spaced), cuts, MelodyTokens.StepsPerBar);
    }

    /// <summary>Renders the MIDI file <paramref name="writeMidi"/> writes, cut into <paramref name="cuts"/> (from, to: steps).</summary>
    private static byte[]?[] Render(Action<string> writeMidi, IReadOnlyList<(int From, int To)> cuts, int stepsPerBar)
    {
        var dir = Directory.CreateTempSubdirectory("latentsynth-music-").FullName;
        try
        {
            var mid = Path.Combine(dir, "m.mid");
            var wav = Path.Combine(dir, "m.wav");
            writeMidi(mid);
            var clip = NoteRenderer.RenderMidi(mid, wav);
            double secondsPerStep = 60.0 / 120 / (stepsPerBar / 4.0);   // WriteMidi's 120 quarter notes per minute
            var result = new byte[]?[cuts.Count];
            for (int k = 0; k < result.Length; k++)
            {
                int from = Math.Min(clip.Samples.Length, (int)Math.Round(cuts[k].From * secondsPerStep * clip.SampleRate));
                int to = Math.Min(clip.Samples.Length, (int)Math.Round(cuts[k].To * secondsPerStep * clip.SampleRate));
                result[k] = SynthEngine.WavBytes(new Audio.IO.AudioClip(clip.Samples[from..Math.Max(from + 1, to)], clip.SampleRate));
            }
            return result;
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Standard MIDI file bytes written by <paramref name="writeMidi"/> (given a path).</summary>
    private static byte[] MidiBytes(Action<string> writeMidi)
    {
        var dir = Directory.CreateTempSubdirectory("latentsynth-music-").FullName;
        try
        {
            var mid = Path.Combine(dir, "m.mid");
            writeMidi(mid);
            return File.ReadAllBytes(mid);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Standard MIDI file bytes of polyphonic segments played one after the other (32 steps each).</summary>
    public static byte[] PolyMidi(IReadOnlyList<IReadOnlyList<PolyNote>> segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        return MidiBytes(path => PolyDecode.WriteMidi(path, segments));
    }

    /// <summary>Standard MIDI file bytes of tokens (16-step melody tokens, or 24-step inpainting tokens).</summary>
    public static byte[] Midi(int[] tokens, bool inpaint24)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return MidiBytes(path => { if (inpaint24) InpaintGrid.WriteMidi(path, tokens); else MelodyGrid.WriteMidi(path, tokens); });
    }

    /// <summary>A piano-roll PNG of one or more rows.</summary>
    public static byte[] Roll(IReadOnlyList<PianoRollRow> rows, string? title, bool inpaint24 = false, int firstBar = 1) =>
        PianoRoll.Render(rows, new PianoRollOptions { Title = title, Inpaint24 = inpaint24, FirstBarNumber = firstBar }).ToPng();

    /// <summary>Milliseconds since <paramref name="clock"/> started.</summary>
    internal static double Ms(Stopwatch clock) => Math.Round(clock.Elapsed.TotalMilliseconds, 1);

    /// <summary>Seeds libtorch's global generator too (sampling that does not take the generator).</summary>
    internal static void Seed(int seed) => Torch.ManualSeed((ulong)seed);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var w in all) w.Dispose();
        queue?.Dispose();
    }
}
