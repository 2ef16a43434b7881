using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

// ops_create.cpp: factories and in-place fillers. Generators travel as raw pointers (zero: the
// default generator), kept alive by WithGenerator.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_zeros(long* shape, long ndim, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_ones(long* shape, long ndim, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_full(long* shape, long ndim, NativeScalar value, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_empty(long* shape, long ndim, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_randn(long* shape, long ndim, int dtype, int requiresGrad, IntPtr generator);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_rand(long* shape, long ndim, int dtype, int requiresGrad, IntPtr generator);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_randint(long low, long high, long* shape, long ndim, int dtype, IntPtr generator);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_randperm(long n, int dtype, IntPtr generator);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_arange(NativeScalar start, NativeScalar end, NativeScalar step, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_linspace(double start, double end, long steps, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_eye(long n, long m, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_scalar(NativeScalar value, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_zeros_like(TensorHandle t, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_ones_like(TensorHandle t, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_full_like(TensorHandle t, NativeScalar value, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_randn_like(TensorHandle t, int dtype, int requiresGrad, IntPtr generator);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_rand_like(TensorHandle t, int dtype, int requiresGrad, IntPtr generator);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_bernoulli(TensorHandle probs, IntPtr generator);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_multinomial(TensorHandle probs, long numSamples, int replacement, IntPtr generator);

    [LibraryImport(Lib)] internal static partial int lst_tensor_zero_(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int lst_tensor_fill_(TensorHandle t, NativeScalar value);
    [LibraryImport(Lib)] internal static partial int lst_tensor_uniform_(TensorHandle t, double from, double to, IntPtr generator);
    [LibraryImport(Lib)] internal static partial int lst_tensor_normal_(TensorHandle t, double mean, double std, IntPtr generator);
    [LibraryImport(Lib)] internal static partial int lst_tensor_bernoulli_(TensorHandle t, double p, IntPtr generator);

    /// <summary>Runs <paramref name="call"/> with the raw pointer of <paramref name="generator"/>
    /// (zero when null), keeping the generator alive for the call.</summary>
    internal static TResult WithGenerator<TResult>(Generator? generator, Func<IntPtr, TResult> call)
    {
        if (generator is null) return call(IntPtr.Zero);
        var h = generator.Handle;
        bool added = false;
        try
        {
            h.DangerousAddRef(ref added);
            return call(h.DangerousGetHandle());
        }
        finally
        {
            if (added) h.DangerousRelease();
        }
    }

    /// <summary>Runs <paramref name="call"/> with the raw handle of <paramref name="tensor"/>
    /// (zero when null), keeping it alive for the call: for optional tensor arguments.</summary>
    internal static TResult WithOptional<TResult>(Tensor? tensor, Func<IntPtr, TResult> call)
    {
        if (tensor is null) return call(IntPtr.Zero);
        var h = tensor.Handle;
        bool added = false;
        try
        {
            h.DangerousAddRef(ref added);
            return call(h.DangerousGetHandle());
        }
        finally
        {
            if (added) h.DangerousRelease();
        }
    }
}
