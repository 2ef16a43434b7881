namespace LatentSynth.Torch;

/// <summary>
/// A libtorch CPU random generator (<c>torch.Generator</c>). Its state can be saved and restored
/// byte for byte, so a resumed run continues the same random stream.
/// </summary>
public sealed class Generator : IDisposable
{
    internal GeneratorHandle Handle { get; }

    private Generator(GeneratorHandle handle, string op)
    {
        if (handle.IsInvalid)
        {
            handle.SetHandleAsInvalid();
            throw TorchException.FromLastError(op);
        }
        Handle = handle;
    }

    /// <summary>A new generator seeded with <paramref name="seed"/>.</summary>
    public Generator(ulong seed) : this(NativeMethods.lst_generator_new(seed), "Generator") { }

    /// <summary>The process-wide default generator that <see cref="Torch.ManualSeed"/> seeds.</summary>
    public static Generator Default => new(NativeMethods.lst_generator_default(), "default_generator");

    /// <summary>Reseeds the generator (<c>generator.manual_seed</c>); returns it.</summary>
    public Generator ManualSeed(ulong seed)
    {
        NativeMethods.Check(NativeMethods.lst_generator_manual_seed(Handle, seed), "manual_seed");
        return this;
    }

    /// <summary>The seed last set.</summary>
    public ulong InitialSeed
    {
        get
        {
            NativeMethods.Check(NativeMethods.lst_generator_initial_seed(Handle, out var s), "initial_seed");
            return s;
        }
    }

    /// <summary>The full state (<c>generator.get_state()</c>) as bytes.</summary>
    public unsafe byte[] GetState()
    {
        long n = NativeMethods.lst_generator_state_size(Handle);
        if (n < 0) throw TorchException.FromLastError("get_state");
        var buffer = new byte[n];
        fixed (byte* p = buffer) NativeMethods.Check(NativeMethods.lst_generator_get_state(Handle, p, n), "get_state");
        return buffer;
    }

    /// <summary>Restores a state produced by <see cref="GetState"/> (<c>generator.set_state</c>).</summary>
    public unsafe void SetState(ReadOnlySpan<byte> state)
    {
        fixed (byte* p = state) NativeMethods.Check(NativeMethods.lst_generator_set_state(Handle, p, state.Length), "set_state");
    }

    /// <summary>Releases the native generator.</summary>
    public void Dispose() => Handle.Dispose();
}
