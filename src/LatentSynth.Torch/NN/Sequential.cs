namespace LatentSynth.Torch.NN;

/// <summary>
/// Runs its children one after another, each on the previous one's output (<c>nn.Sequential</c>).
/// Children are named <c>"0"</c>, <c>"1"</c>, … in order (or given explicit names), so a
/// Sequential's state dict keys are PyTorch's (<c>0.weight</c>, <c>encoder.1.bias</c>).
/// Intermediate outputs are not disposed here: they belong to the current
/// <see cref="DisposeScope"/>, as any tensor an operation creates.
/// </summary>
public class Sequential : Module<Tensor, Tensor>
{
    /// <summary>An empty Sequential (its forward returns the input); add children with <see cref="Append"/>.</summary>
    public Sequential()
    {
    }

    /// <summary>A Sequential of <paramref name="modules"/>, named "0", "1", … .</summary>
    public Sequential(params Module<Tensor, Tensor>[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules) Append(m);
    }

    /// <summary>A Sequential of named children (PyTorch's <c>Sequential(OrderedDict(...))</c>).</summary>
    public Sequential(params (string Name, Module<Tensor, Tensor> Module)[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var (name, m) in modules)
        {
            if (NamedChildren().Any(c => c.Name == name))
                throw new ArgumentException($"two children are named '{name}'", nameof(modules));
            RegisterModule(name, m);
        }
    }

    /// <summary>Adds <paramref name="module"/> at the end under the name of its position; returns this.</summary>
    public Sequential Append(Module<Tensor, Tensor> module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var name = RegisteredChildren().Count().ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (NamedChildren().Any(c => c.Name == name))
            throw new InvalidOperationException($"cannot append: a child is already named '{name}' (explicitly named children clash with positional names)");
        RegisterModule(name, module);
        return this;
    }

    /// <summary>Number of children.</summary>
    public int Count => RegisteredChildren().Count();

    /// <summary>The child at <paramref name="index"/> (negative counts from the end).</summary>
    public Module<Tensor, Tensor> this[int index]
    {
        get
        {
            var all = RegisteredChildren().ToList();
            int i = index < 0 ? index + all.Count : index;
            if (i < 0 || i >= all.Count)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"Sequential has {all.Count} children");
            return AsStep(all[i], i);
        }
    }

    /// <summary>Feeds <paramref name="input"/> through every child in order and returns the last output
    /// (the input itself when there are no children).</summary>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        int i = 0;
        foreach (var child in RegisteredChildren()) x = AsStep(child, i++).Call(x);
        return x;
    }

    private static Module<Tensor, Tensor> AsStep(Module m, int index) =>
        m as Module<Tensor, Tensor> ?? throw new InvalidOperationException(
            $"child {index} of Sequential is a {m.GetType().Name}, not a Module<Tensor, Tensor>, so it cannot be chained");
}
