using System.Numerics;
using LatentSynth.Torch.NN;

namespace LatentSynth.Torch.Tests;

/// <summary>Elementwise math, reductions and matrix products against PyTorch goldens (values and gradients).</summary>
public class OpsMathTests
{
    public static readonly Dictionary<string, Func<Tensor[], Tensor>> Cases = new()
    {
        // unary
        ["neg"] = a => -a[0],
        ["abs"] = a => a[0].Abs(),
        ["exp"] = a => a[0].Exp(),
        ["exp_f64"] = a => a[0].Exp(),
        ["log"] = a => a[0].Log(),
        ["log1p"] = a => a[0].Log1p(),
        ["expm1"] = a => a[0].Expm1(),
        ["sqrt"] = a => a[0].Sqrt(),
        ["rsqrt"] = a => a[0].Rsqrt(),
        ["square"] = a => a[0].Square(),
        ["reciprocal"] = a => a[0].Reciprocal(),
        ["sign"] = a => a[0].Sign(),
        ["floor"] = a => a[0].Floor(),
        ["ceil"] = a => a[0].Ceil(),
        ["round"] = a => a[0].Round(),
        ["trunc"] = a => a[0].Trunc(),
        ["sin"] = a => a[0].Sin(),
        ["cos"] = a => a[0].Cos(),
        ["tan"] = a => a[0].Tan(),
        ["atan"] = a => a[0].Atan(),
        ["sigmoid"] = a => F.Sigmoid(a[0]),
        ["tanh"] = a => F.Tanh(a[0]),
        ["relu"] = a => F.Relu(a[0]),
        ["silu"] = a => F.Silu(a[0]),
        ["leaky_relu"] = a => F.LeakyRelu(a[0]),
        ["leaky_relu_02"] = a => F.LeakyRelu(a[0], 0.2),
        ["elu"] = a => F.Elu(a[0]),
        ["elu_a05"] = a => F.Elu(a[0], 0.5),
        ["softplus"] = a => F.Softplus(a[0]),
        ["softplus_b2_t1"] = a => F.Softplus(a[0], beta: 2, threshold: 1),
        ["gelu"] = a => F.Gelu(a[0]),
        ["gelu_tanh"] = a => F.Gelu(a[0], "tanh"),
        ["softmax_d1"] = a => F.Softmax(a[0], 1),
        ["softmax_d0"] = a => a[0].Softmax(0),
        ["log_softmax_d1"] = a => F.LogSoftmax(a[0], 1),
        ["log_softmax_dm1_f64"] = a => a[0].LogSoftmax(-1),
        ["clamp"] = a => a[0].Clamp(-0.5, 0.5),
        ["clamp_min"] = a => a[0].ClampMin(0.1),
        ["clamp_max"] = a => a[0].ClampMax(0.2),
        ["clamp_tensor"] = a => a[0].Clamp(a[1], a[2]),
        // arithmetic
        ["add_scalar"] = a => a[0] + 1.5,
        ["add_long"] = a => a[0] + 2,
        ["radd_scalar"] = a => 1.5 + a[0],
        ["sub_scalar"] = a => a[0] - 0.25,
        ["rsub_scalar"] = a => 1.5 - a[0],
        ["mul_scalar"] = a => a[0] * 3.0,
        ["rmul_long"] = a => 3 * a[0],
        ["div_scalar"] = a => a[0] / 4.0,
        ["rdiv_scalar"] = a => 2.0 / a[0],
        ["pow_scalar"] = a => a[0].Pow(2.5),
        ["pow_long"] = a => a[0].Pow(3),
        ["rpow_scalar"] = a => Torch.Pow(2.0, a[0]),
        ["remainder_scalar"] = a => a[0].Remainder(0.7),
        ["add"] = a => a[0] + a[1],
        ["add_broadcast"] = a => a[0] + a[1],
        ["add_alpha"] = a => a[0].Add(a[1], alpha: 0.5),
        ["sub"] = a => a[0] - a[1],
        ["sub_alpha"] = a => a[0].Sub(a[1], alpha: 2.0),
        ["mul"] = a => a[0] * a[1],
        ["div"] = a => a[0] / a[1],
        ["pow"] = a => a[0].Pow(a[1]),
        ["remainder"] = a => a[0].Remainder(a[1]),
        ["atan2"] = a => a[0].Atan2(a[1]),
        ["minimum"] = a => Torch.Minimum(a[0], a[1]),
        ["maximum"] = a => Torch.Maximum(a[0], a[1]),
        ["neg_f64_chain"] = a => -(a[0] * a[1]) + a[0] / 3.0,
        ["int_add"] = a => a[0] + a[1],
        ["int_add_long"] = a => a[0] + 5,
        ["int_mul_float"] = a => a[0] * 0.5,
        ["int_div"] = a => a[0] / a[1],
        ["int_remainder"] = a => a[0].Remainder(a[1]),
        ["int_sum"] = a => a[0].Sum(),
        ["int_clamp"] = a => a[0].Clamp(-5, 5),
        // comparisons and logic
        ["eq"] = a => a[0].Eq(a[1]),
        ["ne"] = a => a[0].Ne(a[1]),
        ["lt"] = a => a[0].Lt(a[1]),
        ["le"] = a => a[0].Le(a[1]),
        ["gt"] = a => a[0].Gt(a[1]),
        ["ge"] = a => a[0].Ge(a[1]),
        ["eq_scalar"] = a => a[0].Eq(0.25),
        ["ne_scalar"] = a => a[0].Ne(0.25),
        ["lt_scalar"] = a => a[0].Lt(0.25),
        ["le_scalar"] = a => a[0].Le(0.25),
        ["gt_scalar"] = a => a[0].Gt(0.25),
        ["ge_scalar"] = a => a[0].Ge(0.25),
        ["logical_and"] = a => a[0].LogicalAnd(a[1]),
        ["logical_or"] = a => a[0].LogicalOr(a[1]),
        ["logical_xor"] = a => a[0].LogicalXor(a[1]),
        ["logical_not"] = a => a[0].LogicalNot(),
        ["isnan"] = a => a[0].IsNan(),
        ["isinf"] = a => a[0].IsInf(),
        ["isfinite"] = a => a[0].IsFinite(),
        // reductions
        ["sum"] = a => a[0].Sum(),
        ["sum_d1"] = a => a[0].Sum(1),
        ["sum_d01_keep"] = a => a[0].Sum([0, 1], keepDim: true),
        ["sum_f64"] = a => a[0].Sum(-1),
        ["mean"] = a => a[0].Mean(),
        ["mean_d0"] = a => a[0].Mean(0),
        ["mean_dims_keep"] = a => a[0].Mean([0, 2], keepDim: true),
        ["var"] = a => a[0].Var(),
        ["var_d1"] = a => a[0].Var(1),
        ["var_biased_d1_keep"] = a => a[0].Var(1, unbiased: false, keepDim: true),
        ["var_dims"] = a => a[0].Var([0, 2]),
        ["std"] = a => a[0].Std(),
        ["std_d0"] = a => a[0].Std(0),
        ["std_biased"] = a => a[0].Std(unbiased: false),
        ["max"] = a => a[0].Max(),
        ["min"] = a => a[0].Min(),
        ["max_d1"] = a => a[0].Max(1).Values,
        ["min_d0_keep"] = a => a[0].Min(0, keepDim: true).Values,
        ["max_d1_indices"] = a => a[0].Max(1).Indices,
        ["min_d0_keep_indices"] = a => a[0].Min(0, keepDim: true).Indices,
        ["argmax"] = a => a[0].Argmax(),
        ["argmax_d1"] = a => a[0].Argmax(1),
        ["argmin"] = a => a[0].Argmin(),
        ["argmin_d0_keep"] = a => a[0].Argmin(0, keepDim: true),
        ["logsumexp_d1"] = a => a[0].Logsumexp(1),
        ["logsumexp_d01_keep"] = a => a[0].Logsumexp([0, 1], keepDim: true),
        ["prod"] = a => a[0].Prod(),
        ["prod_d1"] = a => a[0].Prod(1),
        ["norm"] = a => a[0].Norm(),
        ["norm_p1"] = a => a[0].Norm(1),
        ["norm_d1"] = a => a[0].Norm(2, 1),
        ["norm_p3_dims_keep"] = a => a[0].Norm(3, [0, 2], keepDim: true),
        ["cumsum_d1"] = a => a[0].Cumsum(1),
        ["all"] = a => a[0].All(),
        ["any"] = a => a[0].Any(),
        ["all_d1"] = a => a[0].All(1),
        ["any_d0_keep"] = a => a[0].Any(0, keepDim: true),
        // linear algebra
        ["matmul"] = a => a[0].Matmul(a[1]),
        ["matmul_batched"] = a => Torch.Matmul(a[0], a[1]),
        ["matmul_vec"] = a => a[0].Matmul(a[1]),
        ["matmul_f64"] = a => a[0].Matmul(a[1]),
        ["mm"] = a => Torch.Mm(a[0], a[1]),
        ["bmm"] = a => Torch.Bmm(a[0], a[1]),
        ["outer"] = a => Torch.Outer(a[0], a[1]),
        ["dot"] = a => a[0].Dot(a[1]),
        ["cdist"] = a => Torch.Cdist(a[0], a[1]),
        ["cdist_p1"] = a => Torch.Cdist(a[0], a[1], p: 1),
        ["cdist_batched"] = a => Torch.Cdist(a[0], a[1]),
        ["linear"] = a => F.Linear(a[0], a[1], a[2]),
        ["linear_nobias"] = a => F.Linear(a[0], a[1]),
        // everything chained (float64)
        ["composite"] = a => F.Softplus(a[0].Matmul(a[1])).Mul(F.Sigmoid(a[0])).Logsumexp(1).Sum(),
    };

