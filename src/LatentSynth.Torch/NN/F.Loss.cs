namespace LatentSynth.Torch.NN;

// Loss functions. Formulas are those of the PyTorch 1.13 documentation for the loss of the same
// name; l_n is the loss of element n and the reduction is applied to the l_n.
public static partial class F
{
    /// <summary>
    /// <c>F.binary_cross_entropy</c> on probabilities: l_n = -w_n [y_n log x_n + (1 - y_n) log(1 - x_n)],
    /// with the logarithms clamped at -100 as in PyTorch. <paramref name="input"/> holds
    /// probabilities in [0, 1] and <paramref name="target"/> must have its shape;
    /// <paramref name="weight"/> is broadcast to it.
    /// </summary>
    /// <exception cref="ArgumentException">target's shape differs from input's, or an unknown reduction.</exception>
    /// <exception cref="TorchException">input holds values outside [0, 1], or weight does not broadcast.</exception>
    public static Tensor BinaryCrossEntropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        CheckSameShape("binary_cross_entropy", input, target);
        return NativeMethods.Wrap(NativeMethods.lst_nn_binary_cross_entropy(input.Handle, target.Handle,
            NativeMethods.OptionalTensor(weight), ReductionCode(reduction)), "binary_cross_entropy");
    }

    /// <summary>
    /// <c>F.binary_cross_entropy_with_logits</c>: sigmoid and binary cross-entropy in one
    /// numerically stable step, l_n = -w_n [p y_n log σ(x_n) + (1 - y_n) log(1 - σ(x_n))], where
    /// <paramref name="posWeight"/> p (one value per class, broadcast along the last dimension)
    /// weighs the positive examples and <paramref name="weight"/> w is broadcast to the input.
    /// </summary>
    /// <exception cref="ArgumentException">target's shape differs from input's, or an unknown reduction.</exception>
    /// <exception cref="TorchException">weight or posWeight does not broadcast.</exception>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor? weight = null, Tensor? posWeight = null,
        Reduction reduction = Reduction.Mean)
    {
        CheckSameShape("binary_cross_entropy_with_logits", input, target);
        return NativeMethods.Wrap(NativeMethods.lst_nn_binary_cross_entropy_with_logits(input.Handle, target.Handle,
            NativeMethods.OptionalTensor(weight), NativeMethods.OptionalTensor(posWeight), ReductionCode(reduction)),
            "binary_cross_entropy_with_logits");
    }

    /// <summary>
    /// <c>F.mse_loss</c>: l_n = (x_n - y_n)^2. Input and target are broadcast against each other
    /// first, as PyTorch does (it warns when their shapes differ).
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast, or an unknown reduction.</exception>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        CheckBroadcast("mse_loss", input, target);
        return NativeMethods.Wrap(NativeMethods.lst_nn_mse_loss(input.Handle, target.Handle, ReductionCode(reduction)), "mse_loss");
    }

    /// <summary><c>F.l1_loss</c>: l_n = |x_n - y_n| (input and target broadcast first).</summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast, or an unknown reduction.</exception>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        CheckBroadcast("l1_loss", input, target);
        return NativeMethods.Wrap(NativeMethods.lst_nn_l1_loss(input.Handle, target.Handle, ReductionCode(reduction)), "l1_loss");
    }

    /// <summary>
    /// <c>F.smooth_l1_loss</c>: l_n = 0.5 (x_n - y_n)^2 / β where |x_n - y_n| &lt; β, else
    /// |x_n - y_n| - 0.5 β. <paramref name="beta"/> 0 gives the L1 loss.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast, a negative beta, or an unknown reduction.</exception>
    public static Tensor SmoothL1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1.0)
    {
        CheckBroadcast("smooth_l1_loss", input, target);
        if (!(beta >= 0)) throw new ArgumentException($"smooth_l1_loss: beta must be non-negative, got {beta}", nameof(beta));
        return NativeMethods.Wrap(NativeMethods.lst_nn_smooth_l1_loss(input.Handle, target.Handle, ReductionCode(reduction), beta),
            "smooth_l1_loss");
    }

    /// <summary>
    /// <c>F.huber_loss</c>: l_n = 0.5 (x_n - y_n)^2 where |x_n - y_n| &lt; δ, else
    /// δ (|x_n - y_n| - 0.5 δ).
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast, a non-positive delta, or an unknown reduction.</exception>
    public static Tensor HuberLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double delta = 1.0)
    {
        CheckBroadcast("huber_loss", input, target);
        if (!(delta > 0)) throw new ArgumentException($"huber_loss: delta must be positive, got {delta}", nameof(delta));
        return NativeMethods.Wrap(NativeMethods.lst_nn_huber_loss(input.Handle, target.Handle, ReductionCode(reduction), delta),
            "huber_loss");
    }

    /// <summary>
    /// <c>F.gaussian_nll_loss</c>: negative log-likelihood of <paramref name="target"/> under a
    /// Gaussian with mean <paramref name="input"/> and variance <paramref name="var"/>:
    /// l_n = 0.5 (log(max(var_n, eps)) + (x_n - y_n)^2 / max(var_n, eps)), plus 0.5 log(2π) when
    /// <paramref name="full"/>. The clamp at <paramref name="eps"/> is not differentiated (as in
    /// PyTorch). <paramref name="var"/> has the input's shape (heteroscedastic), or the input's
    /// shape without its last dimension or with 1 there (one variance per row, homoscedastic).
    /// </summary>
    /// <exception cref="ArgumentException">var has a shape that fits neither case, or an unknown reduction.</exception>
    /// <exception cref="TorchException">var has negative entries.</exception>
    public static Tensor GaussianNllLoss(Tensor input, Tensor target, Tensor var, bool full = false, double eps = 1e-6,
        Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(var);
        var xs = input.Shape;
        var vs = var.Shape;
        if (!xs.SequenceEqual(vs))
        {
            bool lead = xs.Length >= 1 && vs.Length >= 1;
            bool homoscedastic = lead && xs[..^1].SequenceEqual(vs);
            bool lastIsOne = lead && vs.Length == xs.Length && vs[^1] == 1 && xs[..^1].SequenceEqual(vs[..^1]);
            if (!homoscedastic && !lastIsOne)
                throw new ArgumentException(
                    $"gaussian_nll_loss: var of shape {ShapeText(vs)} does not fit input of shape {ShapeText(xs)}; " +
                    "var needs the input's shape, or the input's shape without its last dimension or with 1 there", nameof(var));
        }
        return NativeMethods.Wrap(NativeMethods.lst_nn_gaussian_nll_loss(input.Handle, target.Handle, var.Handle, full ? 1 : 0,
            eps, ReductionCode(reduction)), "gaussian_nll_loss");
    }

    /// <summary>
    /// <c>F.cross_entropy</c> between logits <paramref name="input"/> (C), (N, C) or (N, C, d1, ...)
    /// and <paramref name="target"/>, which holds either class indices (int64, the input's shape
    /// without the class dimension) or class probabilities (floating, the input's shape). With
    /// indices: l_n = -w_{y_n} log softmax(x_n)_{y_n}, skipping targets equal to
    /// <paramref name="ignoreIndex"/>, and the mean divides by the summed weights of the counted
    /// targets. With probabilities: l_n = -Σ_c w_c y_{n,c} log softmax(x_n)_c, and the mean divides
    /// by the number of samples. <paramref name="labelSmoothing"/> ε mixes the target with the
    /// uniform distribution: (1 - ε) target + ε / C.
    /// </summary>
    /// <exception cref="ArgumentException">target has the wrong shape or dtype, labelSmoothing is
    /// outside [0, 1], or an unknown reduction.</exception>
    /// <exception cref="TorchException">A class index is out of range, or weight is not (C).</exception>
    public static Tensor CrossEntropy(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = -100,
        Reduction reduction = Reduction.Mean, double labelSmoothing = 0)
    {
        CheckClassTarget("cross_entropy", input, target, allowProbabilities: true);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentException($"cross_entropy: labelSmoothing must be in [0, 1], got {labelSmoothing}", nameof(labelSmoothing));
        return NativeMethods.Wrap(NativeMethods.lst_nn_cross_entropy(input.Handle, target.Handle, NativeMethods.OptionalTensor(weight),
            ReductionCode(reduction), ignoreIndex, labelSmoothing), "cross_entropy");
    }

    /// <summary>
    /// <c>F.nll_loss</c>: negative log-likelihood of class indices <paramref name="target"/>
    /// (int64, the input's shape without the class dimension) given log-probabilities
    /// <paramref name="input"/> (C), (N, C) or (N, C, d1, ...): l_n = -w_{y_n} x_{n, y_n}, skipping
    /// targets equal to <paramref name="ignoreIndex"/>; the mean divides by the summed weights of
    /// the counted targets.
    /// </summary>
    /// <exception cref="ArgumentException">target has the wrong shape or dtype, or an unknown reduction.</exception>
    /// <exception cref="TorchException">A class index is out of range, or weight is not (C).</exception>
    public static Tensor NllLoss(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = -100,
        Reduction reduction = Reduction.Mean)
    {
        CheckClassTarget("nll_loss", input, target, allowProbabilities: false);
        return NativeMethods.Wrap(NativeMethods.lst_nn_nll_loss(input.Handle, target.Handle, NativeMethods.OptionalTensor(weight),
            ReductionCode(reduction), ignoreIndex), "nll_loss");
    }

    /// <summary>
    /// <c>F.kl_div</c>: Kullback-Leibler divergence with <paramref name="input"/> as
    /// log-probabilities: l_n = y_n (log y_n - x_n), or exp(y_n) (y_n - x_n) when
    /// <paramref name="logTarget"/> (target also given as log-probabilities). Note that
    /// <see cref="Reduction.Mean"/> averages over every element; the mathematically usual
    /// per-sample mean is <see cref="KlDivBatchMean"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast, or an unknown reduction.</exception>
    public static Tensor KlDiv(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, bool logTarget = false)
    {
        CheckBroadcast("kl_div", input, target);
        return NativeMethods.Wrap(NativeMethods.lst_nn_kl_div(input.Handle, target.Handle, ReductionCode(reduction), logTarget ? 1 : 0),
            "kl_div");
    }

    /// <summary>
    /// <c>F.kl_div(..., reduction='batchmean')</c>: the summed divergence (see <see cref="KlDiv"/>)
    /// divided by the batch size <c>input.size(0)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public static Tensor KlDivBatchMean(Tensor input, Tensor target, bool logTarget = false)
    {
        CheckBroadcast("kl_div", input, target);
        return NativeMethods.Wrap(NativeMethods.lst_nn_kl_div(input.Handle, target.Handle, 3, logTarget ? 1 : 0), "kl_div");
    }

    private static void CheckSameShape(string name, Tensor input, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        var xs = input.Shape;
        var ts = target.Shape;
        if (!xs.SequenceEqual(ts))
            throw new ArgumentException(
                $"{name}: target of shape {ShapeText(ts)} must have the same shape as input {ShapeText(xs)}", nameof(target));
    }

    private static void CheckBroadcast(string name, Tensor input, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        var xs = input.Shape;
        var ts = target.Shape;
        if (!Broadcastable(xs, ts))
            throw new ArgumentException(
                $"{name}: target of shape {ShapeText(ts)} does not broadcast with input of shape {ShapeText(xs)}", nameof(target));
    }

    private static void CheckClassTarget(string name, Tensor input, Tensor target, bool allowProbabilities)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        var xs = input.Shape;
        var ts = target.Shape;
        if (xs.Length == 0)
            throw new ArgumentException($"{name}: input needs a class dimension: (C), (N, C) or (N, C, d1, ...), got a 0-D tensor", nameof(input));
        int classDim = xs.Length == 1 ? 0 : 1;
        var indexShape = xs.Where((_, i) => i != classDim).ToArray();
        var dtype = target.DType;
        if (dtype.IsFloatingPoint() && allowProbabilities)
        {
            if (!xs.SequenceEqual(ts))
                throw new ArgumentException(
                    $"{name}: class-probability targets (floating point) must have the input's shape {ShapeText(xs)}, got {ShapeText(ts)}; " +
                    $"class-index targets are int64 of shape {ShapeText(indexShape)}", nameof(target));
            return;
        }
        if (dtype != DType.Int64)
        {
            string want = allowProbabilities ? "int64 class indices or floating-point class probabilities" : "int64 class indices";
            throw new ArgumentException(
                $"{name}: target must hold {want}, got dtype {dtype.TorchName()}; convert with To(DType.Int64)", nameof(target));
        }
        if (!indexShape.SequenceEqual(ts))
            throw new ArgumentException(
                $"{name}: class-index target must have shape {ShapeText(indexShape)} (the input's {ShapeText(xs)} without the class dimension), " +
                $"got {ShapeText(ts)}", nameof(target));
    }
}
