namespace LatentSynth.Torch;

/// <summary>
/// A failure reported by libtorch (or by the native shim's argument checks), carrying the
/// operation's name and libtorch's own message. The process always survives it.
/// </summary>
public sealed class TorchException : Exception
{
    /// <summary>Creates the exception for <paramref name="operation"/> with libtorch's <paramref name="nativeMessage"/>.</summary>
    public TorchException(string operation, string nativeMessage)
        : base($"{operation}: {nativeMessage}")
    {
        Operation = operation;
        NativeMessage = nativeMessage;
    }

    /// <summary>The operation that failed, in PyTorch's naming (for example <c>matmul</c>).</summary>
    public string Operation { get; }

    /// <summary>The message libtorch gave, without its C++ backtrace.</summary>
    public string NativeMessage { get; }

    /// <summary>Builds the exception from the calling thread's last native error.</summary>
    internal static TorchException FromLastError(string operation)
    {
        var message = NativeMethods.LastError();
        return new TorchException(operation, string.IsNullOrEmpty(message) ? "native call failed without a message" : message);
    }
}
