namespace LatentSynth.Torch.Optim;

/// <summary>
/// Adam (<c>torch.optim.Adam</c>, Kingma and Ba 2014): per-parameter first and second moment
/// estimates with bias correction; <c>weightDecay</c> is L2 regularisation added to the gradient.
/// Defaults are PyTorch's: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay, no AMSGrad.
/// State per parameter: <c>step</c>, <c>exp_avg</c>, <c>exp_avg_sq</c> and, with AMSGrad,
/// <c>max_exp_avg_sq</c>.
/// </summary>
public class Adam : Optimizer
{
    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to train (leaves, floating point), e.g. <c>model.Parameters()</c>.</param>
    /// <param name="lr">Learning rate (≥ 0).</param>
    /// <param name="betas">Decay rates of the moment estimates, each in [0, 1); default (0.9, 0.999).</param>
    /// <param name="eps">Added to the denominator for numerical stability (≥ 0).</param>
    /// <param name="weightDecay">L2 penalty coefficient (≥ 0).</param>
    /// <param name="amsgrad">Use the AMSGrad variant (the running maximum of the second moment).</param>
    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 0, bool amsgrad = false)
        : this(parameters, lr, betas ?? (0.9, 0.999), eps, weightDecay, amsgrad, decoupled: false)
    {
    }

    private protected unsafe Adam(IEnumerable<Tensor> parameters, double lr, (double Beta1, double Beta2) betas,
        double eps, double weightDecay, bool amsgrad, bool decoupled)
        : base(Checked(parameters, lr, betas, eps, weightDecay),
            (p, n) => NativeMethods.lst_optim_adam_new(p, n, lr, betas.Beta1, betas.Beta2, eps, weightDecay, amsgrad ? 1 : 0, decoupled ? 1 : 0))
    {
    }

    // Arguments are checked before the native optimizer exists (libtorch's own checks would raise
    // TorchException; these raise ArgumentException naming the argument, with PyTorch's wording).
    private static IEnumerable<Tensor> Checked(IEnumerable<Tensor> parameters, double lr, (double, double) betas,
        double eps, double weightDecay)
    {
        if (Check(OptionSet(("lr", lr), ("beta1", betas.Item1), ("beta2", betas.Item2), ("eps", eps),
                ("weight_decay", weightDecay), ("amsgrad", 0))) is { } bad)
            throw new ArgumentException(bad.Message, bad.Argument);
        return parameters;
    }

    private static (string Message, string Argument)? Check(IReadOnlyDictionary<string, double> o)
    {
        if (!(o["lr"] >= 0)) return ($"Invalid learning rate: {o["lr"]}", "lr");
        if (!(o["eps"] >= 0)) return ($"Invalid epsilon value: {o["eps"]}", "eps");
        if (!(o["beta1"] >= 0 && o["beta1"] < 1)) return ($"Invalid beta parameter at index 0: {o["beta1"]} (betas must lie in [0, 1))", "betas");
        if (!(o["beta2"] >= 0 && o["beta2"] < 1)) return ($"Invalid beta parameter at index 1: {o["beta2"]} (betas must lie in [0, 1))", "betas");
        if (!(o["weight_decay"] >= 0)) return ($"Invalid weight_decay value: {o["weight_decay"]}", "weightDecay");
        return null;
    }

    private static readonly string[] Names = ["lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad"];
    private static readonly string[] StateWithoutMax = ["step", "exp_avg", "exp_avg_sq"];
    private static readonly string[] StateWithMax = ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"];

    private protected override string[] OptionNames => Names;

    private protected override bool IsFlag(string option) => option == "amsgrad";

    private protected override (string Message, string Argument)? Validate(IReadOnlyDictionary<string, double> options) => Check(options);

    private protected override string[] StateNames(IReadOnlyDictionary<string, double> options) =>
        options["amsgrad"] != 0 ? StateWithMax : StateWithoutMax;

    /// <summary>Decay rates of the first and second moment estimates (<c>betas</c>), each in [0, 1).</summary>
    public (double Beta1, double Beta2) Betas
    {
        get => (GetOption("beta1"), GetOption("beta2"));
        set
        {
            if (Check(OptionSet(("lr", LearningRate), ("beta1", value.Beta1), ("beta2", value.Beta2), ("eps", Eps),
                    ("weight_decay", WeightDecay), ("amsgrad", 0))) is { } bad)
                throw new ArgumentException(bad.Message, nameof(value));
            SetOption("beta1", value.Beta1);
            SetOption("beta2", value.Beta2);
        }
    }

    /// <summary>Term added to the denominator (<c>eps</c>, ≥ 0).</summary>
    public double Eps
    {
        get => GetOption("eps");
        set => SetOption("eps", value);
    }

    /// <summary>Weight decay coefficient (<c>weight_decay</c>, ≥ 0): L2 for Adam, decoupled for AdamW.</summary>
    public double WeightDecay
    {
        get => GetOption("weight_decay");
        set => SetOption("weight_decay", value);
    }

    /// <summary>Whether the AMSGrad variant is used (fixed at construction).</summary>
    public bool Amsgrad => GetOption("amsgrad") != 0;

    private protected override unsafe List<(string Name, Tensor Tensor)> GetState(int index)
    {
        int r = NativeMethods.lst_optim_adam_get_state(NativeHandle, index, out var step, out var m, out var v, out var vmax);
        NativeMethods.Check(r, TypeName + ".state");
        var raw = NativeMethods.WrapRaw([m, v, vmax]);
        var list = new List<(string, Tensor)>();
        if (r == 0) return list;
        list.Add(("step", Tensor.Scalar(step)));
        list.Add(("exp_avg", raw[0]!));
        list.Add(("exp_avg_sq", raw[1]!));
        if (raw[2] is { } max) list.Add(("max_exp_avg_sq", max));
        return list;
    }

    private protected override void SetState(int index, long step, IReadOnlyDictionary<string, Tensor> state) =>
        NativeMethods.Check(NativeMethods.lst_optim_adam_set_state(NativeHandle, index, step, state["exp_avg"].Handle,
            state["exp_avg_sq"].Handle, NativeMethods.OptionalTensor(state.GetValueOrDefault("max_exp_avg_sq"))), TypeName + ".load_state");
}

/// <summary>
/// AdamW (<c>torch.optim.AdamW</c>, Loshchilov and Hutter 2017): Adam with decoupled weight decay,
/// each step first shrinking the parameters by <c>1 − lr·weightDecay</c>. Defaults are PyTorch's:
/// lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 1e-2, no AMSGrad. Same state as
/// <see cref="Adam"/>.
/// </summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer over <paramref name="parameters"/> (arguments as for <see cref="Adam"/>).</summary>
    /// <param name="parameters">The tensors to train (leaves, floating point).</param>
    /// <param name="lr">Learning rate (≥ 0).</param>
    /// <param name="betas">Decay rates of the moment estimates, each in [0, 1); default (0.9, 0.999).</param>
    /// <param name="eps">Added to the denominator for numerical stability (≥ 0).</param>
    /// <param name="weightDecay">Decoupled weight decay coefficient (≥ 0).</param>
    /// <param name="amsgrad">Use the AMSGrad variant.</param>
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false)
        : base(parameters, lr, betas ?? (0.9, 0.999), eps, weightDecay, amsgrad, decoupled: true)
    {
    }
}
