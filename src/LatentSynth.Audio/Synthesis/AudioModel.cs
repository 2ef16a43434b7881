using LatentSynth.Audio.IO;
using LatentSynth.Audio.Notes;
using LatentSynth.Audio.Spectral;
using LatentSynth.Evaluation;
using LatentSynth.Models;
using LatentSynth.Torch;
using LatentSynth.Training;

namespace LatentSynth.Audio.Synthesis;

using Torch = LatentSynth.Torch.Torch;

/// <summary>A sound made from a latent path, with how faithful its phase reconstruction was.</summary>
/// <param name="Clip">The audio.</param>
/// <param name="Frames">The decoded model frames [T, Bins] (normalized, as the model sees them).</param>
/// <param name="Magnitude">The linear STFT magnitude the frames stand for [T, NFft/2+1].</param>
/// <param name="SpectralConvergence">‖|STFT(x)| − S‖ / ‖S‖ of the Griffin-Lim result against that magnitude.</param>
public sealed record SynthesizedSound(AudioClip Clip, Tensor Frames, Tensor Magnitude, double SpectralConvergence) : IDisposable
{
    /// <summary>Disposes the tensors.</summary>
    public void Dispose()
    {
        Frames.Dispose();
        Magnitude.Dispose();
    }
}

/// <summary>
/// A trained frame model with its spectral pipeline: a note becomes a path of latent points (one per
/// STFT frame), and any path becomes a sound (decode each point to a frame, undo the pipeline, Griffin-Lim).
/// Opened from a run folder made by <c>latentsynth audio train</c> (the model plus <c>RUN/audio</c>).
/// </summary>
public sealed class AudioModel : IDisposable
{
    /// <summary>The audio-data folder inside a run folder.</summary>
    public const string AudioFolder = "audio";

    private readonly string weightsPath;
    private (NoteSet Set, IReadOnlyList<NoteInfo> Train, IReadOnlyList<NoteInfo> Test)? notes;
    private readonly Dictionary<int, NoteMap> maps = [];

    private AudioModel(string runDir, AutoencoderModel model, SpectralPipeline pipeline, IReadOnlyList<string> instruments, string weightsPath)
    {
        RunDirectory = runDir;
        Model = model;
        Pipeline = pipeline;
        Instruments = instruments;
        this.weightsPath = weightsPath;
    }

    /// <summary>The run folder.</summary>
    public string RunDirectory { get; }
    /// <summary>The trained model (latest checkpoint's weights).</summary>
    public AutoencoderModel Model { get; }
    /// <summary>The spectral pipeline the model was trained with.</summary>
    public SpectralPipeline Pipeline { get; }
    /// <summary>Instrument names by label index.</summary>
    public IReadOnlyList<string> Instruments { get; }
    /// <summary>The latent dimension.</summary>
    public int LatentDim => Model.LatentDim;
    /// <summary>The sample rate of the sounds it makes.</summary>
    public int SampleRate => Pipeline.Stft.SampleRate;
    /// <summary>The audio-data folder of the run.</summary>
    public string DataFolder => Path.Combine(RunDirectory, AudioFolder);

    /// <summary>Whether <paramref name="runDir"/> is an audio run (a run folder with an audio-data folder).</summary>
    public static bool IsAudioRun(string runDir) => RunFolder.Exists(runDir) && AudioData.Exists(Path.Combine(runDir, AudioFolder));

