namespace LatentSynth.Torch;

/// <summary>Element types, with the numeric codes the native shim uses (see common.h).</summary>
public enum DType
{
    /// <summary>32-bit float (torch.float32).</summary>
    Float32 = 0,
    /// <summary>64-bit float (torch.float64).</summary>
    Float64 = 1,
    /// <summary>64-bit signed integer (torch.int64).</summary>
    Int64 = 2,
    /// <summary>Boolean (torch.bool).</summary>
    Bool = 3,
    /// <summary>8-bit unsigned integer (torch.uint8).</summary>
    UInt8 = 4,
    /// <summary>32-bit signed integer (torch.int32).</summary>
    Int32 = 5,
    /// <summary>Complex with float32 parts (torch.complex64).</summary>
    Complex64 = 6,
    /// <summary>Complex with float64 parts (torch.complex128).</summary>
    Complex128 = 7,
    /// <summary>16-bit float (torch.float16).</summary>
    Float16 = 8,
    /// <summary>bfloat16 (torch.bfloat16).</summary>
    BFloat16 = 9,
}

/// <summary>Helpers about <see cref="DType"/>.</summary>
public static class DTypeExtensions
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this DType dtype) => dtype switch
    {
        DType.Float32 or DType.Int32 => 4,
        DType.Float64 or DType.Int64 or DType.Complex64 => 8,
        DType.Bool or DType.UInt8 => 1,
        DType.Complex128 => 16,
        DType.Float16 or DType.BFloat16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>True for float16/bfloat16/float32/float64.</summary>
    public static bool IsFloatingPoint(this DType dtype) =>
        dtype is DType.Float32 or DType.Float64 or DType.Float16 or DType.BFloat16;

    /// <summary>True for complex64/complex128.</summary>
    public static bool IsComplex(this DType dtype) => dtype is DType.Complex64 or DType.Complex128;

    /// <summary>PyTorch's name for the dtype (for example <c>float32</c>).</summary>
    public static string TorchName(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Int64 => "int64",
        DType.Bool => "bool",
        DType.UInt8 => "uint8",
        DType.Int32 => "int32",
        DType.Complex64 => "complex64",
        DType.Complex128 => "complex128",
        DType.Float16 => "float16",
        DType.BFloat16 => "bfloat16",
        _ => dtype.ToString(),
    };
}
