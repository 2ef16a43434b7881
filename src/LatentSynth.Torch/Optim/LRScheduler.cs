using System.Globalization;

namespace LatentSynth.Torch.Optim;

/// <summary>
/// Base of the learning-rate schedulers (<c>torch.optim.lr_scheduler</c>). Call
/// <see cref="Step"/> once per epoch (or per iteration), after <see cref="Optimizer.Step"/>.
/// </summary>
/// <remarks>
/// <para>Every scheduler here is a closed form: the learning rate at epoch <c>t</c> is a function
/// of the base learning rate and <c>t</c> only (PyTorch's <c>_get_closed_form_lr</c>), which
/// equals PyTorch's step-by-step (chainable) values up to rounding, and makes the whole schedule
/// resumable from <see cref="LastEpoch"/> alone. Schedulers therefore do not compose by stacking
/// two on one optimizer; chain them in time with <see cref="SequentialLR"/>.</para>
/// <para>As in PyTorch, creating a scheduler with <c>lastEpoch</c> −1 records the optimizer's
/// current learning rate as its <see cref="Optimizer.InitialLearningRate"/> (the first scheduler
/// does; later ones reuse it), takes it as <see cref="BaseLR"/> and performs an initial step, so
/// that after construction <see cref="LastEpoch"/> is 0 and the optimizer's learning rate is the
/// schedule's value at 0. Implementations set their fields and then call
/// <see cref="InitialStep"/> at the end of their constructor.</para>
/// </remarks>
public abstract class LRScheduler
{
    /// <summary>Prefix of the scheduler's metadata keys in <see cref="StateDict"/>.</summary>
    public const string MetadataPrefix = "scheduler.";

    private readonly int constructedLastEpoch;

