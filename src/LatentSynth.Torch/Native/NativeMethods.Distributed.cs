using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

/// <summary>Owning handle to a native c10d TCPStore (distributed.cpp).</summary>
internal sealed class StoreHandle : NativeHandle
{
    /// <inheritdoc />
    protected override void Release(IntPtr raw) => NativeMethods.lst_store_free(raw);
}

/// <summary>Owning handle to a native c10d ProcessGroupGloo (distributed.cpp).</summary>
internal sealed class ProcessGroupHandle : NativeHandle
{
    /// <inheritdoc />
    protected override void Release(IntPtr raw) => NativeMethods.lst_pg_free(raw);
}

/// <summary>Owning handle to a native gradient reducer (distributed.cpp): its hooks leave the parameters when it is released.</summary>
internal sealed class ReducerHandle : NativeHandle
{
    /// <inheritdoc />
    protected override void Release(IntPtr raw) => NativeMethods.lst_reducer_free(raw);
}

/// <summary>Owning handle to a native allreduce in flight (distributed.cpp): freeing it waits for the collective.</summary>
internal sealed class WorkHandle : NativeHandle
{
    /// <inheritdoc />
    protected override void Release(IntPtr raw) => NativeMethods.lst_work_free(raw);
}

// distributed.cpp
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial StoreHandle lst_store_tcp_new(string host, int port, int worldSize, int isMaster, long timeoutMs);
    [LibraryImport(Lib)] internal static partial void lst_store_free(IntPtr h);
    [LibraryImport(Lib)] internal static partial int lst_store_port(StoreHandle h);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int lst_store_set(StoreHandle h, string key, byte* value, long length);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int lst_store_get(StoreHandle h, string key, out byte* value, out long length);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int lst_store_add(StoreHandle h, string key, long delta, out long result);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int lst_store_wait(StoreHandle h, string[] keys, long n, long timeoutMs);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial ProcessGroupHandle lst_pg_gloo_new(StoreHandle store, int rank, int size, long timeoutMs, string? deviceHost);
    [LibraryImport(Lib)] internal static partial void lst_pg_free(IntPtr h);
    [LibraryImport(Lib)] internal static partial int lst_pg_allreduce(ProcessGroupHandle h, IntPtr* tensors, long n, int op);
    [LibraryImport(Lib)] internal static partial int lst_pg_broadcast(ProcessGroupHandle h, IntPtr* tensors, long n, int root);
    [LibraryImport(Lib)] internal static partial int lst_pg_barrier(ProcessGroupHandle h);
    [LibraryImport(Lib)] internal static partial WorkHandle lst_pg_allreduce_start(ProcessGroupHandle h, IntPtr* tensors, long n, int op);
    [LibraryImport(Lib)] internal static partial int lst_work_wait(WorkHandle h);
    [LibraryImport(Lib)] internal static partial void lst_work_free(IntPtr h);
    [LibraryImport(Lib)] internal static partial ReducerHandle lst_reducer_new(ProcessGroupHandle h, IntPtr* parameters, long n, long bucketBytes);
    [LibraryImport(Lib)] internal static partial long lst_reducer_bucket_count(ReducerHandle h);
    [LibraryImport(Lib)] internal static partial int lst_reducer_arm(ReducerHandle h, double weight);
    [LibraryImport(Lib)] internal static partial int lst_reducer_finish(ReducerHandle h, out long launched);
    [LibraryImport(Lib)] internal static partial void lst_reducer_free(IntPtr h);
}
