using System.Text;

namespace LatentSynth.Torch.Distributed;

/// <summary>
/// A key-value store served over TCP (libtorch's c10d <c>TCPStore</c>): the rendezvous point where
/// the ranks of a <see cref="ProcessGroup"/> find each other. One rank creates the master, which
/// listens on <see cref="Host"/>:<see cref="Port"/>; every rank (the master included) is a client of
/// it. Keys and values are plain bytes; <see cref="Add"/> is an atomic counter.
/// </summary>
/// <remarks>
/// The master does not wait here for the other ranks to connect (with port 0 they could not know
/// the port yet); the waiting happens when the <see cref="ProcessGroup"/> is built, bounded by its
/// own timeout. Every blocking call on the store is bounded by <see cref="Timeout"/>.
/// </remarks>
public sealed class TcpStore : IDisposable
{
    private readonly StoreHandle handle;

    /// <summary>
    /// Creates the master store (<paramref name="isMaster"/> true: listens on
    /// <paramref name="host"/>:<paramref name="port"/>, port 0 lets the system pick a free one, read
    /// it back from <see cref="Port"/>) or connects to it (false: retries until
    /// <paramref name="timeout"/>, then throws <see cref="TorchException"/>).
    /// </summary>
    /// <param name="host">The master's address, for example <c>127.0.0.1</c>.</param>
    /// <param name="port">The master's TCP port in [0, 65535]; 0 only for the master.</param>
    /// <param name="worldSize">How many ranks will use the store (at least 1).</param>
    /// <param name="isMaster">True on the one rank that serves the store.</param>
    /// <param name="timeout">The limit for connecting and for every blocking store call.</param>
    /// <exception cref="ArgumentException">An argument is out of range (checked before any native call).</exception>
    /// <exception cref="TorchException">The store could not listen or connect in time.</exception>
    public TcpStore(string host, int port, int worldSize, bool isMaster, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        if (port is < 0 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(port), port, "port must be in [0, 65535]");
        if (port == 0 && !isMaster)
            throw new ArgumentException("port 0 (let the system pick a free port) is for the master only: a client must be given the master's port", nameof(port));
        if (worldSize < 1)
            throw new ArgumentOutOfRangeException(nameof(worldSize), worldSize, "world size must be at least 1");
        long timeoutMs = DistributedArgs.TimeoutMs(timeout, nameof(timeout));
        var created = NativeMethods.lst_store_tcp_new(host, port, worldSize, isMaster ? 1 : 0, timeoutMs);
        if (created.IsInvalid)
        {
            created.SetHandleAsInvalid();
            throw TorchException.FromLastError(
                $"TCPStore {(isMaster ? "listen on" : "connect to")} {host}:{port} (world size {worldSize}, timeout {timeoutMs} ms)");
        }
        handle = created;
        Host = host;
        WorldSize = worldSize;
        IsMaster = isMaster;
        Timeout = timeout;
        int bound = NativeMethods.lst_store_port(handle);
        NativeMethods.Check(bound, "TCPStore port");
        Port = bound;
    }

    /// <summary>The master's address.</summary>
    public string Host { get; }

    /// <summary>The port the master listens on: the one the system chose when 0 was asked for.</summary>
    public int Port { get; }

    /// <summary>How many ranks use the store.</summary>
    public int WorldSize { get; }

    /// <summary>True on the rank that serves the store.</summary>
    public bool IsMaster { get; }

    /// <summary>The limit for connecting and for every blocking store call.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The native store (kept alive by the caller for the duration of each native call).</summary>
    internal StoreHandle Handle => DistributedArgs.Open(handle, this);

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/> (replacing any previous value).</summary>
    public unsafe void Set(string key, ReadOnlySpan<byte> value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        fixed (byte* p = value)
            NativeMethods.Check(NativeMethods.lst_store_set(Handle, key, p, value.Length), $"TCPStore set '{key}'");
    }

    /// <summary>Sets <paramref name="key"/> to the UTF-8 bytes of <paramref name="value"/>.</summary>
    public void Set(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Set(key, Encoding.UTF8.GetBytes(value));
    }

    /// <summary>
    /// The value of <paramref name="key"/>, waiting for another rank to set it for at most
    /// <see cref="Timeout"/> (then <see cref="TorchException"/>).
    /// </summary>
    public unsafe byte[] Get(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        NativeMethods.Check(NativeMethods.lst_store_get(Handle, key, out var data, out var length),
            $"TCPStore get '{key}' (timeout {Timeout.TotalMilliseconds:0} ms)");
        return new ReadOnlySpan<byte>(data, checked((int)length)).ToArray();
    }

    /// <summary><see cref="Get"/> decoded as UTF-8.</summary>
    public string GetString(string key) => Encoding.UTF8.GetString(Get(key));

    /// <summary>
    /// Atomically adds <paramref name="delta"/> to the counter at <paramref name="key"/> (absent
    /// counts as 0) and returns the new value; <c>Add(key, 0)</c> reads it.
    /// </summary>
    public long Add(string key, long delta)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        NativeMethods.Check(NativeMethods.lst_store_add(Handle, key, delta, out var result), $"TCPStore add '{key}'");
        return result;
    }

    /// <summary>
    /// Waits until every key of <paramref name="keys"/> has been set, at most
    /// <paramref name="timeout"/> (default <see cref="Timeout"/>); then throws <see cref="TorchException"/>.
    /// </summary>
    public void Wait(IReadOnlyList<string> keys, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0) throw new ArgumentException("at least one key is required", nameof(keys));
        for (int i = 0; i < keys.Count; i++)
            if (string.IsNullOrEmpty(keys[i])) throw new ArgumentException($"key {i} is null or empty", nameof(keys));
        long timeoutMs = DistributedArgs.TimeoutMs(timeout ?? Timeout, nameof(timeout));
        NativeMethods.Check(NativeMethods.lst_store_wait(Handle, keys.ToArray(), keys.Count, timeoutMs),
            $"TCPStore wait for {string.Join(", ", keys)} (timeout {timeoutMs} ms)");
    }

    /// <summary>Releases this rank's store handle; a master stops serving once no process group
    /// built on it remains.</summary>
    public void Dispose() => handle.Dispose();
}

/// <summary>Argument checks shared by the distributed types.</summary>
internal static class DistributedArgs
{
    /// <summary>A positive timeout in whole milliseconds (at least 1), or ArgumentOutOfRangeException.</summary>
    internal static long TimeoutMs(TimeSpan timeout, string paramName)
    {
        if (timeout <= TimeSpan.Zero || timeout.TotalMilliseconds > int.MaxValue)
            throw new ArgumentOutOfRangeException(paramName, timeout, "timeout must be positive and at most 24 days");
        return Math.Max(1L, (long)Math.Ceiling(timeout.TotalMilliseconds));
    }

    /// <summary><paramref name="handle"/>, or ObjectDisposedException once <paramref name="owner"/> was disposed.</summary>
    internal static T Open<T>(T handle, object owner) where T : System.Runtime.InteropServices.SafeHandle
    {
        ObjectDisposedException.ThrowIf(handle.IsClosed, owner);
        return handle;
    }
}