    /// <summary>Attaches the scheduler to <paramref name="optimizer"/>; <paramref name="lastEpoch"/> −1 starts afresh.</summary>
    protected LRScheduler(Optimizer optimizer, int lastEpoch = -1)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (lastEpoch < -1) throw new ArgumentException($"lastEpoch must be -1 (a fresh start) or an epoch >= 0, got {lastEpoch}", nameof(lastEpoch));
        if (lastEpoch == -1) optimizer.InitialLearningRate ??= optimizer.LearningRate;
        else if (optimizer.InitialLearningRate is null)
            throw new ArgumentException(
                "resuming a scheduler (lastEpoch >= 0) needs the optimizer's initial learning rate: load the optimizer's state first, " +
                "or set it when the optimizer was created with a scheduler", nameof(lastEpoch));
        Optimizer = optimizer;
        BaseLR = optimizer.InitialLearningRate!.Value;
        constructedLastEpoch = lastEpoch;
        LastEpoch = lastEpoch;
        LastLR = double.NaN;
    }

    /// <summary>The optimizer whose learning rate is scheduled.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The learning rate the schedule is relative to (<c>base_lrs[0]</c>).</summary>
    public double BaseLR { get; private set; }

    /// <summary>The epoch the current learning rate belongs to (<c>last_epoch</c>); 0 right after construction.</summary>
    public int LastEpoch { get; private set; }

    /// <summary>The learning rate last set (<c>get_last_lr()[0]</c>).</summary>
    public double LastLR { get; private set; }

    /// <summary>The schedule: the learning rate at <paramref name="epoch"/> (≥ 0) for the base rate <paramref name="baseLR"/>.</summary>
    public abstract double LearningRateAt(int epoch, double baseLR);

    /// <summary>Performs the constructor's initial step; call it last in a derived constructor.</summary>
    protected void InitialStep()
    {
        LastEpoch = constructedLastEpoch;
        Step();
    }

    /// <summary>Advances one epoch and sets the optimizer's learning rate to the schedule's value (<c>step()</c>).</summary>
    public void Step()
    {
        LastEpoch = checked(LastEpoch + 1);
        Apply();
    }

    private void Apply()
    {
        LastLR = LearningRateAt(LastEpoch, BaseLR);
        Optimizer.LearningRate = LastLR;
        AfterApply();
    }

    /// <summary>Runs after every change of epoch (composite schedulers keep their parts in step).</summary>
    private protected virtual void AfterApply() { }

    /// <summary>Moves to <paramref name="epoch"/> without stepping through the ones before (closed form).</summary>
    internal void Seek(int epoch)
    {
        LastEpoch = epoch;
        Apply();
    }

    /// <summary>Type name stored in the state (the class name).</summary>
    public string TypeName => GetType().Name;

    /// <summary>
    /// The scheduler state as string metadata (<c>scheduler.type</c>, <c>scheduler.last_epoch</c>,
    /// <c>scheduler.base_lr</c>): pass it to <see cref="Optimizer.Save"/> as extra metadata.
    /// </summary>
    public Dictionary<string, string> StateDict() => new(StringComparer.Ordinal)
    {
        [MetadataPrefix + "type"] = TypeName,
        [MetadataPrefix + "last_epoch"] = LastEpoch.ToString(CultureInfo.InvariantCulture),
        [MetadataPrefix + "base_lr"] = BaseLR.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Restores a state made by <see cref="StateDict"/> (other keys are ignored) and sets the
    /// optimizer's learning rate to the schedule's value at the restored epoch.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, string> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        string Get(string key) => state.TryGetValue(MetadataPrefix + key, out var v) ? v
            : throw new ArgumentException($"scheduler state has no '{MetadataPrefix}{key}'", nameof(state));
        var type = Get("type");
        if (type != TypeName) throw new ArgumentException($"the state was saved by scheduler type {type}, this one is {TypeName}", nameof(state));
        var epochText = Get("last_epoch");
        if (!int.TryParse(epochText, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
            throw new ArgumentException($"'{MetadataPrefix}last_epoch' = '{epochText}' is not an epoch (an integer >= 0)", nameof(state));
        var baseText = Get("base_lr");
        if (!double.TryParse(baseText, NumberStyles.Float, CultureInfo.InvariantCulture, out var baseLR) || !(baseLR >= 0))
            throw new ArgumentException($"'{MetadataPrefix}base_lr' = '{baseText}' is not a learning rate", nameof(state));
        BaseLR = baseLR;
        Seek(epoch);
    }
}

/// <summary>
/// Multiplies the learning rate by <c>gamma</c> every <c>stepSize</c> epochs (<c>StepLR</c>):
/// lr(t) = base_lr · gamma^⌊t / stepSize⌋.
/// </summary>
public sealed class StepLR : LRScheduler
{
    private readonly int stepSize;
    private readonly double gamma;

    /// <summary>Creates the schedule (<paramref name="stepSize"/> ≥ 1; <paramref name="gamma"/> default 0.1).</summary>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        if (stepSize < 1) throw new ArgumentException($"stepSize must be at least 1, got {stepSize}", nameof(stepSize));
        if (!double.IsFinite(gamma)) throw new ArgumentException($"gamma must be a finite number, got {gamma}", nameof(gamma));
        this.stepSize = stepSize;
        this.gamma = gamma;
        InitialStep();
    }

    /// <inheritdoc />
    public override double LearningRateAt(int epoch, double baseLR) => baseLR * Math.Pow(gamma, epoch / stepSize);
}

/// <summary>
/// Exponential decay with a floor (<c>ExponentialLR</c> plus a minimum):
/// lr(t) = max(minLR, base_lr · gamma^t). With minLR 0 it is PyTorch's <c>ExponentialLR</c>.
/// MusicVAE decays its Adam learning rate per training step this way, 1e-3 by gamma 0.9999 down to
/// 1e-5 (Roberts et al. 2018, §5; Magenta's music_vae configs). Magenta's code writes the floor as
/// an offset, (base_lr − minLR) · gamma^t + minLR, which approaches the floor smoothly; the max
/// form here keeps the plain exponential until it meets the floor (the two differ by less than
/// minLR).
/// </summary>
public sealed class ExponentialLR : LRScheduler
{
    private readonly double gamma;
    private readonly double minLR;

