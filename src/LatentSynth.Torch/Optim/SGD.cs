namespace LatentSynth.Torch.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, L2 weight decay and Nesterov
/// momentum (<c>torch.optim.SGD</c>). As in PyTorch the learning rate has no default.
/// State per parameter (with momentum only): <c>momentum_buffer</c>.
/// </summary>
public sealed class SGD : Optimizer
{
    /// <summary>Creates the optimizer over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to train (leaves, floating point).</param>
    /// <param name="lr">Learning rate (≥ 0).</param>
    /// <param name="momentum">Momentum factor (≥ 0).</param>
    /// <param name="dampening">Dampening of the momentum (0 for Nesterov).</param>
    /// <param name="weightDecay">L2 penalty coefficient (≥ 0).</param>
    /// <param name="nesterov">Nesterov momentum (needs momentum &gt; 0 and dampening 0).</param>
    public unsafe SGD(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false)
        : base(Checked(parameters, lr, momentum, dampening, weightDecay, nesterov),
            (p, n) => NativeMethods.lst_optim_sgd_new(p, n, lr, momentum, dampening, weightDecay, nesterov ? 1 : 0))
    {
    }

    private static IEnumerable<Tensor> Checked(IEnumerable<Tensor> parameters, double lr, double momentum,
        double dampening, double weightDecay, bool nesterov)
    {
        if (Check(OptionSet(("lr", lr), ("momentum", momentum), ("dampening", dampening),
                ("weight_decay", weightDecay), ("nesterov", nesterov ? 1 : 0))) is { } bad)
            throw new ArgumentException(bad.Message, bad.Argument);
        return parameters;
    }

    private static (string Message, string Argument)? Check(IReadOnlyDictionary<string, double> o)
    {
        if (!(o["lr"] >= 0)) return ($"Invalid learning rate: {o["lr"]}", "lr");
        if (!(o["momentum"] >= 0)) return ($"Invalid momentum value: {o["momentum"]}", "momentum");
        if (!double.IsFinite(o["dampening"])) return ($"Invalid dampening value: {o["dampening"]}", "dampening");
        if (!(o["weight_decay"] >= 0)) return ($"Invalid weight_decay value: {o["weight_decay"]}", "weightDecay");
        if (o["nesterov"] != 0 && (o["momentum"] <= 0 || o["dampening"] != 0))
            return ($"Nesterov momentum requires a momentum and zero dampening (momentum {o["momentum"]}, dampening {o["dampening"]})", "nesterov");
        return null;
    }

    private static readonly string[] Names = ["lr", "momentum", "dampening", "weight_decay", "nesterov"];
    private static readonly string[] WithMomentum = ["momentum_buffer"];

    private protected override string[] OptionNames => Names;

    private protected override bool IsFlag(string option) => option == "nesterov";

    private protected override (string Message, string Argument)? Validate(IReadOnlyDictionary<string, double> options) => Check(options);

    private protected override string[] StateNames(IReadOnlyDictionary<string, double> options) =>
        options["momentum"] != 0 ? WithMomentum : [];

    /// <summary>Momentum factor (≥ 0).</summary>
    public double Momentum
    {
        get => GetOption("momentum");
        set => SetOption("momentum", value);
    }

    /// <summary>Dampening of the momentum.</summary>
    public double Dampening
    {
        get => GetOption("dampening");
        set => SetOption("dampening", value);
    }

    /// <summary>L2 penalty coefficient (≥ 0).</summary>
    public double WeightDecay
    {
        get => GetOption("weight_decay");
        set => SetOption("weight_decay", value);
    }

    /// <summary>Whether Nesterov momentum is used (fixed at construction).</summary>
    public bool Nesterov => GetOption("nesterov") != 0;

    private protected override List<(string Name, Tensor Tensor)> GetState(int index)
    {
        int r = NativeMethods.lst_optim_sgd_get_state(NativeHandle, index, out var buf);
        NativeMethods.Check(r, TypeName + ".state");
        var list = new List<(string, Tensor)>();
        if (NativeMethods.WrapRaw([buf])[0] is { } t) list.Add(("momentum_buffer", t));
        return list;
    }

    private protected override void SetState(int index, long step, IReadOnlyDictionary<string, Tensor> state) =>
        NativeMethods.Check(NativeMethods.lst_optim_sgd_set_state(NativeHandle, index, state["momentum_buffer"].Handle), TypeName + ".load_state");
}
