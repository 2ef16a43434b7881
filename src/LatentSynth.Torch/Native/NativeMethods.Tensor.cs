using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

// tensor.cpp and autograd.cpp. Optional tensors cross as raw pointers (zero for none) through
// WithOptional: the SafeHandle marshaller cannot pass null.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_from_data(void* data, long nbytes, int dtype, long* shape, long ndim);
    [LibraryImport(Lib)] internal static partial int lst_tensor_copy_to(TensorHandle h, void* dst, long nbytes);
    [LibraryImport(Lib)] internal static partial long lst_tensor_ndim(TensorHandle h);
    [LibraryImport(Lib)] internal static partial long lst_tensor_shape(TensorHandle h, long* shape, long capacity);
    [LibraryImport(Lib)] internal static partial long lst_tensor_strides(TensorHandle h, long* strides, long capacity);
    [LibraryImport(Lib)] internal static partial long lst_tensor_numel(TensorHandle h);
    [LibraryImport(Lib)] internal static partial int lst_tensor_dtype(TensorHandle h);
    [LibraryImport(Lib)] internal static partial int lst_tensor_is_contiguous(TensorHandle h);
    [LibraryImport(Lib)] internal static partial int lst_tensor_item_double(TensorHandle h, out double value);
    [LibraryImport(Lib)] internal static partial int lst_tensor_item_long(TensorHandle h, out long value);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_alias(TensorHandle h);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_to_dtype(TensorHandle h, int dtype);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_contiguous(TensorHandle h);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_clone(TensorHandle h);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_detach(TensorHandle h);
    [LibraryImport(Lib)] internal static partial int lst_tensor_copy_(TensorHandle dst, TensorHandle src);
    [LibraryImport(Lib)] internal static partial IntPtr lst_tensor_to_string(TensorHandle h);

    [LibraryImport(Lib)] internal static partial int lst_tensor_requires_grad(TensorHandle h);
    [LibraryImport(Lib)] internal static partial int lst_tensor_set_requires_grad(TensorHandle h, int flag);
    [LibraryImport(Lib)] internal static partial int lst_tensor_is_leaf(TensorHandle h);
    [LibraryImport(Lib)] internal static partial int lst_tensor_grad(TensorHandle h, out IntPtr grad);
    [LibraryImport(Lib)] internal static partial int lst_tensor_set_grad(TensorHandle h, IntPtr grad);
    [LibraryImport(Lib)] internal static partial int lst_tensor_zero_grad(TensorHandle h, int setToNone);
    [LibraryImport(Lib)] internal static partial int lst_tensor_backward(TensorHandle h, IntPtr gradient, int retainGraph, int createGraph);
    [LibraryImport(Lib)] internal static partial int lst_autograd_grad(IntPtr* outputs, long nOut, IntPtr* inputs, long nIn, IntPtr* gradOutputs, int retainGraph, int createGraph, int allowUnused, IntPtr* result);
    [LibraryImport(Lib)] internal static partial int lst_grad_enabled();
    [LibraryImport(Lib)] internal static partial int lst_set_grad_enabled(int enabled);
}
