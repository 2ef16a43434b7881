using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

/// <summary>Owning handle to a native optimizer (optim.cpp).</summary>
internal sealed class OptimizerHandle : NativeHandle
{
    /// <inheritdoc />
    protected override void Release(IntPtr raw) => NativeMethods.lst_optim_free(raw);
}

// optim.cpp
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial OptimizerHandle lst_optim_adam_new(IntPtr* parameters, long n, double lr, double beta1, double beta2, double eps, double weightDecay, int amsgrad, int decoupled);
    [LibraryImport(Lib)] internal static partial OptimizerHandle lst_optim_sgd_new(IntPtr* parameters, long n, double lr, double momentum, double dampening, double weightDecay, int nesterov);
    [LibraryImport(Lib)] internal static partial void lst_optim_free(IntPtr h);
    [LibraryImport(Lib)] internal static partial long lst_optim_param_count(OptimizerHandle h);
    [LibraryImport(Lib)] internal static partial int lst_optim_step(OptimizerHandle h);
    [LibraryImport(Lib)] internal static partial int lst_optim_zero_grad(OptimizerHandle h, int setToNone);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int lst_optim_get_option(OptimizerHandle h, string name, out double value);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int lst_optim_set_option(OptimizerHandle h, string name, double value);
    [LibraryImport(Lib)] internal static partial int lst_optim_get_lr(OptimizerHandle h, out double lr);
    [LibraryImport(Lib)] internal static partial int lst_optim_set_lr(OptimizerHandle h, double lr);
    [LibraryImport(Lib)] internal static partial int lst_optim_adam_get_state(OptimizerHandle h, long index, out long step, out IntPtr expAvg, out IntPtr expAvgSq, out IntPtr maxExpAvgSq);
    [LibraryImport(Lib)] internal static partial int lst_optim_adam_set_state(OptimizerHandle h, long index, long step, TensorHandle expAvg, TensorHandle expAvgSq, TensorHandle maxExpAvgSq);
    [LibraryImport(Lib)] internal static partial int lst_optim_sgd_get_state(OptimizerHandle h, long index, out IntPtr momentumBuffer);
    [LibraryImport(Lib)] internal static partial int lst_optim_sgd_set_state(OptimizerHandle h, long index, TensorHandle momentumBuffer);
    [LibraryImport(Lib)] internal static partial int lst_optim_clear_state(OptimizerHandle h, long index);
    [LibraryImport(Lib)] internal static partial int lst_optim_clip_grad_norm_(IntPtr* parameters, long n, double maxNorm, double normType, int errorIfNonfinite, out double total);
    [LibraryImport(Lib)] internal static partial int lst_optim_clip_grad_value_(IntPtr* parameters, long n, double clipValue);
}
