namespace LatentSynth.Torch;

// Elementwise math: operators, arithmetic methods (tensor and scalar forms, in place too),
// comparisons, logic, unary functions and activations. C# == and != are NOT overloaded: they keep
// reference equality; elementwise comparison is Eq/Ne/Lt/Le/Gt/Ge.
public partial class Tensor
{
    private static Tensor WrapMathOp(TensorHandle h, string op) => NativeMethods.Wrap(h, op);

    // ---- operators -----------------------------------------------------------------------------
    /// <summary>Elementwise sum with broadcasting (<c>a + b</c>).</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    /// <summary>Elementwise sum with a number (<c>a + b</c>).</summary>
    public static Tensor operator +(Tensor a, double b) => a.Add(b);
    /// <summary>Elementwise sum with a number (<c>a + b</c>).</summary>
    public static Tensor operator +(Tensor a, long b) => a.Add(b);
    /// <summary>Elementwise difference with broadcasting (<c>a - b</c>).</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    /// <summary>Elementwise difference with a number (<c>a - b</c>).</summary>
    public static Tensor operator -(Tensor a, double b) => a.Sub(b);
    /// <summary>Elementwise difference with a number (<c>a - b</c>).</summary>
    public static Tensor operator -(Tensor a, long b) => a.Sub(b);
    /// <summary>Elementwise product with broadcasting (<c>a * b</c>).</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    /// <summary>Elementwise product with a number (<c>a * b</c>).</summary>
    public static Tensor operator *(Tensor a, double b) => a.Mul(b);
    /// <summary>Elementwise product with a number (<c>a * b</c>).</summary>
    public static Tensor operator *(Tensor a, long b) => a.Mul(b);
    /// <summary>Elementwise true quotient with broadcasting (<c>a / b</c>).</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    /// <summary>Elementwise true quotient with a number (<c>a / b</c>).</summary>
    public static Tensor operator /(Tensor a, double b) => a.Div(b);
    /// <summary>Elementwise true quotient with a number (<c>a / b</c>).</summary>
    public static Tensor operator /(Tensor a, long b) => a.Div(b);
    /// <summary>Elementwise sum (<c>a + b</c>).</summary>
    public static Tensor operator +(double a, Tensor b) => b.Add(a);
    /// <summary>Elementwise sum (<c>a + b</c>).</summary>
    public static Tensor operator +(long a, Tensor b) => b.Add(a);
    /// <summary>Elementwise difference (<c>a - b</c>, torch.rsub).</summary>
    public static Tensor operator -(double a, Tensor b) => WrapMathOp(NativeMethods.lst_tensor_rsub_scalar(b.Handle, NativeScalar.Of(a)), "rsub");
    /// <summary>Elementwise difference (<c>a - b</c>, torch.rsub).</summary>
    public static Tensor operator -(long a, Tensor b) => WrapMathOp(NativeMethods.lst_tensor_rsub_scalar(b.Handle, NativeScalar.Of(a)), "rsub");
    /// <summary>Elementwise product (<c>a * b</c>).</summary>
    public static Tensor operator *(double a, Tensor b) => b.Mul(a);
    /// <summary>Elementwise product (<c>a * b</c>).</summary>
    public static Tensor operator *(long a, Tensor b) => b.Mul(a);
    /// <summary>Elementwise quotient <c>a / b</c>, computed as PyTorch does (<c>b.reciprocal() * a</c>).</summary>
    public static Tensor operator /(double a, Tensor b) => WrapMathOp(NativeMethods.lst_tensor_rdiv_scalar(b.Handle, NativeScalar.Of(a)), "div");
    /// <summary>Elementwise quotient <c>a / b</c>, computed as PyTorch does (<c>b.reciprocal() * a</c>).</summary>
    public static Tensor operator /(long a, Tensor b) => WrapMathOp(NativeMethods.lst_tensor_rdiv_scalar(b.Handle, NativeScalar.Of(a)), "div");
    /// <summary>Negation (<c>-a</c>).</summary>
    public static Tensor operator -(Tensor a) => a.Neg();

