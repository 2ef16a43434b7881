namespace LatentSynth.Training;

/// <summary>
/// Receives the trainer's progress (an <see cref="IProgress{T}"/>-style callback with several
/// kinds of report). Every method has an empty default, so an observer implements what it shows.
/// Calls come from the training thread, between steps; keep them quick (the trainer waits).
/// The command line renders them as a progress bar; tests record them.
/// </summary>
public interface ITrainingObserver
{
    /// <summary>Training is about to start (after the sanity check) or resume.</summary>
    void OnStart(TrainingStarted report) { }

    /// <summary>One optimisation step finished.</summary>
    void OnStep(StepReport report) { }

    /// <summary>An epoch finished: its training means and the validation pass.</summary>
    void OnEpochEnd(EpochReport report) { }

    /// <summary>A checkpoint was committed (it is now the latest).</summary>
    void OnCheckpoint(CheckpointReport report) { }

    /// <summary>
    /// Training noticed something the user should know but that does not stop it (for example a
    /// validation loss that grew far beyond its first epoch's: <see cref="Trainer.DivergenceFactor"/>).
    /// One line, without a "warning:" prefix.
    /// </summary>
    void OnWarning(string message) { }
}

/// <summary>An observer that ignores everything.</summary>
public sealed class NullTrainingObserver : ITrainingObserver
{
    /// <summary>The shared instance.</summary>
    public static readonly NullTrainingObserver Instance = new();
}

/// <summary>What a run is about to do.</summary>
/// <param name="RunDir">The run folder.</param>
/// <param name="Model">The model's registry name.</param>
/// <param name="Data">The dataset name.</param>
/// <param name="TrainExamples">Training examples used.</param>
/// <param name="TestExamples">Test examples used by the validation pass.</param>
/// <param name="Epochs">Planned epochs in total.</param>
/// <param name="StepsPerEpoch">Optimisation steps per epoch.</param>
/// <param name="StartStep">Steps already done (0 for a new run, more when resuming).</param>
/// <param name="ResumedFrom">The checkpoint resumed from, or null for a new run.</param>
/// <param name="ParameterCount">Number of model parameters.</param>
public sealed record TrainingStarted(string RunDir, string Model, string Data, long TrainExamples, long TestExamples,
    int Epochs, long StepsPerEpoch, long StartStep, string? ResumedFrom, long ParameterCount)
{
    /// <summary>Steps of the whole run.</summary>
    public long TotalSteps => Epochs * StepsPerEpoch;
}

/// <summary>One finished step.</summary>
/// <param name="Epoch">The epoch, 1-based.</param>
/// <param name="Epochs">Planned epochs.</param>
/// <param name="StepInEpoch">Steps done in this epoch (1 after its first step).</param>
/// <param name="StepsPerEpoch">Steps per epoch.</param>
/// <param name="Step">Steps done in the whole run.</param>
/// <param name="TotalSteps">Steps of the whole run.</param>
/// <param name="Batch">This batch's loss ("loss") and terms, per example.</param>
/// <param name="EpochMean">Running means over the epoch so far, per example.</param>
/// <param name="Elapsed">Time spent training in this session.</param>
/// <param name="Eta">Estimated time to the end of the run (null until a step has been timed).</param>
public sealed record StepReport(int Epoch, int Epochs, long StepInEpoch, long StepsPerEpoch, long Step, long TotalSteps,
    IReadOnlyDictionary<string, double> Batch, IReadOnlyDictionary<string, double> EpochMean, TimeSpan Elapsed, TimeSpan? Eta);

/// <summary>One finished epoch.</summary>
/// <param name="Epoch">The epoch, 1-based.</param>
/// <param name="Epochs">Planned epochs.</param>
/// <param name="Step">Steps done in the whole run.</param>
/// <param name="Train">Means over the epoch's training examples ("loss" and each term).</param>
/// <param name="Validation">Means over the test examples, regularizers at full weight.</param>
/// <param name="LearningRate">The learning rate of the first optimizer.</param>
/// <param name="Seconds">Time the epoch took (training and validation).</param>
/// <param name="TrainSeconds">Time its training steps took (without validation); NaN when unknown.</param>
public sealed record EpochReport(int Epoch, int Epochs, long Step, IReadOnlyDictionary<string, double> Train,
    IReadOnlyDictionary<string, double> Validation, double LearningRate, double Seconds, double TrainSeconds = double.NaN);

/// <summary>A committed checkpoint.</summary>
/// <param name="Path">Its folder.</param>
/// <param name="EpochsDone">Complete epochs it holds.</param>
/// <param name="Step">Steps done.</param>
/// <param name="Partial">True when written in the middle of an epoch (an interruption).</param>
public sealed record CheckpointReport(string Path, int EpochsDone, long Step, bool Partial);