    public static IEnumerable<object[]> Names => OpsGolden.Names(Cases);

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesPyTorch(string name) => OpsGolden.Check(name, Cases[name]);

    [Fact]
    public void AbsOfComplexIsTheMagnitudeWithPyTorchsGradient()
    {
        using var scope = Torch.NewScope();
        var input = Goldens.Get(OpsGolden.Area, "abs_complex.in0").ToArray<double>();
        var z = Tensor.From(Pairs(input)).RequiresGrad_();
        Assert.Equal(DType.Complex128, z.DType);
        var y = z.Abs();
        Assert.Equal(DType.Float64, y.DType);
        // Same kernel (hypot) as PyTorch: exact.
        Goldens.AssertClose(Goldens.Get(OpsGolden.Area, "abs_complex.y"), y, 0, 0, "complex abs");
        y.Backward(Goldens.Get(OpsGolden.Area, "abs_complex.go"));
        var grad = z.Grad!.ToArray<Complex>();
        var expected = Pairs(Goldens.Get(OpsGolden.Area, "abs_complex.d0").ToArray<double>());
        Assert.Equal(expected, grad);
    }

    private static Complex[] Pairs(double[] realView)
    {
        var r = new Complex[realView.Length / 2];
        for (int i = 0; i < r.Length; i++) r[i] = new Complex(realView[2 * i], realView[2 * i + 1]);
        return r;
    }

