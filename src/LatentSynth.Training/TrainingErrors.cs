namespace LatentSynth.Training;

/// <summary>
/// Training stopped because a loss became NaN or infinite. The message names the epoch, the step
/// and the term; the last good checkpoint stays the latest one.
/// </summary>
public sealed class NonFiniteLossException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public NonFiniteLossException(string message, int epoch, long stepInEpoch, long step, string term, double value, string? lastCheckpoint)
        : base(message)
    {
        Epoch = epoch;
        StepInEpoch = stepInEpoch;
        Step = step;
        Term = term;
        Value = value;
        LastCheckpoint = lastCheckpoint;
    }

    /// <summary>The epoch, 1-based.</summary>
    public int Epoch { get; }

    /// <summary>The step within the epoch, 1-based.</summary>
    public long StepInEpoch { get; }

    /// <summary>The step of the run, 1-based.</summary>
    public long Step { get; }

    /// <summary>The first non-finite term ("loss" when only the total is).</summary>
    public string Term { get; }

    /// <summary>Its value (NaN or ±infinity).</summary>
    public double Value { get; }

    /// <summary>Name of the checkpoint that stays the latest, or null when none had been written.</summary>
    public string? LastCheckpoint { get; }
}

/// <summary>
/// The one-batch check before training failed: the model cannot digest the data (wrong shape,
/// non-finite loss on the first batch, malformed loss terms). The message names the data's shape
/// and the model's expected <c>input_shape</c>.
/// </summary>
public sealed class SanityCheckException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public SanityCheckException(string message, Exception? inner = null) : base(message, inner) { }
}
