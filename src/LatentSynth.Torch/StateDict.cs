using LatentSynth.Torch.IO;

namespace LatentSynth.Torch;

/// <summary>
/// Named tensors in a fixed order plus free-form string metadata: what
/// <c>NN.Module.StateDict()</c> and <c>Optim.Optimizer.StateDict()</c> return and what their
/// <c>LoadStateDict</c> accept (PyTorch's <c>state_dict()</c>). Keys keep insertion order, which
/// for a module is PyTorch's order (own parameters, own persistent buffers, then each child's
/// entries under <c>child.</c>). The dictionary owns its tensor handles: dispose it (or create it
/// inside a <see cref="DisposeScope"/>) to release them. Saved as a safetensors file.
/// </summary>
public sealed class StateDict : OrderedDictionary<string, Tensor>, IDisposable
{
    /// <summary>An empty state dict.</summary>
    public StateDict() : base(StringComparer.Ordinal) { }

    /// <summary>A state dict holding <paramref name="tensors"/> (in their enumeration order) and
    /// a copy of <paramref name="metadata"/>. The tensors are not copied: this dictionary owns them.</summary>
    public StateDict(IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        : this()
    {
        ArgumentNullException.ThrowIfNull(tensors);
        foreach (var (k, v) in tensors) Add(k, v);
        if (metadata is not null)
            foreach (var (k, v) in metadata) Metadata[k] = v;
    }

    /// <summary>String metadata stored alongside the tensors (hyperparameters, format tags).</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>Writes the tensors and metadata to a safetensors file (atomically, see <see cref="SafeTensors.Save"/>).</summary>
    public void Save(string path) => SafeTensors.Save(path, this, Metadata);

    /// <summary>Reads a safetensors file into a new state dict (tensors in file order).</summary>
    public static StateDict Load(string path)
    {
        var file = SafeTensors.Read(path);
        return new StateDict(file.Tensors, file.Metadata);
    }

    /// <summary>Disposes every tensor and empties the dictionary.</summary>
    public void Dispose()
    {
        foreach (var t in Values) t.Dispose();
        Clear();
    }
}

/// <summary>
/// A state dict that does not fit the module or optimizer it is loaded into. The message lists
/// every problem, each naming the key and what was expected versus found (shape, dtype), and the
/// file when the state came from one. Nothing is modified when this is thrown.
/// </summary>
public sealed class StateDictException : Exception
{
    /// <summary>Creates the exception for <paramref name="target"/> (a type name such as <c>Sequential</c>).</summary>
    public StateDictException(string target, string? file, IReadOnlyList<string> missingKeys,
        IReadOnlyList<string> unexpectedKeys, IReadOnlyList<string> problems)
        : base(Format(target, file, problems))
    {
        Target = target;
        File = file;
        MissingKeys = missingKeys;
        UnexpectedKeys = unexpectedKeys;
        Problems = problems;
    }

    /// <summary>The type of the module or optimizer being loaded.</summary>
    public string Target { get; }

    /// <summary>The file the state came from, or null when it was loaded from memory.</summary>
    public string? File { get; }

    /// <summary>Keys the target needs that the state lacks.</summary>
    public IReadOnlyList<string> MissingKeys { get; }

    /// <summary>Keys of the state the target does not know.</summary>
    public IReadOnlyList<string> UnexpectedKeys { get; }

    /// <summary>Every problem found, one line each (missing and unexpected keys included).</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Format(string target, string? file, IReadOnlyList<string> problems)
    {
        var head = file is null
            ? $"Error(s) in loading the state dict of {target}:"
            : $"Error(s) in loading the state dict of {target} from '{file}':";
        return head + string.Concat(problems.Select(p => "\n  " + p));
    }
}