    [Fact]
    public void EveryGoldenCaseHasACSharpCase()
    {
        var covered = Cases.Keys.Concat(OpsShapeTests.Cases.Keys).Append("abs_complex").ToHashSet();
        var missing = OpsGolden.AllCaseNames().Where(n => !covered.Contains(n)).ToList();
        Assert.True(missing.Count == 0, "golden cases without a C# case: " + string.Join(", ", missing));
        Assert.True(Cases.Count + OpsShapeTests.Cases.Count > 150);
    }

    [Fact]
    public void FiniteDifferencesAgreeWithAutogradOnAComposite()
    {
        // f(x, W) = logsumexp(softplus(x @ W) * sigmoid(x), 1).sum() in float64. Central differences
        // with eps = 1e-6 have truncation error ~eps^2 f''' ~ 1e-12 and rounding error
        // ~1e-16 |f| / eps ~ 1e-10, far inside the 1e-6 relative tolerance (plus 1e-9 absolute
        // for gradient entries that happen to be near zero).
        using var scope = Torch.NewScope();
        var gen = new Generator(3);
        var x = Torch.Randn([3, 4], DType.Float64, generator: gen).RequiresGrad_();
        var w = Torch.Randn([4, 4], DType.Float64, generator: gen).RequiresGrad_();
        Tensor F_(Tensor xi, Tensor wi) => F.Softplus(xi.Matmul(wi)).Mul(F.Sigmoid(xi)).Logsumexp(1).Sum();
        F_(x, w).Backward();
        var autoX = x.Grad!.ToArray<double>();
        var autoW = w.Grad!.ToArray<double>();

        double[] Numeric(Tensor target, Func<Tensor, double> f)
        {
            const double eps = 1e-6;
            var baseValues = target.Detach().ToArray<double>();
            var grad = new double[baseValues.Length];
            for (int i = 0; i < baseValues.Length; i++)
            {
                var plus = (double[])baseValues.Clone();
                plus[i] += eps;
                var minus = (double[])baseValues.Clone();
                minus[i] -= eps;
                using var tp = Tensor.From(plus, target.Shape);
                using var tm = Tensor.From(minus, target.Shape);
                grad[i] = (f(tp) - f(tm)) / (2 * eps);
            }
            return grad;
        }

        using (Torch.NoGrad())
        {
            var numX = Numeric(x, xi => F_(xi, w).Item());
            var numW = Numeric(w, wi => F_(x, wi).Item());
            AssertRelClose(numX, autoX, "d/dx");
            AssertRelClose(numW, autoW, "d/dW");
        }

        static void AssertRelClose(double[] numeric, double[] auto, string what)
        {
            Assert.Equal(numeric.Length, auto.Length);
            for (int i = 0; i < numeric.Length; i++)
                Assert.True(Math.Abs(numeric[i] - auto[i]) <= 1e-6 * Math.Abs(auto[i]) + 1e-9,
                    $"{what}[{i}]: finite differences {numeric[i]:R} vs autograd {auto[i]:R}");
        }
    }

