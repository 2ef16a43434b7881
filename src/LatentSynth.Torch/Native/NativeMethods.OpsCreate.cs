using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

// ops_create.cpp: factories and in-place fillers. Generators are passed as
// NativeMethods.OptionalGenerator(g) (an absent one means the default generator).
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_zeros(long* shape, long ndim, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_ones(long* shape, long ndim, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_full(long* shape, long ndim, NativeScalar value, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_empty(long* shape, long ndim, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_randn(long* shape, long ndim, int dtype, int requiresGrad, GeneratorHandle generator);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_rand(long* shape, long ndim, int dtype, int requiresGrad, GeneratorHandle generator);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_randint(long low, long high, long* shape, long ndim, int dtype, GeneratorHandle generator);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_randperm(long n, int dtype, GeneratorHandle generator);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_arange(NativeScalar start, NativeScalar end, NativeScalar step, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_linspace(double start, double end, long steps, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_eye(long n, long m, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_scalar(NativeScalar value, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_zeros_like(TensorHandle t, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_ones_like(TensorHandle t, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_full_like(TensorHandle t, NativeScalar value, int dtype, int requiresGrad);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_randn_like(TensorHandle t, int dtype, int requiresGrad, GeneratorHandle generator);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_rand_like(TensorHandle t, int dtype, int requiresGrad, GeneratorHandle generator);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_bernoulli(TensorHandle probs, GeneratorHandle generator);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_create_multinomial(TensorHandle probs, long numSamples, int replacement, GeneratorHandle generator);

    [LibraryImport(Lib)] internal static partial int lst_tensor_zero_(TensorHandle t);
    [LibraryImport(Lib)] internal static partial int lst_tensor_fill_(TensorHandle t, NativeScalar value);
    [LibraryImport(Lib)] internal static partial int lst_tensor_uniform_(TensorHandle t, double from, double to, GeneratorHandle generator);
    [LibraryImport(Lib)] internal static partial int lst_tensor_normal_(TensorHandle t, double mean, double std, GeneratorHandle generator);
    [LibraryImport(Lib)] internal static partial int lst_tensor_bernoulli_(TensorHandle t, double p, GeneratorHandle generator);
}