    /// <summary>Opens an audio run.</summary>
    /// <exception cref="ArgumentException">The folder is not a run, or not an audio run (the message says what to do).</exception>
    public static AudioModel Open(string runDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDir);
        if (!RunFolder.Exists(runDir)) throw new ArgumentException($"'{runDir}' is not a run folder (no {RunFolder.ConfigFile}); train one with `latentsynth audio train`");
        var data = Path.Combine(runDir, AudioFolder);
        if (!AudioData.Exists(data))
            throw new ArgumentException($"'{runDir}' is a run but not an audio run (no {AudioFolder}/{AudioData.SettingsFile}); audio verbs need a model trained with `latentsynth audio train`");
        var pipeline = AudioData.Pipeline(data);
        try
        {
            var run = RunFolder.Open(runDir);
            var weights = run.ModelWeightsPath;
            var model = run.LoadModel();
            if (model.Config.InputSize != pipeline.Bins)
            {
                model.Dispose();
                throw new ArgumentException($"'{runDir}': the model takes {model.Config.InputSize} values per frame but its pipeline makes {pipeline.Bins}");
            }
            return new AudioModel(runDir, model, pipeline, AudioData.Instruments(data), weights);
        }
        catch
        {
            pipeline.Dispose();
            throw;
        }
    }

    /// <summary>The note set the model was trained on, with its train and test notes (read once per model).</summary>
    /// <exception cref="FileNotFoundException">The note set has moved or was deleted (the message says where it was).</exception>
    public (NoteSet Set, IReadOnlyList<NoteInfo> Train, IReadOnlyList<NoteInfo> Test) Notes() => notes ??= AudioData.Notes(DataFolder);

    /// <summary>
    /// The map of the model's training notes (codes, mean, PCA plane) that paths are drawn over and centred on, with at
    /// most <paramref name="maxNotes"/> notes. Built once per model and cached in the run folder (see
    /// <see cref="Synthesis.NoteMap"/>); the model owns it: do not dispose it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNotes"/> &lt; 2.</exception>
    public NoteMap NoteMap(int maxNotes = Synthesis.NoteMap.DefaultMaxNotes)
    {
        if (maxNotes < 2) throw new ArgumentOutOfRangeException(nameof(maxNotes), maxNotes, "a note map needs at least 2 notes");
        if (!maps.TryGetValue(maxNotes, out var map)) maps[maxNotes] = map = Synthesis.NoteMap.Build(this, maxNotes, weightsPath);
        return map;
    }

    /// <summary>The model frames [T, Bins] of a clip (resampled to the model's rate when needed).</summary>
    /// <exception cref="ArgumentException">The clip is too short for one frame or holds NaN/infinite samples (<see cref="AudioClip.Problem"/>; the message names its source).</exception>
    public Tensor Analyze(AudioClip clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        if (clip.Problem(Pipeline.Stft) is { } problem)
            throw new ArgumentException($"'{clip.Source ?? "the sound"}' cannot be analysed: {problem}");
        if (clip.SampleRate != SampleRate) clip = new AudioClip(Resampler.Resample(clip.Samples, clip.SampleRate, SampleRate), SampleRate);
        using var signal = clip.ToTensor();
        return Pipeline.Analyze(signal);
    }

    /// <summary>The latent path [T, d] of a clip: each frame encoded (posterior means for VAEs).</summary>
    public Tensor Encode(AudioClip clip)
    {
        using var frames = Analyze(clip);
        return EncodeFrames(frames);
    }

    /// <summary>The latent path [T, d] of model frames [T, Bins].</summary>
    public Tensor EncodeFrames(Tensor frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        using var input = frames.Reshape([frames.Size(0), .. Model.InputShape]);
        return Model.EncodeInBatches(input);
    }

    /// <summary>The frames [T, Bins] a latent path [T, d] decodes to.</summary>
    /// <exception cref="ArgumentException">The path is not [T, LatentDim] or holds non-finite values.</exception>
    public Tensor DecodePath(Tensor path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Dim != 2 || path.Size(1) != LatentDim)
            throw new ArgumentException($"a latent path must be [T, {LatentDim}]; got [{string.Join(", ", path.Shape)}]", nameof(path));
        if (path.Size(0) < 1) throw new ArgumentException("a latent path needs at least one point", nameof(path));
        using var mode = Model.Inference();
        using var scope = Torch.NewScope();
        var z = path.To(DType.Float32);
        if (z.IsFinite().All().Item() == 0) throw new ArgumentException("the latent path holds NaN or infinite values", nameof(path));
        return Model.Decode(z).Reshape(path.Size(0), Pipeline.Bins).Contiguous().MoveToOuterScope();
    }

    /// <summary>The sound of a latent path [T, d]: decoded frames, inverse pipeline, Griffin-Lim.</summary>
    public SynthesizedSound Synthesize(Tensor path, GriffinLimOptions? options = null)
    {
        var frames = DecodePath(path);
        return Render(frames, options);
    }

    /// <summary>The sound of model frames [T, Bins] (e.g. a note's own frames, to hear the pipeline alone).</summary>
    public SynthesizedSound Render(Tensor frames, GriffinLimOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var magnitude = Pipeline.ToMagnitude(frames);
        float[] samples;
        double convergence;
        using (Torch.NewScope())
        {
            using var gl = GriffinLim.Reconstruct(magnitude, Pipeline.Stft, options);
            samples = gl.Signal.To(DType.Float32).Contiguous().ToArray<float>();
            convergence = gl.SpectralConvergence;
        }
        // Griffin-Lim can overshoot ±1 a little where the magnitude was made up: normalise only then.
        float peak = samples.Length == 0 ? 0 : samples.Max(MathF.Abs);
        if (peak > 0.99f) for (int i = 0; i < samples.Length; i++) samples[i] *= 0.99f / peak;
        return new SynthesizedSound(new AudioClip(samples, SampleRate), frames, magnitude, convergence);
    }

    /// <summary>A clip through the model: encode every frame, decode the path, invert.</summary>
    public SynthesizedSound Reconstruct(AudioClip clip, GriffinLimOptions? options = null)
    {
        using var path = Encode(clip);
        return Synthesize(path, options);
    }

    /// <summary>
    /// One point standing for a whole note: the mean code of its loud frames (those whose mean normalized
    /// value is at least half-way between the note's quietest and loudest frame), so the release tail and
    /// the silence around the note do not pull it toward the code of silence.
    /// </summary>
    public float[] NoteCode(AudioClip clip)
    {
        using var scope = Torch.NewScope();
        var frames = Analyze(clip);
        var path = EncodeFrames(frames);
        var level = frames.Mean(1);
        double lo = level.Min().Item(), hi = level.Max().Item();
        var loud = level.Ge(lo + 0.5 * (hi - lo)).To(DType.Float32).Unsqueeze(1);
        var mean = path.Mul(loud).Sum(0).Div(loud.Sum().ClampMin(1.0));
        return mean.ToArray<float>();
    }

    /// <summary>The <see cref="NoteCode"/> of each note [N, d], and the progress as notes are encoded.</summary>
    public Tensor NoteCodes(NoteSet set, IReadOnlyList<NoteInfo> notes, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(notes);
        var all = new float[notes.Count * LatentDim];
        for (int i = 0; i < notes.Count; i++)
        {
            NoteCode(set.Read(notes[i])).CopyTo(all, i * LatentDim);
            progress?.Report(i + 1);
        }
        return Tensor.From(all, notes.Count, LatentDim);
    }

    /// <summary>Points drawn from the model's prior [n, d].</summary>
    public Tensor SamplePrior(int n, Generator? generator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        using var mode = Model.Inference();
        return Model.SamplePrior(n, generator);
    }

    /// <summary>The duration of a path of <paramref name="points"/> frames, in seconds.</summary>
    public double Seconds(long points) => Pipeline.Stft.SecondsForFrames(points);

    /// <summary>
    /// Longest sound synthesized at once, in seconds: a path's points, its decoded frames and the
    /// Griffin-Lim buffers all grow with the length, so it is bounded (60 s is about 5,200 frames).
    /// </summary>
    public const double MaxSeconds = 60;

    /// <summary>The number of path points (frames) for a sound of <paramref name="seconds"/>.</summary>
    public int PointsFor(double seconds)
    {
        if (!(seconds > 0) || seconds > MaxSeconds) throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "duration must be in (0, 60] seconds");
        return (int)Math.Max(2, Pipeline.Stft.FramesForSeconds(seconds));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var map in maps.Values) map.Dispose();
        maps.Clear();
        Model.Dispose();
        Pipeline.Dispose();
    }
}