    /// <summary>Creates the schedule: <paramref name="gamma"/> in (0, 1] is the factor per step, <paramref name="minLR"/> ≥ 0 the floor.</summary>
    /// <exception cref="ArgumentException">gamma is not in (0, 1], or minLR is negative or not finite.</exception>
    public ExponentialLR(Optimizer optimizer, double gamma, double minLR = 0, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        if (!(gamma > 0 && gamma <= 1)) throw new ArgumentException($"gamma must be in (0, 1] (a decay factor per step), got {gamma}", nameof(gamma));
        if (!(minLR >= 0 && double.IsFinite(minLR))) throw new ArgumentException($"minLR must be a finite number >= 0, got {minLR}", nameof(minLR));
        this.gamma = gamma;
        this.minLR = minLR;
        InitialStep();
    }

    /// <summary>The factor applied per step.</summary>
    public double Gamma => gamma;

    /// <summary>The floor the learning rate never goes below.</summary>
    public double MinLR => minLR;

    /// <inheritdoc />
    public override double LearningRateAt(int epoch, double baseLR) => Math.Max(minLR, baseLR * Math.Pow(gamma, epoch));
}

/// <summary>
/// Cosine annealing from the base rate to <c>etaMin</c> over <c>tMax</c> epochs
/// (<c>CosineAnnealingLR</c>, SGDR without restarts):
/// lr(t) = etaMin + (base_lr − etaMin) · (1 + cos(π·t / tMax)) / 2. Past <c>tMax</c> the cosine
/// continues (the rate rises again), as in PyTorch.
/// </summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    private readonly int tMax;
    private readonly double etaMin;

    /// <summary>Creates the schedule (<paramref name="tMax"/> ≥ 1).</summary>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        if (tMax < 1) throw new ArgumentException($"tMax must be at least 1, got {tMax}", nameof(tMax));
        if (!(etaMin >= 0)) throw new ArgumentException($"etaMin must be >= 0, got {etaMin}", nameof(etaMin));
        this.tMax = tMax;
        this.etaMin = etaMin;
        InitialStep();
    }

    /// <inheritdoc />
    public override double LearningRateAt(int epoch, double baseLR) =>
        etaMin + (baseLR - etaMin) * (1 + Math.Cos(Math.PI * epoch / tMax)) / 2;
}

/// <summary>
/// Scales the base rate by a factor moving linearly from <c>startFactor</c> to <c>endFactor</c>
/// over <c>totalIters</c> epochs, then constant (<c>LinearLR</c>; a linear warm-up):
/// lr(t) = base_lr · (start + (end − start) · min(t, totalIters) / totalIters).
/// </summary>
public sealed class LinearLR : LRScheduler
{
    private readonly double startFactor;
    private readonly double endFactor;
    private readonly int totalIters;

    /// <summary>Creates the schedule; PyTorch's defaults are 1/3, 1.0 and 5.</summary>
    public LinearLR(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5, int lastEpoch = -1)
        : base(optimizer, lastEpoch)
    {
        if (!(startFactor > 0 && startFactor <= 1))
            throw new ArgumentException($"Starting multiplicative factor expected to be greater than 0 and less or equal to 1, got {startFactor}", nameof(startFactor));
        if (!(endFactor >= 0 && endFactor <= 1))
            throw new ArgumentException($"Ending multiplicative factor expected to be between 0 and 1, got {endFactor}", nameof(endFactor));
        if (totalIters < 1) throw new ArgumentException($"totalIters must be at least 1, got {totalIters}", nameof(totalIters));
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = totalIters;
        InitialStep();
    }

    /// <inheritdoc />
    public override double LearningRateAt(int epoch, double baseLR) =>
        baseLR * (startFactor + (endFactor - startFactor) * Math.Min(totalIters, epoch) / totalIters);
}