    [Fact]
    public void OperatorsMatchTheirMethodsAndKeepReferenceEquality()
    {
        using var scope = Torch.NewScope();
        var a = Tensor.From(new float[] { 1, 2, 3 });
        var b = Tensor.From(new float[] { 4, 5, 6 });
        Assert.Equal(new float[] { 5, 7, 9 }, (a + b).ToArray<float>());
        Assert.Equal(new float[] { -3, -3, -3 }, (a - b).ToArray<float>());
        Assert.Equal(new float[] { 4, 10, 18 }, (a * b).ToArray<float>());
        Assert.Equal(new float[] { 0.25f, 0.4f, 0.5f }, (a / b).ToArray<float>());
        Assert.Equal(new float[] { 9, 8, 7 }, (10L - a).ToArray<float>());
        Assert.Equal(new float[] { 2, 1, 2f / 3 }, (2L / a).ToArray<float>());
        Assert.Equal(new float[] { -1, -2, -3 }, (-a).ToArray<float>());
        // == stays reference equality; elementwise equality is Eq.
        var alias = a;
        Assert.True(a == alias);
        var same = a.Clone();
        Assert.False(a == same);
        Assert.True(a.Eq(same).All().ItemLong() == 1);
        Assert.True(a.Equal(same));
        Assert.True((a + 1e-9).AllClose(a));
        // Integer tensors: true division gives floats, integral scalars keep int64.
        var i = Tensor.From(new long[] { 7, -7 });
        Assert.Equal(DType.Int64, (i + 1).DType);
        Assert.Equal(DType.Float32, (i / 2).DType);
        Assert.Equal(new float[] { 3.5f, -3.5f }, (i / 2).ToArray<float>());
        Assert.Equal(DType.Float32, (i * 0.5).DType);
    }

    [Fact]
    public void InPlaceArithmeticUpdatesTheSameTensor()
    {
        using var scope = Torch.NewScope();
        var t = Tensor.From(new float[] { 1, 2, 3 });
        var other = Tensor.From(new float[] { 1, 1, 1 });
        var r = t.Add_(other, alpha: 2).Mul_(2.0).Sub_(1L).Div_(Tensor.From(new float[] { 1, 2, 4 }));
        Assert.Same(t, r);
        Assert.Equal(new float[] { 5, 3.5f, 2.25f }, t.ToArray<float>());
        t.Add_(0.25).Sub_(other).Mul_(other).Div_(2L);
        Assert.Equal(new float[] { 2.125f, 1.375f, 0.75f }, t.ToArray<float>());
        // In place on a leaf that requires grad is refused by autograd, as in PyTorch.
        var leaf = Torch.Ones([2], requiresGrad: true);
        var e = Assert.Throws<TorchException>(() => leaf.Add_(1.0));
        Assert.Equal("add_", e.Operation);
        Assert.Contains("leaf Variable that requires grad", e.Message);
    }

    [Fact]
    public void MaxAndMinAlongADimReturnValuesAndIndices()
    {
        using var scope = Torch.NewScope();
        var t = Tensor.From(new float[] { 1, 9, 3, 7, 2, 8 }, 2, 3);
        var (values, indices) = t.Max(1);
        Assert.Equal(new float[] { 9, 8 }, values.ToArray<float>());
        Assert.Equal(new long[] { 1, 2 }, indices.ToArray<long>());
        var min = t.Min(0, keepDim: true);
        Assert.Equal([1L, 3L], min.Values.Shape);
        Assert.Equal(new long[] { 0, 1, 0 }, min.Indices.ToArray<long>());
    }
}