    /// <summary>
    /// A 0-dimensional float32 tensor holding <paramref name="value"/>. Exists so that a number can
    /// be assigned through the indexer (<c>t[0] = 1.5</c>); every use allocates a native tensor.
    /// </summary>
    public static implicit operator Tensor(double value) => Scalar(value);

    /// <summary>A 0-dimensional int64 tensor holding <paramref name="value"/> (see the double conversion).</summary>
    public static implicit operator Tensor(long value) => Scalar(value);

    // ---- arithmetic ----------------------------------------------------------------------------

    /// <summary><c>this + other</c> with broadcasting (<c>torch.add</c>).</summary>
    public Tensor Add(Tensor other) => Add(other, 1L);
    /// <summary><c>this + alpha * other</c> with broadcasting (<c>torch.add(a, b, alpha=)</c>); integer tensors need an integral alpha.</summary>
    public Tensor Add(Tensor other, double alpha) => WrapMathOp(NativeMethods.lst_tensor_add(Handle, other.Handle, NativeScalar.Of(alpha)), "add");
    /// <summary><c>this + alpha * other</c> with an integral alpha (keeps integer dtypes).</summary>
    public Tensor Add(Tensor other, long alpha) => WrapMathOp(NativeMethods.lst_tensor_add(Handle, other.Handle, NativeScalar.Of(alpha)), "add");
    /// <summary><c>this + value</c>.</summary>
    public Tensor Add(double value) => WrapMathOp(NativeMethods.lst_tensor_add_scalar(Handle, NativeScalar.Of(value), NativeScalar.Of(1L)), "add");
    /// <summary><c>this + value</c>.</summary>
    public Tensor Add(long value) => WrapMathOp(NativeMethods.lst_tensor_add_scalar(Handle, NativeScalar.Of(value), NativeScalar.Of(1L)), "add");
    /// <summary><c>this - other</c> with broadcasting (<c>torch.sub</c>).</summary>
    public Tensor Sub(Tensor other) => Sub(other, 1L);
    /// <summary><c>this - alpha * other</c> with broadcasting; integer tensors need an integral alpha.</summary>
    public Tensor Sub(Tensor other, double alpha) => WrapMathOp(NativeMethods.lst_tensor_sub(Handle, other.Handle, NativeScalar.Of(alpha)), "sub");
    /// <summary><c>this - alpha * other</c> with an integral alpha.</summary>
    public Tensor Sub(Tensor other, long alpha) => WrapMathOp(NativeMethods.lst_tensor_sub(Handle, other.Handle, NativeScalar.Of(alpha)), "sub");
    /// <summary><c>this - value</c>.</summary>
    public Tensor Sub(double value) => WrapMathOp(NativeMethods.lst_tensor_sub_scalar(Handle, NativeScalar.Of(value), NativeScalar.Of(1L)), "sub");
    /// <summary><c>this - value</c>.</summary>
    public Tensor Sub(long value) => WrapMathOp(NativeMethods.lst_tensor_sub_scalar(Handle, NativeScalar.Of(value), NativeScalar.Of(1L)), "sub");
    /// <summary>Elementwise product with broadcasting (<c>torch.mul</c>).</summary>
    public Tensor Mul(Tensor other) => WrapMathOp(NativeMethods.lst_tensor_mul(Handle, other.Handle), "mul");
    /// <summary><c>this * value</c>.</summary>
    public Tensor Mul(double value) => WrapMathOp(NativeMethods.lst_tensor_mul_scalar(Handle, NativeScalar.Of(value)), "mul");
    /// <summary><c>this * value</c>.</summary>
    public Tensor Mul(long value) => WrapMathOp(NativeMethods.lst_tensor_mul_scalar(Handle, NativeScalar.Of(value)), "mul");
    /// <summary>Elementwise true division with broadcasting (<c>torch.div</c>); integers give floats.</summary>
    public Tensor Div(Tensor other) => WrapMathOp(NativeMethods.lst_tensor_div(Handle, other.Handle), "div");
    /// <summary><c>this / value</c>.</summary>
    public Tensor Div(double value) => WrapMathOp(NativeMethods.lst_tensor_div_scalar(Handle, NativeScalar.Of(value)), "div");
    /// <summary><c>this / value</c>.</summary>
    public Tensor Div(long value) => WrapMathOp(NativeMethods.lst_tensor_div_scalar(Handle, NativeScalar.Of(value)), "div");
    /// <summary>Elementwise power with broadcasting (<c>torch.pow</c>).</summary>
    public Tensor Pow(Tensor exponent) => WrapMathOp(NativeMethods.lst_tensor_pow(Handle, exponent.Handle), "pow");
    /// <summary><c>this ** exponent</c>.</summary>
    public Tensor Pow(double exponent) => WrapMathOp(NativeMethods.lst_tensor_pow_scalar(Handle, NativeScalar.Of(exponent)), "pow");
    /// <summary><c>this ** exponent</c>.</summary>
    public Tensor Pow(long exponent) => WrapMathOp(NativeMethods.lst_tensor_pow_scalar(Handle, NativeScalar.Of(exponent)), "pow");
    /// <summary>Python-style modulus (result has the divisor's sign) (<c>torch.remainder</c>).</summary>
    public Tensor Remainder(Tensor other) => WrapMathOp(NativeMethods.lst_tensor_remainder(Handle, other.Handle), "remainder");
    /// <summary>Python-style modulus by a number.</summary>
    public Tensor Remainder(double value) => WrapMathOp(NativeMethods.lst_tensor_remainder_scalar(Handle, NativeScalar.Of(value)), "remainder");
    /// <summary>Python-style modulus by a number.</summary>
    public Tensor Remainder(long value) => WrapMathOp(NativeMethods.lst_tensor_remainder_scalar(Handle, NativeScalar.Of(value)), "remainder");
    /// <summary>Elementwise angle of (other, this) as atan2(this, other) (<c>torch.atan2</c>).</summary>
    public Tensor Atan2(Tensor other) => WrapMathOp(NativeMethods.lst_tensor_atan2(Handle, other.Handle), "atan2");
    /// <summary>Elementwise minimum of two tensors (<c>torch.minimum</c>; NaN propagates).</summary>
    public Tensor Minimum(Tensor other) => WrapMathOp(NativeMethods.lst_tensor_minimum(Handle, other.Handle), "minimum");
    /// <summary>Elementwise maximum of two tensors (<c>torch.maximum</c>; NaN propagates).</summary>
    public Tensor Maximum(Tensor other) => WrapMathOp(NativeMethods.lst_tensor_maximum(Handle, other.Handle), "maximum");

