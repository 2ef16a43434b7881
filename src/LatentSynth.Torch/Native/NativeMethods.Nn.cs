using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

// ops_nn.cpp: torch.nn.functional. Optional tensors are passed as NativeMethods.OptionalTensor(t).
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_conv1d(TensorHandle input, TensorHandle weight, TensorHandle bias, long* stride, long nStride, long* padding, long nPadding, long* dilation, long nDilation, long groups);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_conv2d(TensorHandle input, TensorHandle weight, TensorHandle bias, long* stride, long nStride, long* padding, long nPadding, long* dilation, long nDilation, long groups);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial TensorHandle lst_nn_conv_padmode(int spatialDims, TensorHandle input, TensorHandle weight, TensorHandle bias, long* stride, long nStride, string padding, long* dilation, long nDilation, long groups);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_conv_transpose(int spatialDims, TensorHandle input, TensorHandle weight, TensorHandle bias, long* stride, long nStride, long* padding, long nPadding, long* outputPadding, long nOutputPadding, long groups, long* dilation, long nDilation);

    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_max_pool(int spatialDims, TensorHandle input, long* kernel, long nKernel, long* stride, long nStride, long* padding, long nPadding, long* dilation, long nDilation, int ceilMode);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_avg_pool(int spatialDims, TensorHandle input, long* kernel, long nKernel, long* stride, long nStride, long* padding, long nPadding, int ceilMode, int countIncludePad, long divisorOverride);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_adaptive_avg_pool(int spatialDims, TensorHandle input, long* size, long nSize);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial TensorHandle lst_nn_interpolate(TensorHandle input, long* size, long nSize, double* scales, long nScales, string mode, int alignCorners);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial TensorHandle lst_nn_pad(TensorHandle input, long* pad, long nPad, string mode, double value);

    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_batch_norm(TensorHandle input, TensorHandle runningMean, TensorHandle runningVar, TensorHandle weight, TensorHandle bias, int training, double momentum, double eps);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_layer_norm(TensorHandle input, long* shape, long nShape, TensorHandle weight, TensorHandle bias, double eps);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_dropout(TensorHandle input, double p, int training);

    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_binary_cross_entropy(TensorHandle input, TensorHandle target, TensorHandle weight, int reduction);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_binary_cross_entropy_with_logits(TensorHandle input, TensorHandle target, TensorHandle weight, TensorHandle posWeight, int reduction);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_mse_loss(TensorHandle input, TensorHandle target, int reduction);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_l1_loss(TensorHandle input, TensorHandle target, int reduction);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_smooth_l1_loss(TensorHandle input, TensorHandle target, int reduction, double beta);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_huber_loss(TensorHandle input, TensorHandle target, int reduction, double delta);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_gaussian_nll_loss(TensorHandle input, TensorHandle target, TensorHandle var, int full, double eps, int reduction);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_cross_entropy(TensorHandle input, TensorHandle target, TensorHandle weight, int reduction, long ignoreIndex, double labelSmoothing);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_nll_loss(TensorHandle input, TensorHandle target, TensorHandle weight, int reduction, long ignoreIndex);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_nn_kl_div(TensorHandle input, TensorHandle target, int reduction, int logTarget);
}
