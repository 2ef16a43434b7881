using System.Diagnostics.CodeAnalysis;
using System.Text;
using LatentSynth.Torch.IO;

namespace LatentSynth.Torch.NN;

/// <summary>
/// Base class of every layer and model (<c>torch.nn.Module</c>).
/// </summary>
/// <remarks>
/// <para><b>Registration.</b> A module declares its state explicitly, where PyTorch discovers it
/// through attribute assignment: <see cref="RegisterParameter"/> (learnable tensors),
/// <see cref="RegisterBuffer"/> (non-learnable state such as running statistics; persistent
/// buffers are saved, others are not) and <see cref="RegisterModule{T}"/> (children). Each
/// returns what it registered, so a layer writes
/// <c>weight = RegisterParameter("weight", new Parameter(w));</c>. Names are unique across the
/// three kinds, non-empty and without dots; registering a name again within the same kind
/// replaces the entry in place (the old value is not disposed: it may still be in use).</para>
/// <para><b>Names.</b> Every enumeration uses PyTorch's dotted paths and order, so the keys of
/// <see cref="StateDict()"/> are those of PyTorch's <c>state_dict()</c> for the same tree
/// (<c>encoder.0.weight</c>): a module's own parameters in registration order, then its
/// persistent buffers, then each child's entries under <c>child_name.</c>.
/// <see cref="NamedParameters"/> lists parameters module by module in pre-order and skips a
/// parameter (or module) already seen, as PyTorch does for shared weights.</para>
/// <para><b>Ownership.</b> The module owns its parameters, buffers and children:
/// <see cref="Dispose()"/> disposes all of them (a shared one is disposed once, harmlessly).
/// Parameters and buffers never belong to a <see cref="DisposeScope"/>, so a model built inside
/// a scope survives it. Everything the module hands out (<see cref="StateDict()"/> entries) is a
/// new handle owned by the caller or by the current scope.</para>
/// <para><b>Persistence.</b> <see cref="Save"/> and <see cref="Load"/> write and read the state
/// dict as a safetensors file. Loading validates everything before changing anything: missing
/// and (in strict mode) unexpected keys, shape and dtype mismatches are all reported together in
/// one <see cref="StateDictException"/> naming the file and every offending tensor; then values
/// are copied in place under no-grad, so parameters keep their identity (optimizers built on them
/// stay valid).</para>
/// <para>Modules are not thread-safe; use one from one thread at a time.</para>
/// </remarks>
public abstract class Module : IDisposable
{
    private readonly OrderedDictionary<string, Parameter?> parameters = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, Tensor?> buffers = new(StringComparer.Ordinal);
    private readonly HashSet<string> nonPersistent = new(StringComparer.Ordinal);
    private readonly OrderedDictionary<string, Module> modules = new(StringComparer.Ordinal);
    private bool disposed;

    /// <summary>Whether the module is in training mode (<c>module.training</c>); true when created.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>True once <see cref="Dispose()"/> has run.</summary>
    public bool IsDisposed => disposed;

    // ---- registration ------------------------------------------------------------------------

    /// <summary>
    /// Registers (or replaces) the parameter <paramref name="name"/> (<c>register_parameter</c>).
    /// Null records the name without a tensor (an optional parameter that is absent, such as a
    /// disabled bias); it is then skipped everywhere. Returns <paramref name="parameter"/>.
    /// </summary>
    [return: NotNullIfNotNull(nameof(parameter))]
    public Parameter? RegisterParameter(string name, Parameter? parameter)
    {
        CheckName(name, "parameter");
        CheckNotTaken(name, "parameter");
        if (parameter is not null && parameter.IsDisposed)
            throw new ArgumentException($"parameter '{name}' is disposed", nameof(parameter));
        parameters[name] = parameter;
        return parameter;
    }

    /// <summary>
    /// Registers (or replaces) the buffer <paramref name="name"/> (<c>register_buffer</c>): state
    /// that is not trained. Persistent buffers are part of <see cref="StateDict()"/>; others are
    /// not. The module takes ownership of the tensor (it leaves any dispose scope). Null records
    /// the name without a tensor. Returns <paramref name="tensor"/>.
    /// </summary>
    [return: NotNullIfNotNull(nameof(tensor))]
    public Tensor? RegisterBuffer(string name, Tensor? tensor, bool persistent = true)
    {
        CheckName(name, "buffer");
        CheckNotTaken(name, "buffer");
        if (tensor is not null)
        {
            if (tensor.IsDisposed) throw new ArgumentException($"buffer '{name}' is disposed", nameof(tensor));
            if (tensor is Parameter)
                throw new ArgumentException($"'{name}' is a Parameter; register it with RegisterParameter", nameof(tensor));
            tensor.DetachFromScope();
        }
        buffers[name] = tensor;
        if (persistent) nonPersistent.Remove(name);
        else nonPersistent.Add(name);
        return tensor;
    }