    // ---- in place ------------------------------------------------------------------------------
    /// <summary>Adds <paramref name="other"/> in place (<c>tensor.add_</c>); returns this.</summary>
    public Tensor Add_(Tensor other) => AddInPlaceCore(other, NativeScalar.Of(1L));
    /// <summary>Adds <c>alpha * other</c> in place; returns this.</summary>
    public Tensor Add_(Tensor other, double alpha) => AddInPlaceCore(other, NativeScalar.Of(alpha));
    /// <summary>Adds <c>alpha * other</c> in place with an integral alpha; returns this.</summary>
    public Tensor Add_(Tensor other, long alpha) => AddInPlaceCore(other, NativeScalar.Of(alpha));

    private Tensor AddInPlaceCore(Tensor other, NativeScalar alpha)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_add_(Handle, other.Handle, alpha), "add_");
        return this;
    }
    /// <summary>Subtracts <paramref name="other"/> in place (<c>tensor.sub_</c>); returns this.</summary>
    public Tensor Sub_(Tensor other) => SubInPlaceCore(other, NativeScalar.Of(1L));
    /// <summary>Subtracts <c>alpha * other</c> in place; returns this.</summary>
    public Tensor Sub_(Tensor other, double alpha) => SubInPlaceCore(other, NativeScalar.Of(alpha));
    /// <summary>Subtracts <c>alpha * other</c> in place with an integral alpha; returns this.</summary>
    public Tensor Sub_(Tensor other, long alpha) => SubInPlaceCore(other, NativeScalar.Of(alpha));

    private Tensor SubInPlaceCore(Tensor other, NativeScalar alpha)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_sub_(Handle, other.Handle, alpha), "sub_");
        return this;
    }
    /// <summary>Multiplies by <paramref name="other"/> in place (<c>tensor.mul_</c>); returns this.</summary>
    public Tensor Mul_(Tensor other)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_mul_(Handle, other.Handle), "mul_");
        return this;
    }
    /// <summary>Divides by <paramref name="other"/> in place (<c>tensor.div_</c>); returns this.</summary>
    public Tensor Div_(Tensor other)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_div_(Handle, other.Handle), "div_");
        return this;
    }
    /// <summary>Adds <paramref name="value"/> in place (<c>tensor.add_</c>); returns this.</summary>
    public Tensor Add_(double value)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_add_scalar_(Handle, NativeScalar.Of(value)), "add_");
        return this;
    }
    /// <summary>Adds <paramref name="value"/> in place (<c>tensor.add_</c>); returns this.</summary>
    public Tensor Add_(long value)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_add_scalar_(Handle, NativeScalar.Of(value)), "add_");
        return this;
    }
    /// <summary>Subtracts <paramref name="value"/> in place (<c>tensor.sub_</c>); returns this.</summary>
    public Tensor Sub_(double value)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_sub_scalar_(Handle, NativeScalar.Of(value)), "sub_");
        return this;
    }
    /// <summary>Subtracts <paramref name="value"/> in place (<c>tensor.sub_</c>); returns this.</summary>
    public Tensor Sub_(long value)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_sub_scalar_(Handle, NativeScalar.Of(value)), "sub_");
        return this;
    }
    /// <summary>Multiplies by <paramref name="value"/> in place (<c>tensor.mul_</c>); returns this.</summary>
    public Tensor Mul_(double value)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_mul_scalar_(Handle, NativeScalar.Of(value)), "mul_");
        return this;
    }
    /// <summary>Multiplies by <paramref name="value"/> in place (<c>tensor.mul_</c>); returns this.</summary>
    public Tensor Mul_(long value)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_mul_scalar_(Handle, NativeScalar.Of(value)), "mul_");
        return this;
    }
    /// <summary>Divides by <paramref name="value"/> in place (<c>tensor.div_</c>); returns this.</summary>
    public Tensor Div_(double value)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_div_scalar_(Handle, NativeScalar.Of(value)), "div_");
        return this;
    }
    /// <summary>Divides by <paramref name="value"/> in place (<c>tensor.div_</c>); returns this.</summary>
    public Tensor Div_(long value)
    {
        NativeMethods.Check(NativeMethods.lst_tensor_div_scalar_(Handle, NativeScalar.Of(value)), "div_");
        return this;
    }
    // ---- comparisons and logic -----------------------------------------------------------------
    /// <summary>Elementwise <c>this == other</c> as a bool tensor (<c>torch.eq</c>).</summary>
    public Tensor Eq(Tensor other) => WrapMathOp(NativeMethods.lst_tensor_eq(Handle, other.Handle), "eq");
    /// <summary>Elementwise <c>this == value</c> as a bool tensor.</summary>
    public Tensor Eq(double value) => WrapMathOp(NativeMethods.lst_tensor_eq_scalar(Handle, NativeScalar.Of(value)), "eq");
    /// <summary>Elementwise <c>this == value</c> as a bool tensor.</summary>
    public Tensor Eq(long value) => WrapMathOp(NativeMethods.lst_tensor_eq_scalar(Handle, NativeScalar.Of(value)), "eq");
    /// <summary>Elementwise <c>this != other</c> as a bool tensor (<c>torch.ne</c>).</summary>
    public Tensor Ne(Tensor other) => WrapMathOp(NativeMethods.lst_tensor_ne(Handle, other.Handle), "ne");
    /// <summary>Elementwise <c>this != value</c> as a bool tensor.</summary>
    public Tensor Ne(double value) => WrapMathOp(NativeMethods.lst_tensor_ne_scalar(Handle, NativeScalar.Of(value)), "ne");
    /// <summary>Elementwise <c>this != value</c> as a bool tensor.</summary>
    public Tensor Ne(long value) => WrapMathOp(NativeMethods.lst_tensor_ne_scalar(Handle, NativeScalar.Of(value)), "ne");
    /// <summary>Elementwise <c>this &lt; other</c> as a bool tensor (<c>torch.lt</c>).</summary>
    public Tensor Lt(Tensor other) => WrapMathOp(NativeMethods.lst_tensor_lt(Handle, other.Handle), "lt");
    /// <summary>Elementwise <c>this &lt; value</c> as a bool tensor.</summary>
    public Tensor Lt(double value) => WrapMathOp(NativeMethods.lst_tensor_lt_scalar(Handle, NativeScalar.Of(value)), "lt");
    /// <summary>Elementwise <c>this &lt; value</c> as a bool tensor.</summary>
    public Tensor Lt(long value) => WrapMathOp(NativeMethods.lst_tensor_lt_scalar(Handle, NativeScalar.Of(value)), "lt");
    /// <summary>Elementwise <c>this &lt;= other</c> as a bool tensor (<c>torch.le</c>).</summary>
    public Tensor Le(Tensor other) => WrapMathOp(NativeMethods.lst_tensor_le(Handle, other.Handle), "le");
    /// <summary>Elementwise <c>this &lt;= value</c> as a bool tensor.</summary>
    public Tensor Le(double value) => WrapMathOp(NativeMethods.lst_tensor_le_scalar(Handle, NativeScalar.Of(value)), "le");
    /// <summary>Elementwise <c>this &lt;= value</c> as a bool tensor.</summary>
    public Tensor Le(long value) => WrapMathOp(NativeMethods.lst_tensor_le_scalar(Handle, NativeScalar.Of(value)), "le");
    /// <summary>Elementwise <c>this &gt; other</c> as a bool tensor (<c>torch.gt</c>).</summary>
    public Tensor Gt(Tensor other) => WrapMathOp(NativeMethods.lst_tensor_gt(Handle, other.Handle), "gt");
    /// <summary>Elementwise <c>this &gt; value</c> as a bool tensor.</summary>
    public Tensor Gt(double value) => WrapMathOp(NativeMethods.lst_tensor_gt_scalar(Handle, NativeScalar.Of(value)), "gt");
    /// <summary>Elementwise <c>this &gt; value</c> as a bool tensor.</summary>
    public Tensor Gt(long value) => WrapMathOp(NativeMethods.lst_tensor_gt_scalar(Handle, NativeScalar.Of(value)), "gt");
    /// <summary>Elementwise <c>this &gt;= other</c> as a bool tensor (<c>torch.ge</c>).</summary>
    public Tensor Ge(Tensor other) => WrapMathOp(NativeMethods.lst_tensor_ge(Handle, other.Handle), "ge");
    /// <summary>Elementwise <c>this &gt;= value</c> as a bool tensor.</summary>
    public Tensor Ge(double value) => WrapMathOp(NativeMethods.lst_tensor_ge_scalar(Handle, NativeScalar.Of(value)), "ge");
    /// <summary>Elementwise <c>this &gt;= value</c> as a bool tensor.</summary>
    public Tensor Ge(long value) => WrapMathOp(NativeMethods.lst_tensor_ge_scalar(Handle, NativeScalar.Of(value)), "ge");
    /// <summary>Elementwise logical and (non-zero is true) as a bool tensor.</summary>
    public Tensor LogicalAnd(Tensor other) => WrapMathOp(NativeMethods.lst_tensor_logical_and(Handle, other.Handle), "logical_and");
    /// <summary>Elementwise logical or as a bool tensor.</summary>
    public Tensor LogicalOr(Tensor other) => WrapMathOp(NativeMethods.lst_tensor_logical_or(Handle, other.Handle), "logical_or");
    /// <summary>Elementwise logical exclusive or as a bool tensor.</summary>
    public Tensor LogicalXor(Tensor other) => WrapMathOp(NativeMethods.lst_tensor_logical_xor(Handle, other.Handle), "logical_xor");
    /// <summary>Elementwise logical not as a bool tensor.</summary>
    public Tensor LogicalNot() => WrapMathOp(NativeMethods.lst_tensor_logical_not(Handle), "logical_not");

    /// <summary>True when <paramref name="other"/> has the same shape and elements (<c>torch.equal</c>).</summary>
    public bool Equal(Tensor other)
    {
        int r = NativeMethods.lst_tensor_equal(Handle, other.Handle);
        if (r < 0) throw TorchException.FromLastError("equal");
        return r == 1;
    }

    /// <summary>True when every element satisfies |this - other| &lt;= atol + rtol * |other| (<c>torch.allclose</c>).</summary>
    public bool AllClose(Tensor other, double rtol = 1e-5, double atol = 1e-8, bool equalNan = false)
    {
        int r = NativeMethods.lst_tensor_allclose(Handle, other.Handle, rtol, atol, equalNan ? 1 : 0);
        if (r < 0) throw TorchException.FromLastError("allclose");
        return r == 1;
    }

    // ---- unary functions -----------------------------------------------------------------------
    /// <summary>Negation (<c>torch.neg</c>).</summary>
    public Tensor Neg() => WrapMathOp(NativeMethods.lst_tensor_neg(Handle), "neg");
    /// <summary>Absolute value; for complex tensors the magnitude (a real tensor) (<c>torch.abs</c>).</summary>
    public Tensor Abs() => WrapMathOp(NativeMethods.lst_tensor_abs(Handle), "abs");
    /// <summary>e to the power of each element (<c>torch.exp</c>).</summary>
    public Tensor Exp() => WrapMathOp(NativeMethods.lst_tensor_exp(Handle), "exp");
    /// <summary>Natural logarithm (<c>torch.log</c>).</summary>
    public Tensor Log() => WrapMathOp(NativeMethods.lst_tensor_log(Handle), "log");
    /// <summary>log(1 + x), accurate for small x (<c>torch.log1p</c>).</summary>
    public Tensor Log1p() => WrapMathOp(NativeMethods.lst_tensor_log1p(Handle), "log1p");
    /// <summary>exp(x) - 1, accurate for small x (<c>torch.expm1</c>).</summary>
    public Tensor Expm1() => WrapMathOp(NativeMethods.lst_tensor_expm1(Handle), "expm1");
    /// <summary>Square root (<c>torch.sqrt</c>).</summary>
    public Tensor Sqrt() => WrapMathOp(NativeMethods.lst_tensor_sqrt(Handle), "sqrt");
    /// <summary>Reciprocal square root 1/sqrt(x) (<c>torch.rsqrt</c>).</summary>
    public Tensor Rsqrt() => WrapMathOp(NativeMethods.lst_tensor_rsqrt(Handle), "rsqrt");
    /// <summary>x * x (<c>torch.square</c>).</summary>
    public Tensor Square() => WrapMathOp(NativeMethods.lst_tensor_square(Handle), "square");
    /// <summary>1 / x (<c>torch.reciprocal</c>).</summary>
    public Tensor Reciprocal() => WrapMathOp(NativeMethods.lst_tensor_reciprocal(Handle), "reciprocal");
    /// <summary>Sign: -1, 0 or 1 (<c>torch.sign</c>).</summary>
    public Tensor Sign() => WrapMathOp(NativeMethods.lst_tensor_sign(Handle), "sign");
    /// <summary>Rounds down (<c>torch.floor</c>).</summary>
    public Tensor Floor() => WrapMathOp(NativeMethods.lst_tensor_floor(Handle), "floor");
    /// <summary>Rounds up (<c>torch.ceil</c>).</summary>
    public Tensor Ceil() => WrapMathOp(NativeMethods.lst_tensor_ceil(Handle), "ceil");
    /// <summary>Rounds half to even (<c>torch.round</c>).</summary>
    public Tensor Round() => WrapMathOp(NativeMethods.lst_tensor_round(Handle), "round");
    /// <summary>Rounds toward zero (<c>torch.trunc</c>).</summary>
    public Tensor Trunc() => WrapMathOp(NativeMethods.lst_tensor_trunc(Handle), "trunc");
    /// <summary>Sine (<c>torch.sin</c>).</summary>
    public Tensor Sin() => WrapMathOp(NativeMethods.lst_tensor_sin(Handle), "sin");
    /// <summary>Cosine (<c>torch.cos</c>).</summary>
    public Tensor Cos() => WrapMathOp(NativeMethods.lst_tensor_cos(Handle), "cos");
    /// <summary>Tangent (<c>torch.tan</c>).</summary>
    public Tensor Tan() => WrapMathOp(NativeMethods.lst_tensor_tan(Handle), "tan");
    /// <summary>Arc tangent (<c>torch.atan</c>).</summary>
    public Tensor Atan() => WrapMathOp(NativeMethods.lst_tensor_atan(Handle), "atan");
    /// <summary>Logistic sigmoid 1/(1+exp(-x)) (<c>torch.sigmoid</c>).</summary>
    public Tensor Sigmoid() => WrapMathOp(NativeMethods.lst_tensor_sigmoid(Handle), "sigmoid");
    /// <summary>Hyperbolic tangent (<c>torch.tanh</c>).</summary>
    public Tensor Tanh() => WrapMathOp(NativeMethods.lst_tensor_tanh(Handle), "tanh");
    /// <summary>max(x, 0) (<c>torch.relu</c>).</summary>
    public Tensor Relu() => WrapMathOp(NativeMethods.lst_tensor_relu(Handle), "relu");
    /// <summary>x * sigmoid(x) (SiLU / swish) (<c>torch.silu</c>).</summary>
    public Tensor Silu() => WrapMathOp(NativeMethods.lst_tensor_silu(Handle), "silu");
    /// <summary>Bool tensor: true where the element is NaN (<c>torch.isnan</c>).</summary>
    public Tensor IsNan() => WrapMathOp(NativeMethods.lst_tensor_isnan(Handle), "isnan");
    /// <summary>Bool tensor: true where the element is +-infinity (<c>torch.isinf</c>).</summary>
    public Tensor IsInf() => WrapMathOp(NativeMethods.lst_tensor_isinf(Handle), "isinf");
    /// <summary>Bool tensor: true where the element is neither NaN nor infinite (<c>torch.isfinite</c>).</summary>
    public Tensor IsFinite() => WrapMathOp(NativeMethods.lst_tensor_isfinite(Handle), "isfinite");
    /// <summary>Limits every element to [min, max] (<c>torch.clamp</c>); a null bound is open. At least one bound is required.</summary>
    public Tensor Clamp(double? min = null, double? max = null)
    {
        if (min is null && max is null) throw new ArgumentException("give at least one of min and max", nameof(min));
        return WrapMathOp(NativeMethods.lst_tensor_clamp(Handle, min.HasValue ? 1 : 0, NativeScalar.Of(min.GetValueOrDefault()),
            max.HasValue ? 1 : 0, NativeScalar.Of(max.GetValueOrDefault())), "clamp");
    }

    /// <summary>Limits every element to [min, max] with integral bounds (keeps integer dtypes).</summary>
    public Tensor Clamp(long? min = null, long? max = null)
    {
        if (min is null && max is null) throw new ArgumentException("give at least one of min and max", nameof(min));
        return WrapMathOp(NativeMethods.lst_tensor_clamp(Handle, min.HasValue ? 1 : 0, NativeScalar.Of(min.GetValueOrDefault()),
            max.HasValue ? 1 : 0, NativeScalar.Of(max.GetValueOrDefault())), "clamp");
    }

    /// <summary>Limits every element between the (broadcast) tensors <paramref name="min"/> and <paramref name="max"/>; a null bound is open.</summary>
    public Tensor Clamp(Tensor? min, Tensor? max)
    {
        if (min is null && max is null) throw new ArgumentException("give at least one of min and max", nameof(min));
        return WrapMathOp(NativeMethods.lst_tensor_clamp_tensor(Handle, NativeMethods.OptionalTensor(min),
            NativeMethods.OptionalTensor(max)), "clamp");
    }

    /// <summary>max(x, min) (<c>torch.clamp_min</c>).</summary>
    public Tensor ClampMin(double min) => Clamp(min, (double?)null);
    /// <summary>max(x, min) with an integral bound.</summary>
    public Tensor ClampMin(long min) => Clamp(min, (long?)null);
    /// <summary>min(x, max) (<c>torch.clamp_max</c>).</summary>
    public Tensor ClampMax(double max) => Clamp((double?)null, max);
    /// <summary>min(x, max) with an integral bound.</summary>
    public Tensor ClampMax(long max) => Clamp((long?)null, max);

    // ---- activations ---------------------------------------------------------------------------

    /// <summary>x for x &gt; 0, <paramref name="negativeSlope"/> * x otherwise (<c>leaky_relu</c>).</summary>
    public Tensor LeakyRelu(double negativeSlope = 0.01) => WrapMathOp(NativeMethods.lst_tensor_leaky_relu(Handle, negativeSlope), "leaky_relu");

    /// <summary>x for x &gt; 0, alpha * (exp(x) - 1) otherwise (<c>elu</c>).</summary>
    public Tensor Elu(double alpha = 1) => WrapMathOp(NativeMethods.lst_tensor_elu(Handle, alpha), "elu");

    /// <summary>log(1 + exp(beta * x)) / beta, linear where beta * x &gt; threshold (<c>softplus</c>).</summary>
    public Tensor Softplus(double beta = 1, double threshold = 20) => WrapMathOp(NativeMethods.lst_tensor_softplus(Handle, beta, threshold), "softplus");

    /// <summary>Gaussian error linear unit; <paramref name="approximate"/> is "none" (exact, erf) or "tanh" (<c>gelu</c>).</summary>
    public Tensor Gelu(string approximate = "none")
    {
        ArgumentNullException.ThrowIfNull(approximate);
        if (approximate is not ("none" or "tanh"))
            throw new ArgumentException($"approximate must be \"none\" or \"tanh\", got \"{approximate}\"", nameof(approximate));
        return WrapMathOp(NativeMethods.lst_tensor_gelu(Handle, approximate), "gelu");
    }

    /// <summary>Softmax along <paramref name="dim"/>; <paramref name="dtype"/> casts the input first (<c>softmax</c>).</summary>
    public Tensor Softmax(int dim, DType? dtype = null) =>
        WrapMathOp(NativeMethods.lst_tensor_softmax(Handle, dim, dtype is null ? -1 : (int)dtype.Value), "softmax");

    /// <summary>log(softmax(x)) along <paramref name="dim"/>, computed stably (<c>log_softmax</c>).</summary>
    public Tensor LogSoftmax(int dim, DType? dtype = null) =>
        WrapMathOp(NativeMethods.lst_tensor_log_softmax(Handle, dim, dtype is null ? -1 : (int)dtype.Value), "log_softmax");
}
