using System.Globalization;
using LatentSynth.Torch.IO;

namespace LatentSynth.Torch.Optim;

/// <summary>
/// Base of the optimizers (<c>torch.optim.Optimizer</c>): libtorch's own <c>torch::optim</c>
/// implementation runs behind one native handle, so a <see cref="Step"/> is a single native call
/// that updates every parameter with the very kernels PyTorch uses.
/// </summary>
/// <remarks>
/// <para>The optimizer updates the parameters it was given in place and keeps per-parameter
/// state (moments, momentum buffers) natively. It does not own the parameters: disposing it frees
/// only its state. A parameter without a gradient is skipped by a step.</para>
/// <para><b>State.</b> <see cref="StateDict"/> returns the state as named tensors, keyed
/// <c>state.{i}.{name}</c> where <c>i</c> is the parameter's position in the list the optimizer
/// was built from (as in PyTorch's <c>state_dict()["state"]</c>), for example
/// <c>state.3.exp_avg</c> and <c>state.3.step</c> (a 0-dimensional int64 tensor); parameters
/// that have no state yet have no keys. Hyperparameters go to the metadata under
/// <c>optimizer.*</c> (<c>optimizer.type</c>, <c>optimizer.param_count</c>, <c>optimizer.lr</c>,
/// …). <see cref="LoadStateDict(StateDict)"/> restores both — hyperparameters included, as
/// PyTorch does — after checking everything (optimizer type, parameter count, key names, shapes
/// and dtypes against the parameters) and changing nothing when anything is wrong.</para>
/// <para>Not thread-safe: use an optimizer from one thread at a time.</para>
/// </remarks>
public abstract class Optimizer : IDisposable
{
    /// <summary>Prefix of the optimizer's metadata keys.</summary>
    public const string MetadataPrefix = "optimizer.";

    private readonly OptimizerHandle handle;
    private readonly Tensor[] parameters;

    private protected unsafe delegate OptimizerHandle Create(IntPtr* parameters, long count);