/// <summary>
/// Runs schedulers one after another (<c>SequentialLR</c>): the first until the first milestone,
/// the next from there (its own epoch counting from 0 at the milestone), and so on.
/// <see cref="WarmupCosine"/> builds the usual linear warm-up followed by cosine annealing.
/// </summary>
public sealed class SequentialLR : LRScheduler
{
    private readonly LRScheduler[] schedulers;
    private readonly int[] milestones;

    /// <summary>Chains <paramref name="schedulers"/> (all on <paramref name="optimizer"/>) at the
    /// strictly increasing <paramref name="milestones"/> (one fewer than schedulers).</summary>
    public SequentialLR(Optimizer optimizer, IReadOnlyList<LRScheduler> schedulers, IReadOnlyList<int> milestones, int lastEpoch = -1)
        : base(optimizer, lastEpoch)
    {
        ArgumentNullException.ThrowIfNull(schedulers);
        ArgumentNullException.ThrowIfNull(milestones);
        if (schedulers.Count < 1) throw new ArgumentException("SequentialLR needs at least one scheduler", nameof(schedulers));
        if (milestones.Count != schedulers.Count - 1)
            throw new ArgumentException(
                $"Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, " +
                $"but got number of schedulers {schedulers.Count} and the number of milestones to be equal to {milestones.Count}", nameof(milestones));
        for (int i = 0; i < schedulers.Count; i++)
        {
            if (schedulers[i] is null) throw new ArgumentException($"scheduler {i} is null", nameof(schedulers));
            if (!ReferenceEquals(schedulers[i].Optimizer, optimizer))
                throw new ArgumentException(
                    $"Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at index {i} to be different than the optimizer passed in.",
                    nameof(schedulers));
        }
        for (int i = 0; i < milestones.Count; i++)
            if (milestones[i] < 1 || (i > 0 && milestones[i] <= milestones[i - 1]))
                throw new ArgumentException($"milestones must be strictly increasing and >= 1, got [{string.Join(", ", milestones)}]", nameof(milestones));
        this.schedulers = schedulers.ToArray();
        this.milestones = milestones.ToArray();
        InitialStep();
    }

    /// <summary>The chained schedulers.</summary>
    public IReadOnlyList<LRScheduler> Schedulers => schedulers;

    private (int Index, int Local) Locate(int epoch)
    {
        int idx = 0;
        while (idx < milestones.Length && epoch >= milestones[idx]) idx++;
        return (idx, idx == 0 ? epoch : epoch - milestones[idx - 1]);
    }

    /// <inheritdoc />
    public override double LearningRateAt(int epoch, double baseLR)
    {
        var (idx, local) = Locate(epoch);
        return schedulers[idx].LearningRateAt(local, baseLR);
    }

    /// <summary>The active scheduler follows along (its <see cref="LRScheduler.LastEpoch"/> is its local epoch).</summary>
    private protected override void AfterApply()
    {
        var (idx, local) = Locate(LastEpoch);
        schedulers[idx].Seek(local);
    }

    /// <summary>
    /// Linear warm-up from <paramref name="warmupStartFactor"/>·lr to lr over
    /// <paramref name="warmupSteps"/> steps, then cosine annealing to <paramref name="etaMin"/> at
    /// <paramref name="totalSteps"/>: <c>SequentialLR([LinearLR, CosineAnnealingLR], [warmupSteps])</c>.
    /// </summary>
    public static SequentialLR WarmupCosine(Optimizer optimizer, int warmupSteps, int totalSteps,
        double warmupStartFactor = 1e-3, double etaMin = 0)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (warmupSteps < 1) throw new ArgumentException($"warmupSteps must be at least 1, got {warmupSteps}", nameof(warmupSteps));
        if (totalSteps <= warmupSteps)
            throw new ArgumentException($"totalSteps ({totalSteps}) must exceed warmupSteps ({warmupSteps})", nameof(totalSteps));
        var warmup = new LinearLR(optimizer, warmupStartFactor, 1.0, warmupSteps);
        var cosine = new CosineAnnealingLR(optimizer, totalSteps - warmupSteps, etaMin);
        return new SequentialLR(optimizer, [warmup, cosine], [warmupSteps]);
    }
}
