namespace LatentSynth.Torch.NN;

/// <summary>
/// Shared part of BatchNorm1d/2d: learnable <c>weight</c> (ones) and <c>bias</c> (zeros), buffers
/// <c>running_mean</c> (zeros), <c>running_var</c> (ones) and <c>num_batches_tracked</c> (int64),
/// named as in PyTorch. In training mode batch statistics are used and the running ones updated
/// with <see cref="Momentum"/>; in evaluation mode the running statistics are used.
/// </summary>
public abstract class BatchNormBase : Module<Tensor, Tensor>
{
    private readonly int[] acceptedRanks;

    private protected BatchNormBase(long numFeatures, double eps, double momentum, bool affine, bool trackRunningStats,
        DType dtype, int[] acceptedRanks)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numFeatures);
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be positive");
        if (!(momentum >= 0 && momentum <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be in [0, 1]");
        this.acceptedRanks = acceptedRanks;
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        if (affine)
        {
            Weight = RegisterParameter("weight", new Parameter(Torch.Ones([numFeatures], dtype)));
            Bias = RegisterParameter("bias", new Parameter(Torch.Zeros([numFeatures], dtype)));
        }
        if (trackRunningStats)
        {
            RunningMean = RegisterBuffer("running_mean", Torch.Zeros([numFeatures], dtype).DetachFromScope());
            RunningVar = RegisterBuffer("running_var", Torch.Ones([numFeatures], dtype).DetachFromScope());
            NumBatchesTracked = RegisterBuffer("num_batches_tracked", Torch.Zeros([], DType.Int64).DetachFromScope());
        }
    }

    /// <summary>Channels (C of an (N, C, …) input).</summary>
    public long NumFeatures { get; }
    /// <summary>Added to the variance for stability.</summary>
    public double Eps { get; }
    /// <summary>Weight of the batch statistics in the running averages.</summary>
    public double Momentum { get; }
    /// <summary>Scale γ, or null without affine.</summary>
    public Parameter? Weight { get; }
    /// <summary>Shift β, or null without affine.</summary>
    public Parameter? Bias { get; }
    /// <summary>Running mean, or null when not tracking.</summary>
    public Tensor? RunningMean { get; }
    /// <summary>Running (unbiased) variance, or null when not tracking.</summary>
    public Tensor? RunningVar { get; }
    /// <summary>Number of training batches seen, or null when not tracking.</summary>
    public Tensor? NumBatchesTracked { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        int rank = input.Dim;
        if (!acceptedRanks.Contains(rank))
            throw new ArgumentException(
                $"{GetType().Name} expects a {string.Join(" or ", acceptedRanks.Select(r => r + "-D"))} input, got shape [{string.Join(", ", input.Shape)}]",
                nameof(input));
        bool useBatchStats = Training || RunningMean is null;
        if (Training && NumBatchesTracked is not null)
            using (Torch.NoGrad()) NumBatchesTracked.Add_(1L);
        return F.BatchNorm(input, RunningMean, RunningVar, Weight, Bias, useBatchStats, Momentum, Eps);
    }

    /// <inheritdoc />
    protected override string ExtraRepr() =>
        $"{Repr.Int(NumFeatures)}, eps={Repr.Float(Eps)}, momentum={Repr.Float(Momentum)}, affine={Repr.Bool(Weight is not null)}, " +
        $"track_running_stats={Repr.Bool(RunningMean is not null)}";
}

/// <summary><c>nn.BatchNorm1d</c> over (N, C) or (N, C, L) inputs.</summary>
public sealed class BatchNorm1d : BatchNormBase
{
    /// <summary>Creates the layer with PyTorch's defaults.</summary>
    public BatchNorm1d(long numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = true,
        bool trackRunningStats = true, DType dtype = DType.Float32)
        : base(numFeatures, eps, momentum, affine, trackRunningStats, dtype, [2, 3]) { }
}

/// <summary><c>nn.BatchNorm2d</c> over (N, C, H, W) inputs.</summary>
public sealed class BatchNorm2d : BatchNormBase
{
    /// <summary>Creates the layer with PyTorch's defaults.</summary>
    public BatchNorm2d(long numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = true,
        bool trackRunningStats = true, DType dtype = DType.Float32)
        : base(numFeatures, eps, momentum, affine, trackRunningStats, dtype, [4]) { }
}

/// <summary>
/// <c>nn.LayerNorm</c>: normalises over the trailing <see cref="NormalizedShape"/> dimensions, then
/// scales by <c>weight</c> (ones) and shifts by <c>bias</c> (zeros) when elementwise-affine.
/// </summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with PyTorch's defaults.</summary>
    public LayerNorm(long[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true, DType dtype = DType.Float32)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0 || normalizedShape.Any(s => s <= 0))
            throw new ArgumentException($"normalizedShape must be non-empty and positive, got [{string.Join(", ", normalizedShape)}]", nameof(normalizedShape));
        NormalizedShape = normalizedShape.ToArray();
        Eps = eps;
        if (elementwiseAffine)
        {
            Weight = RegisterParameter("weight", new Parameter(Torch.Ones(NormalizedShape, dtype)));
            Bias = RegisterParameter("bias", new Parameter(Torch.Zeros(NormalizedShape, dtype)));
        }
    }

    /// <summary>Creates the layer normalising over the last dimension of size <paramref name="size"/>.</summary>
    public LayerNorm(long size, double eps = 1e-5, bool elementwiseAffine = true, DType dtype = DType.Float32)
        : this([PositiveSize(size)], eps, elementwiseAffine, dtype) { }

    private static long PositiveSize(long size, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(size))] string? name = null) =>
        size > 0 ? size : throw new ArgumentOutOfRangeException(name, size, "the normalised size must be positive");

    /// <summary>The trailing shape normalised over.</summary>
    public long[] NormalizedShape { get; }
    /// <summary>Added to the variance for stability.</summary>
    public double Eps { get; }
    /// <summary>Scale, or null.</summary>
    public Parameter? Weight { get; }
    /// <summary>Shift, or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.LayerNorm(input, NormalizedShape, Weight, Bias, Eps);

    /// <inheritdoc />
    protected override string ExtraRepr() =>
        $"{Repr.Tuple(NormalizedShape)}, eps={Repr.Float(Eps)}, elementwise_affine={Repr.Bool(Weight is not null)}";
}

/// <summary><c>nn.Dropout</c>: zeroes elements with probability <see cref="P"/> in training mode and
/// scales the rest by 1/(1-p); the identity in evaluation mode.</summary>
public sealed class Dropout : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    public Dropout(double p = 0.5)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1]");
        P = p;
    }

    /// <summary>Drop probability.</summary>
    public double P { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => F.Dropout(input, P, Training);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"p={Repr.Float(P)}, inplace=False";
}