    private protected unsafe Optimizer(IEnumerable<Tensor> parameters, Create create)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        this.parameters = parameters.ToArray();
        if (this.parameters.Length == 0)
            throw new ArgumentException("optimizer got an empty parameter list", nameof(parameters));
        var seen = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < this.parameters.Length; i++)
        {
            var p = this.parameters[i];
            if (p is null) throw new ArgumentException($"parameter {i} is null", nameof(parameters));
            if (p.IsDisposed) throw new ArgumentException($"parameter {i} is disposed", nameof(parameters));
            if (!seen.TryAdd(p, i))
                throw new ArgumentException($"parameter {i} is the same tensor as parameter {seen[p]}; each parameter may appear only once", nameof(parameters));
            if (!p.DType.IsFloatingPoint())
                throw new ArgumentException($"parameter {i} has dtype {p.DType.TorchName()}; only floating-point tensors can be optimized", nameof(parameters));
            if (!p.IsLeaf)
                throw new ArgumentException($"can't optimize a non-leaf tensor (parameter {i}); optimize the leaf it was computed from", nameof(parameters));
        }
        var h = NativeMethods.WithHandles(this.parameters, raw =>
        {
            fixed (IntPtr* pp = raw) return create(pp, raw.Length);
        });
        if (h.IsInvalid)
        {
            h.SetHandleAsInvalid();
            throw TorchException.FromLastError(TypeName);
        }
        handle = h;
    }

    private OptimizerHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(handle.IsClosed, this);
            return handle;
        }
    }

    /// <summary>The parameters, in the order given (the <c>i</c> of the <c>state.{i}.*</c> keys).</summary>
    public IReadOnlyList<Tensor> Parameters => parameters;

    /// <summary>The optimizer's name as stored in <c>optimizer.type</c> (the class name).</summary>
    public string TypeName => GetType().Name;

    /// <summary>
    /// Called with <see cref="Parameters"/> once per step, after the backward pass and before anything reads the
    /// gradients (clipping, the update): data-parallel training averages the gradients over the ranks here. Null
    /// (default): nothing. See <see cref="PrepareGradients"/>.
    /// </summary>
    public Action<IReadOnlyList<Tensor>>? GradientHook { get; set; }

    private bool gradientsPrepared;

    /// <summary>
    /// Called at the end of every <see cref="ZeroGrad"/>: the start of a step, before its backward pass. Data-parallel
    /// training opens its overlapped gradient averaging here (<c>OverlappedGradientSync.Begin</c>), which
    /// <see cref="GradientHook"/> then closes. Null (default): nothing.
    /// </summary>
    public Action? GradientsCleared { get; set; }

    /// <summary>
    /// Runs <see cref="GradientHook"/> on this step's gradients, once: later calls do nothing until the next
    /// <see cref="Step"/> or <see cref="ZeroGrad"/>. <see cref="Step"/> calls it; code that reads or changes the
    /// gradients before the step (gradient clipping) calls it first, so that it sees what the step will use.
    /// </summary>
    public void PrepareGradients()
    {
        if (gradientsPrepared) return;
        GradientHook?.Invoke(parameters);
        gradientsPrepared = true;
    }

    /// <summary>Performs one optimization step over every parameter that has a gradient (<c>step()</c>),
    /// after <see cref="PrepareGradients"/>.</summary>
    public void Step()
    {
        PrepareGradients();
        gradientsPrepared = false;
        NativeMethods.Check(NativeMethods.lst_optim_step(Handle), TypeName + ".step");
    }

    /// <summary>
    /// Clears the parameters' gradients (<c>zero_grad</c>): drops them (default, PyTorch 2's
    /// behaviour) or, with <paramref name="setToNone"/> false, detaches and zero-fills them.
    /// </summary>
    public void ZeroGrad(bool setToNone = true)
    {
        gradientsPrepared = false;
        NativeMethods.Check(NativeMethods.lst_optim_zero_grad(Handle, setToNone ? 1 : 0), TypeName + ".zero_grad");
        GradientsCleared?.Invoke();
    }

    /// <summary>The learning rate (<c>param_groups[0]["lr"]</c>); LR schedulers set it between steps.</summary>
    public double LearningRate
    {
        get
        {
            NativeMethods.Check(NativeMethods.lst_optim_get_lr(Handle, out var lr), TypeName + ".lr");
            return lr;
        }
        set
        {
            if (!(value >= 0)) throw new ArgumentException($"Invalid learning rate: {value}", nameof(value));
            NativeMethods.Check(NativeMethods.lst_optim_set_lr(Handle, value), TypeName + ".lr");
        }
    }

    /// <summary>
    /// The learning rate the first LR scheduler attached to this optimizer started from
    /// (<c>param_groups[0]["initial_lr"]</c>); null until a scheduler is created. Saved with the state.
    /// </summary>
    public double? InitialLearningRate { get; internal set; }

    // ---- hyperparameters (subclasses) --------------------------------------------------------

    /// <summary>The native option names of this optimizer (see optim.cpp), in metadata order.</summary>
    private protected abstract string[] OptionNames { get; }

    /// <summary>True for options that are booleans (stored as 0/1 natively, true/false in metadata).</summary>
    private protected abstract bool IsFlag(string option);

    /// <summary>Checks a full set of options; returns null, or a PyTorch-style message and the argument at fault.</summary>
    private protected abstract (string Message, string Argument)? Validate(IReadOnlyDictionary<string, double> options);

    /// <summary>The per-parameter state tensor names required for a parameter that has state.</summary>
    private protected abstract string[] StateNames(IReadOnlyDictionary<string, double> options);

    /// <summary>The state of parameter <paramref name="index"/> as (name, tensor) pairs; empty when it has none.</summary>
    private protected abstract List<(string Name, Tensor Tensor)> GetState(int index);

    /// <summary>Replaces the state of parameter <paramref name="index"/> (tensors validated, copied natively).</summary>
    private protected abstract void SetState(int index, long step, IReadOnlyDictionary<string, Tensor> state);

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="options"/> are invalid.</summary>
    private protected void ThrowIfInvalid(IReadOnlyDictionary<string, double> options)
    {
        if (Validate(options) is { } bad) throw new ArgumentException(bad.Message, bad.Argument);
    }

    /// <summary>Reads a native option.</summary>
    private protected double GetOption(string name)
    {
        NativeMethods.Check(NativeMethods.lst_optim_get_option(Handle, name, out var v), TypeName + "." + name);
        return v;
    }

    /// <summary>Validates then sets one option (the others unchanged).</summary>
    private protected void SetOption(string name, double value)
    {
        var all = Options();
        all[name] = value;
        ThrowIfInvalid(all);
        NativeMethods.Check(NativeMethods.lst_optim_set_option(Handle, name, value), TypeName + "." + name);
    }

    private Dictionary<string, double> Options() => OptionNames.ToDictionary(n => n, GetOption, StringComparer.Ordinal);

    /// <summary>Validation for the constructors: a dictionary of the given options.</summary>
    private protected static Dictionary<string, double> OptionSet(params (string Name, double Value)[] options) =>
        options.ToDictionary(o => o.Name, o => o.Value, StringComparer.Ordinal);

    private protected unsafe void ClearState(int index = -1) =>
        NativeMethods.Check(NativeMethods.lst_optim_clear_state(Handle, index), TypeName + ".clear_state");

    private protected OptimizerHandle NativeHandle => Handle;

    // ---- state dict --------------------------------------------------------------------------

    /// <summary>
    /// The optimizer state (<c>state_dict()</c>): per-parameter tensors keyed
    /// <c>state.{i}.{name}</c> (detached aliases of the live state: clone them for a snapshot that
    /// must not follow later steps) and the hyperparameters in <see cref="P:LatentSynth.Torch.StateDict.Metadata"/>.
    /// Dispose the result.
    /// </summary>
    public StateDict StateDict()
    {
        var sd = new StateDict();
        try
        {
            sd.Metadata[MetadataPrefix + "type"] = TypeName;
            sd.Metadata[MetadataPrefix + "param_count"] = parameters.Length.ToString(CultureInfo.InvariantCulture);
            foreach (var name in OptionNames) sd.Metadata[MetadataPrefix + name] = FormatOption(name, GetOption(name));
            if (InitialLearningRate is { } initial) sd.Metadata[MetadataPrefix + "initial_lr"] = initial.ToString("R", CultureInfo.InvariantCulture);
            for (int i = 0; i < parameters.Length; i++)
                foreach (var (name, t) in GetState(i)) sd[$"state.{i}.{name}"] = t;
        }
        catch
        {
            sd.Dispose();
            throw;
        }
        return sd;
    }

    private string FormatOption(string name, double v) =>
        IsFlag(name) ? (v != 0 ? "true" : "false") : v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Restores a state made by <see cref="StateDict"/> (tensors and metadata).</summary>
    public void LoadStateDict(StateDict state)
    {
        ArgumentNullException.ThrowIfNull(state);
        LoadStateDict(state, state.Metadata, null);
    }

    /// <summary>
    /// Restores the optimizer from <paramref name="tensors"/> (<c>state.{i}.{name}</c>) and
    /// <paramref name="metadata"/> (<c>optimizer.*</c>; other keys are ignored). Checks everything
    /// first and throws one <see cref="StateDictException"/> listing every problem (wrong optimizer
    /// type, parameter count, unknown or missing keys, shape or dtype differing from the parameter,
    /// invalid hyperparameters); nothing changes then. On success the state of every parameter is
    /// replaced (a parameter without keys starts afresh) and the hyperparameters are restored.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata) =>
        LoadStateDict(tensors, metadata, null);

    private void LoadStateDict(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata, string? file)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(metadata);
        var problems = new List<string>();
        var missing = new List<string>();
        var unexpected = new List<string>();

        // Metadata: type, count, hyperparameters.
        if (!metadata.TryGetValue(MetadataPrefix + "type", out var type))
            problems.Add($"metadata '{MetadataPrefix}type' is missing: this is not an optimizer state");
        else if (type != TypeName)
            problems.Add($"the state was saved by optimizer type {type}, this one is {TypeName}");
        if (!metadata.TryGetValue(MetadataPrefix + "param_count", out var countText))
            problems.Add($"metadata '{MetadataPrefix}param_count' is missing");
        else if (!int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count != parameters.Length)
            problems.Add($"the state holds {countText} parameters, this optimizer has {parameters.Length}");
        var options = Options();
        foreach (var name in OptionNames)
        {
            if (!metadata.TryGetValue(MetadataPrefix + name, out var text)) continue;
            if (ParseOption(name, text) is { } v) options[name] = v;
            else problems.Add($"metadata '{MetadataPrefix}{name}' = '{text}' is not a valid {(IsFlag(name) ? "boolean" : "number")}");
        }
        if (Validate(options) is { } bad) problems.Add("hyperparameters: " + bad.Message);
        double? initialLr = InitialLearningRate;
        if (metadata.TryGetValue(MetadataPrefix + "initial_lr", out var initText))
        {
            if (double.TryParse(initText, NumberStyles.Float, CultureInfo.InvariantCulture, out var init) && init >= 0) initialLr = init;
            else problems.Add($"metadata '{MetadataPrefix}initial_lr' = '{initText}' is not a valid learning rate");
        }

        // Tensors: group by parameter index, check names, shapes and dtypes.
        var required = StateNames(options);
        var byIndex = new SortedDictionary<int, Dictionary<string, Tensor>>();
        foreach (var (key, t) in tensors)
        {
            var parts = key.Split('.');
            if (parts.Length != 3 || parts[0] != "state" ||
                !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var i) ||
                i >= parameters.Length || !required.Contains(parts[2]))
            {
                unexpected.Add(key);
                problems.Add($"unexpected key '{key}': {TypeName} state keys are state.{{0..{parameters.Length - 1}}}.{{{string.Join(",", required)}}}");
                continue;
            }
            if (t is null || t.IsDisposed)
            {
                problems.Add($"'{key}': the tensor given for it is null or disposed");
                continue;
            }
            if (!byIndex.TryGetValue(i, out var entry)) byIndex[i] = entry = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            entry[parts[2]] = t;
        }
        var steps = new Dictionary<int, long>();
        foreach (var (i, entry) in byIndex)
        {
            var p = parameters[i];
            var (pShape, pType) = (p.Shape, p.DType);
            foreach (var name in required)
            {
                var key = $"state.{i}.{name}";
                if (!entry.TryGetValue(name, out var t))
                {
                    missing.Add(key);
                    problems.Add($"missing key '{key}': parameter {i} has other state entries, so it needs this one too");
                    continue;
                }
                if (name == "step")
                {
                    if (ReadStep(t) is { } s) steps[i] = s;
                    else problems.Add($"'{key}': expected a one-element tensor holding a non-negative integer, got {t.DType.TorchName()} {SafeTensors.Format(t.Shape)}");
                    continue;
                }
                var (shape, dtype) = (t.Shape, t.DType);
                if (!shape.AsSpan().SequenceEqual(pShape))
                    problems.Add($"'{key}': shape {SafeTensors.Format(shape)} in the state, but parameter {i} has shape {SafeTensors.Format(pShape)}");
                else if (dtype != pType)
                    problems.Add($"'{key}': dtype {dtype.TorchName()} in the state, but parameter {i} is {pType.TorchName()}");
            }
        }
        if (problems.Count > 0) throw new StateDictException(TypeName, file, missing, unexpected, problems);

        // Apply: hyperparameters first (amsgrad decides which state is expected), then the state.
        foreach (var name in OptionNames)
            NativeMethods.Check(NativeMethods.lst_optim_set_option(Handle, name, options[name]), TypeName + "." + name);
        InitialLearningRate = initialLr;
        ClearState();
        foreach (var (i, entry) in byIndex) SetState(i, steps.GetValueOrDefault(i), entry);
    }

    private double? ParseOption(string name, string text)
    {
        if (IsFlag(name)) return text switch { "true" => 1, "false" => 0, _ => null };
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    private static long? ReadStep(Tensor t)
    {
        if (t.NumEl != 1) return null;
        if (t.DType is DType.Int64 or DType.Int32 or DType.UInt8)
        {
            long v = t.ItemLong();
            return v >= 0 ? v : null;
        }
        if (!t.DType.IsFloatingPoint()) return null;
        double d = t.Item();
        return d >= 0 && d == Math.Floor(d) && d < long.MaxValue ? (long)d : null;
    }

    /// <summary>
    /// Saves <see cref="StateDict"/> to a safetensors file, with <paramref name="extraMetadata"/>
    /// (for example an LR scheduler's <see cref="LRScheduler.StateDict"/>) merged into its metadata.
    /// </summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var sd = StateDict();
        if (extraMetadata is not null)
            foreach (var (k, v) in extraMetadata)
            {
                if (k.StartsWith(MetadataPrefix, StringComparison.Ordinal))
                    throw new ArgumentException($"metadata key '{k}' is reserved for the optimizer", nameof(extraMetadata));
                sd.Metadata[k] = v;
            }
        sd.Save(path);
    }

    /// <summary>
    /// Loads a file written by <see cref="Save"/> (see <see cref="LoadStateDict(IReadOnlyDictionary{string, Tensor}, IReadOnlyDictionary{string, string})"/>);
    /// errors name the file and the tensor. Returns the file's whole metadata, so that extra
    /// entries (an LR scheduler's state) can be restored too.
    /// </summary>
    public IReadOnlyDictionary<string, string> Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = SafeTensors.Read(path);
        LoadStateDict(file.Tensors, file.Metadata, path);
        return file.Metadata;
    }

    /// <summary>Frees the native optimizer and its state (not the parameters).</summary>
    public void Dispose()
    {
        handle.Dispose();
        GC.SuppressFinalize(this);
    }
}
