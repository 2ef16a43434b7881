namespace LatentSynth.Models;

/// <summary>
/// A thread-safe table of named components (networks, priors, likelihoods, kernels): the way every
/// configurable choice of the model zoo is looked up, so adding one touches no switch. Names are
/// case-sensitive, as typed in configs and on the command line.
/// </summary>
/// <typeparam name="T">What is registered (a factory or a descriptor).</typeparam>
public sealed class NamedRegistry<T> where T : class
{
    private readonly object gate = new();
    private readonly Dictionary<string, (T Item, string Description)> items = new(StringComparer.Ordinal);

    /// <summary>Creates an empty registry; <paramref name="kind"/> names its entries in messages ("prior", "network" …).</summary>
    public NamedRegistry(string kind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        Kind = kind;
    }

    /// <summary>What the entries are, for messages.</summary>
    public string Kind { get; }

    /// <summary>
    /// Adds <paramref name="item"/> under <paramref name="name"/>. Registering a name again replaces
    /// the entry only when <paramref name="replace"/> is true.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty or already taken (and <paramref name="replace"/> is false).</exception>
    public void Register(string name, T item, string description, bool replace = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(item);
        lock (gate)
        {
            if (!replace && items.ContainsKey(name))
                throw new ArgumentException($"a {Kind} named '{name}' is already registered; pass replace: true to replace it", nameof(name));
            items[name] = (item, description ?? "");
        }
    }

    /// <summary>The entry called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public T Get(string name)
    {
        if (TryGet(name, out var item)) return item;
        throw new ArgumentException($"unknown {Kind} '{name}'; known: {string.Join(", ", Names)}", nameof(name));
    }

    /// <summary>Looks <paramref name="name"/> up without throwing.</summary>
    public bool TryGet(string? name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out T? item)
    {
        lock (gate)
        {
            if (name is not null && items.TryGetValue(name, out var e)) { item = e.Item; return true; }
        }
        item = null;
        return false;
    }

    /// <summary>True when <paramref name="name"/> is registered.</summary>
    public bool Contains(string? name) => TryGet(name, out _);

    /// <summary>The registered names, sorted.</summary>
    public IReadOnlyList<string> Names
    {
        get { lock (gate) return items.Keys.Order(StringComparer.Ordinal).ToList(); }
    }

    /// <summary>Each name with its one-line description, sorted by name.</summary>
    public IReadOnlyList<(string Name, string Description)> Describe()
    {
        lock (gate) return items.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (e.Key, e.Value.Description)).ToList();
    }

    /// <summary>"'a', 'b' or 'c'" for messages.</summary>
    internal string Quoted()
    {
        var n = Names.Select(s => $"'{s}'").ToList();
        return n.Count <= 1 ? string.Join("", n) : string.Join(", ", n.Take(n.Count - 1)) + " or " + n[^1];
    }
}
