namespace LatentSynth.Torch;

/// <summary>
/// Collects every tensor created on this thread while it is the innermost open scope, and
/// disposes them all when it is disposed: <c>using var scope = Torch.NewScope();</c>.
/// A tensor that must outlive the scope is moved out with <see cref="Tensor.MoveToOuterScope"/>
/// (to the enclosing scope, or to no scope) or <see cref="Tensor.DetachFromScope"/>.
/// Scopes nest and belong to the thread that opened them.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? current;

    private readonly List<Tensor?> tensors = new();
    private readonly DisposeScope? outer;
    private readonly int threadId;
    private bool disposed;

    internal DisposeScope()
    {
        outer = current;
        threadId = Environment.CurrentManagedThreadId;
        current = this;
    }

    /// <summary>The innermost open scope of this thread, or null.</summary>
    public static DisposeScope? Current => current;

    /// <summary>Number of tensors this scope currently owns.</summary>
    public int Count
    {
        get
        {
            int n = 0;
            foreach (var t in tensors) if (t is not null) n++;
            return n;
        }
    }

    internal static void Register(Tensor tensor)
    {
        var scope = current;
        if (scope is null) return;
        tensor.Scope = scope;
        tensor.ScopeIndex = scope.tensors.Count;
        scope.tensors.Add(tensor);
    }

    internal void Remove(Tensor tensor)
    {
        int i = tensor.ScopeIndex;
        if (i >= 0 && i < tensors.Count && ReferenceEquals(tensors[i], tensor)) tensors[i] = null;
        tensor.Scope = null;
        tensor.ScopeIndex = -1;
    }

    internal void MoveToOuter(Tensor tensor)
    {
        Remove(tensor);
        var target = outer;
        if (target is null || target.disposed) return;
        tensor.Scope = target;
        tensor.ScopeIndex = target.tensors.Count;
        target.tensors.Add(tensor);
    }

    /// <summary>Disposes every tensor still owned by the scope and closes it.</summary>
    public void Dispose()
    {
        if (disposed) return;
        if (Environment.CurrentManagedThreadId != threadId)
            throw new InvalidOperationException("A DisposeScope must be disposed on the thread that opened it.");
        disposed = true;
        // Scopes must close innermost-first; closing an outer one closes inner ones too.
        while (current is not null && current != this) current.Dispose();
        current = outer;
        foreach (var t in tensors)
        {
            if (t is null) continue;
            t.Scope = null;
            t.Dispose();
        }
        tensors.Clear();
    }
}
