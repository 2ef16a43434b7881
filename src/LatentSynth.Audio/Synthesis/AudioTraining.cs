using LatentSynth.Data;
using LatentSynth.Training;

namespace LatentSynth.Audio.Synthesis;

/// <summary>
/// Trains a frame model on a note set: prepares <c>RUN/audio</c> (split, fitted pipeline, frame cache)
/// and runs the ordinary trainer on the <c>frames:RUN/audio</c> dataset, so the run folder is an
/// ordinary run (checkpoints, metrics, resume, <c>eval</c>) plus what the audio verbs need.
/// </summary>
public static class AudioTraining
{
    /// <summary>Default model settings for frames when the caller sets none: an MLP VAE/WAE with a small
    /// latent space (8 dimensions: enough for timbre, pitch and loudness, small enough to explore), and the
    /// Bernoulli (bce) objective on [0, 1]-normalized log-Mel frames (it weighs quiet bins more than mse).</summary>
    public static readonly IReadOnlyDictionary<string, string> FrameModelDefaults = new Dictionary<string, string>
    {
        ["model.arch"] = "mlp",
        ["model.latent_dim"] = "8",
        ["model.hidden"] = "[512, 256]",
    };

    /// <summary>Prepares the audio data and trains. <paramref name="config"/>'s training data name is replaced
    /// by <c>frames:RUN/audio</c> (absolute), and its input shape is taken from the frames.</summary>
    /// <exception cref="ArgumentException">The run folder already holds a run, or a setting is invalid.</exception>
    public static TrainingResult Train(AudioDataSettings data, RunConfig config, ITrainingObserver? observer = null,
        Action<string>? log = null, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(config);
        var runDir = config.Training.Out;
        if (RunFolder.Exists(runDir))
            throw new ArgumentException($"'{runDir}' already holds a run ({RunFolder.ConfigFile}); choose another --out");
        AudioData.Register();
        var folder = Path.GetFullPath(Path.Combine(runDir, AudioModel.AudioFolder));
        AudioData.Prepare(data, folder, log, progress).Dispose();
        config = config with { Training = config.Training with { Data = $"{AudioData.Pattern}:{folder}" }, InputShapeFromData = true };
        return new Trainer(new CatalogDatasetSource(), observer, log).Train(config, cancel);
    }
}
