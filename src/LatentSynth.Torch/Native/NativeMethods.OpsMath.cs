using System.Runtime.InteropServices;

namespace LatentSynth.Torch;

// ops_math.cpp: arithmetic, comparisons, unary functions, activations.
internal static unsafe partial class NativeMethods
{
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_add(TensorHandle a, TensorHandle b, NativeScalar alpha);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_sub(TensorHandle a, TensorHandle b, NativeScalar alpha);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_add_scalar(TensorHandle a, NativeScalar s, NativeScalar alpha);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_sub_scalar(TensorHandle a, NativeScalar s, NativeScalar alpha);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_rsub_scalar(TensorHandle a, NativeScalar s);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_mul(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_mul_scalar(TensorHandle a, NativeScalar s);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_div(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_div_scalar(TensorHandle a, NativeScalar s);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_rdiv_scalar(TensorHandle a, NativeScalar s);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_pow(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_pow_scalar(TensorHandle a, NativeScalar s);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_rpow_scalar(TensorHandle a, NativeScalar s);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_remainder(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_remainder_scalar(TensorHandle a, NativeScalar s);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_atan2(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_minimum(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_maximum(TensorHandle a, TensorHandle b);

    [LibraryImport(Lib)] internal static partial int lst_tensor_add_(TensorHandle a, TensorHandle b, NativeScalar alpha);
    [LibraryImport(Lib)] internal static partial int lst_tensor_sub_(TensorHandle a, TensorHandle b, NativeScalar alpha);
    [LibraryImport(Lib)] internal static partial int lst_tensor_mul_(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial int lst_tensor_div_(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial int lst_tensor_add_scalar_(TensorHandle a, NativeScalar s);
    [LibraryImport(Lib)] internal static partial int lst_tensor_sub_scalar_(TensorHandle a, NativeScalar s);
    [LibraryImport(Lib)] internal static partial int lst_tensor_mul_scalar_(TensorHandle a, NativeScalar s);
    [LibraryImport(Lib)] internal static partial int lst_tensor_div_scalar_(TensorHandle a, NativeScalar s);

    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_eq(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_ne(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_lt(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_le(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_gt(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_ge(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_eq_scalar(TensorHandle a, NativeScalar s);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_ne_scalar(TensorHandle a, NativeScalar s);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_lt_scalar(TensorHandle a, NativeScalar s);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_le_scalar(TensorHandle a, NativeScalar s);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_gt_scalar(TensorHandle a, NativeScalar s);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_ge_scalar(TensorHandle a, NativeScalar s);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_logical_and(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_logical_or(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_logical_xor(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_logical_not(TensorHandle a);
    [LibraryImport(Lib)] internal static partial int lst_tensor_equal(TensorHandle a, TensorHandle b);
    [LibraryImport(Lib)] internal static partial int lst_tensor_allclose(TensorHandle a, TensorHandle b, double rtol, double atol, int equalNan);

    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_neg(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_abs(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_exp(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_log(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_log1p(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_expm1(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_sqrt(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_rsqrt(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_square(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_reciprocal(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_sign(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_floor(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_ceil(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_round(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_trunc(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_sin(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_cos(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_tan(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_atan(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_sigmoid(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_tanh(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_relu(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_silu(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_isnan(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_isinf(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_isfinite(TensorHandle t);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_clamp(TensorHandle t, int hasMin, NativeScalar min, int hasMax, NativeScalar max);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_clamp_tensor(TensorHandle t, TensorHandle min, TensorHandle max);

    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_leaky_relu(TensorHandle t, double slope);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_elu(TensorHandle t, double alpha);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_softplus(TensorHandle t, double beta, double threshold);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial TensorHandle lst_tensor_gelu(TensorHandle t, string approximate);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_softmax(TensorHandle t, long dim, int dtype);
    [LibraryImport(Lib)] internal static partial TensorHandle lst_tensor_log_softmax(TensorHandle t, long dim, int dtype);
}