    /// <summary>Registers (or replaces) the child module <paramref name="name"/> (<c>register_module</c>); returns it.</summary>
    public T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckName(name, "module");
        CheckNotTaken(name, "module");
        ArgumentNullException.ThrowIfNull(module);
        if (module.disposed) throw new ArgumentException($"module '{name}' is disposed", nameof(module));
        if (module.NamedModules().Any(m => ReferenceEquals(m.Module, this)))
            throw new ArgumentException($"registering '{name}' would make the module tree a cycle", nameof(module));
        modules[name] = module;
        return module;
    }

    private static void CheckName(string name, string kind)
    {
        ArgumentNullException.ThrowIfNull(name, nameof(name));
        if (name.Length == 0) throw new ArgumentException($"{kind} name can't be an empty string", nameof(name));
        if (name.Contains('.')) throw new ArgumentException($"{kind} name can't contain \".\" (got '{name}')", nameof(name));
    }

    private void CheckNotTaken(string name, string kind)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        string? other = kind != "parameter" && parameters.ContainsKey(name) ? "parameter"
            : kind != "buffer" && buffers.ContainsKey(name) ? "buffer"
            : kind != "module" && modules.ContainsKey(name) ? "module"
            : null;
        if (other is not null)
            throw new ArgumentException($"attribute '{name}' already exists as a {other} of {TypeName}; a name can hold one kind only", nameof(name));
    }

    // ---- enumeration -------------------------------------------------------------------------

    /// <summary>
    /// Every module of the tree in pre-order, this one first under <paramref name="prefix"/>
    /// (<c>named_modules</c>); a module reachable twice is listed once.
    /// </summary>
    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        return Walk(this, prefix, seen);

        static IEnumerable<(string, Module)> Walk(Module m, string prefix, HashSet<Module> seen)
        {
            if (!seen.Add(m)) yield break;
            yield return (prefix, m);
            foreach (var (name, child) in m.modules)
                foreach (var item in Walk(child, Join(prefix, name), seen))
                    yield return item;
        }
    }

    /// <summary>Every module of the tree, this one first (<c>modules()</c>).</summary>
    public IEnumerable<Module> Modules() => NamedModules().Select(m => m.Module);

    /// <summary>The direct children with their names, in registration order (<c>named_children</c>).</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        foreach (var (name, child) in modules)
            if (seen.Add(child)) yield return (name, child);
    }

    /// <summary>The direct children in registration order (<c>children()</c>).</summary>
    public IEnumerable<Module> Children() => NamedChildren().Select(c => c.Module);

    /// <summary>Direct children in registration order, a child registered twice appearing twice.</summary>
    private protected IEnumerable<Module> RegisteredChildren() => modules.Values;

    /// <summary>
    /// Parameters with their dotted names (<c>named_parameters</c>): this module's own, then, with
    /// <paramref name="recurse"/>, every descendant's in pre-order. A shared parameter is listed once.
    /// The tensors are the module's own (not copies): do not dispose them.
    /// </summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters(bool recurse = true)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, m) in recurse ? NamedModules() : [("", this)])
            foreach (var (name, p) in m.parameters)
                if (p is not null && seen.Add(p)) yield return (Join(prefix, name), p);
    }

    /// <summary>The parameters (<c>parameters()</c>), what an optimizer is given.</summary>
    public IEnumerable<Parameter> Parameters(bool recurse = true) => NamedParameters(recurse).Select(p => p.Parameter);

    /// <summary>
    /// Buffers with their dotted names, persistent or not (<c>named_buffers</c>), in the same
    /// order as <see cref="NamedParameters"/>. The tensors are the module's own: do not dispose them.
    /// </summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(bool recurse = true)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, m) in recurse ? NamedModules() : [("", this)])
            foreach (var (name, b) in m.buffers)
                if (b is not null && seen.Add(b)) yield return (Join(prefix, name), b);
    }

    /// <summary>The buffers (<c>buffers()</c>).</summary>
    public IEnumerable<Tensor> Buffers(bool recurse = true) => NamedBuffers(recurse).Select(b => b.Buffer);

    /// <summary>Total number of elements over all parameters (shared ones counted once).</summary>
    public long ParameterCount => Parameters().Sum(p => p.NumEl);

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    // ---- modes and gradients -----------------------------------------------------------------

    /// <summary>Sets training mode on this module and every descendant (<c>train(mode)</c>); returns this.</summary>
    public Module Train(bool mode = true)
    {
        Training = mode;
        foreach (var child in modules.Values) child.Train(mode);
        return this;
    }

    /// <summary>Evaluation mode (<c>eval()</c>): <c>Train(false)</c>. Returns this.</summary>
    public Module Eval() => Train(false);

    /// <summary>
    /// Evaluation mode until the returned scope is disposed, then the previous mode again; gradients stay as they
    /// are (for work that differentiates through a frozen model, such as a geodesic). Use with <c>using</c>.
    /// </summary>
    public EvalModeScope EvalScope() => new(this, noGrad: false);

    /// <summary>
    /// Inference: evaluation mode and no gradients until the returned scope is disposed, then the previous training
    /// and gradient modes again (<c>model.eval()</c> under <c>torch.no_grad()</c>). Use with <c>using</c>.
    /// </summary>
    public EvalModeScope Inference() => new(this, noGrad: true);

    /// <summary>
    /// Clears every parameter's gradient (<c>zero_grad</c>): drops it (default, as PyTorch 2
    /// does) or, with <paramref name="setToNone"/> false, fills it with zeros.
    /// </summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var p in Parameters()) p.ZeroGrad(setToNone);
    }

    /// <summary>Calls <paramref name="fn"/> on every descendant, children first, then on this module
    /// (<c>apply</c>): the usual way to initialise a whole model. Returns this.</summary>
    public Module Apply(Action<Module> fn)
    {
        ArgumentNullException.ThrowIfNull(fn);
        foreach (var child in Children()) child.Apply(fn);
        fn(this);
        return this;
    }

    // ---- state dict --------------------------------------------------------------------------

    /// <summary>
    /// The module's state (<c>state_dict()</c>): every parameter and persistent buffer under its
    /// dotted name, in PyTorch's order, as detached aliases (they share storage with the module:
    /// clone them for a snapshot). The handles belong to the caller (or the current scope):
    /// dispose the returned dictionary.
    /// </summary>
    public StateDict StateDict()
    {
        var dict = new StateDict();
        try
        {
            foreach (var (key, tensor) in StateEntries()) dict[key] = tensor.Detach();
        }
        catch
        {
            dict.Dispose();
            throw;
        }
        return dict;
    }

    /// <summary>The tensors behind <see cref="StateDict()"/>, not copied, in its order.</summary>
    private List<(string Key, Tensor Tensor)> StateEntries()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var list = new List<(string, Tensor)>();
        Collect(this, "", list);
        return list;

        static void Collect(Module m, string prefix, List<(string, Tensor)> list)
        {
            foreach (var (name, p) in m.parameters)
                if (p is not null) list.Add((prefix + name, p));
            foreach (var (name, b) in m.buffers)
                if (b is not null && !m.nonPersistent.Contains(name)) list.Add((prefix + name, b));
            foreach (var (name, child) in m.modules) Collect(child, prefix + name + ".", list);
        }
    }

    /// <summary>
    /// Copies <paramref name="stateDict"/> into the module's parameters and persistent buffers in
    /// place, under no-grad (<c>load_state_dict</c>). Every entry must match the target's shape and
    /// dtype exactly (convert first when it does not). With <paramref name="strict"/> (default) the
    /// keys must match exactly; otherwise missing and unexpected keys are tolerated and reported in
    /// the result. Everything is checked before anything is copied; problems are reported together
    /// in a <see cref="StateDictException"/>.
    /// </summary>
    public LoadStateDictResult LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true) =>
        LoadStateDict(stateDict, strict, file: null);

    private LoadStateDictResult LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict, string? file)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var entries = StateEntries();
        var expected = new HashSet<string>(entries.Select(e => e.Key), StringComparer.Ordinal);
        var missing = new List<string>();
        var problems = new List<string>();
        var copies = new List<(Tensor Target, Tensor Source)>();
        foreach (var (key, target) in entries)
        {
            var (tShape, tType) = (target.Shape, target.DType);
            if (!stateDict.TryGetValue(key, out var source) || source is null)
            {
                missing.Add(key);
                if (strict) problems.Add($"missing key '{key}' (the module expects {tType.TorchName()} {SafeTensors.Format(tShape)})");
                continue;
            }
            if (source.IsDisposed)
            {
                problems.Add($"'{key}': the tensor given for it is disposed");
                continue;
            }
            var (sShape, sType) = (source.Shape, source.DType);
            if (!sShape.AsSpan().SequenceEqual(tShape))
                problems.Add($"'{key}': shape {SafeTensors.Format(sShape)} in the state dict, {SafeTensors.Format(tShape)} in the module");
            else if (sType != tType)
                problems.Add($"'{key}': dtype {sType.TorchName()} in the state dict, {tType.TorchName()} in the module (convert it first)");
            else
                copies.Add((target, source));
        }
        var unexpected = stateDict.Keys.Where(k => !expected.Contains(k)).ToList();
        if (strict)
            foreach (var key in unexpected)
            {
                var t = stateDict[key];
                var what = t is null || t.IsDisposed ? "" : $" ({t.DType.TorchName()} {SafeTensors.Format(t.Shape)})";
                problems.Add($"unexpected key '{key}'{what}: the module has no such parameter or persistent buffer");
            }
        if (problems.Count > 0) throw new StateDictException(TypeName, file, missing, unexpected, problems);

        using (Torch.NoGrad())
            foreach (var (target, source) in copies) target.CopyFrom(source);
        return new LoadStateDictResult(missing, unexpected);
    }

    /// <summary>
    /// Saves <see cref="StateDict()"/> as a safetensors file (written atomically). The metadata
    /// records the module type under <c>module</c>.
    /// </summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var dict = StateDict();
        dict.Metadata["format"] = "latentsynth.module";
        dict.Metadata["module"] = TypeName;
        dict.Save(path);
    }

    /// <summary>
    /// Loads a file written by <see cref="Save"/> (or any safetensors file with the module's keys)
    /// with <see cref="LoadStateDict(IReadOnlyDictionary{string, Tensor}, bool)"/>. A malformed
    /// file raises <see cref="SafeTensorsException"/>, a mismatch <see cref="StateDictException"/>;
    /// both name the file and the tensor.
    /// </summary>
    public LoadStateDictResult Load(string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = SafeTensors.Read(path);
        return LoadStateDict(file.Tensors, strict, path);
    }

    // ---- printing ----------------------------------------------------------------------------

    /// <summary>The name printed for this module: the class name (without generic arity).</summary>
    protected virtual string TypeName
    {
        get
        {
            var n = GetType().Name;
            int tick = n.IndexOf('`');
            return tick < 0 ? n : n[..tick];
        }
    }

    /// <summary>The module's own settings for <see cref="ToString"/> (<c>extra_repr</c>), e.g.
    /// <c>in_features=784, out_features=400, bias=True</c>; empty by default.</summary>
    protected virtual string ExtraRepr() => string.Empty;

    /// <summary>
    /// The module tree as PyTorch prints it: <c>Name(extra)</c> for a leaf, otherwise the extra
    /// settings and one <c>(child): ...</c> line per child, indented by two spaces per level.
    /// </summary>
    public override string ToString()
    {
        var extra = ExtraRepr();
        var lines = new List<string>();
        if (!string.IsNullOrEmpty(extra)) lines.AddRange(extra.Split('\n'));
        int extraCount = lines.Count;
        foreach (var (name, child) in modules)
            lines.Add($"({name}): " + child.ToString().Replace("\n", "\n  "));
        var sb = new StringBuilder(TypeName).Append('(');
        if (lines.Count == 1 && extraCount == 1) sb.Append(lines[0]);
        else if (lines.Count > 0) sb.Append("\n  ").AppendJoin("\n  ", lines).Append('\n');
        return sb.Append(')').ToString();
    }

    // ---- disposal ----------------------------------------------------------------------------

    /// <summary>Disposes the parameters, buffers and children (recursively).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what the module owns; override to release more, calling the base.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposed) return;
        disposed = true;
        if (!disposing) return;
        foreach (var p in parameters.Values) p?.Dispose();
        foreach (var b in buffers.Values) b?.Dispose();
        foreach (var m in modules.Values) m.Dispose();
    }
}

/// <summary>
/// A module with one input and one output (the common case): implement <see cref="Forward"/>,
/// call <see cref="Call"/>.
/// </summary>
/// <typeparam name="TIn">The input type (usually <see cref="Tensor"/>).</typeparam>
/// <typeparam name="TOut">The output type (usually <see cref="Tensor"/>).</typeparam>
public abstract class Module<TIn, TOut> : Module
{
    /// <summary>The computation (<c>forward</c>). Called through <see cref="Call"/>.</summary>
    public abstract TOut Forward(TIn input);

    /// <summary>Runs the module on <paramref name="input"/> (<c>module(input)</c>). This is the
    /// entry point callers use; hooks, when added, run here around <see cref="Forward"/>.</summary>
    public TOut Call(TIn input) => Forward(input);
}

/// <summary>What a non-strict <see cref="Module.LoadStateDict(IReadOnlyDictionary{string, Tensor}, bool)"/> tolerated.</summary>
/// <param name="MissingKeys">Keys of the module the state dict did not provide (left unchanged).</param>
/// <param name="UnexpectedKeys">Keys of the state dict the module does not have (ignored).</param>
public sealed record LoadStateDictResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);
