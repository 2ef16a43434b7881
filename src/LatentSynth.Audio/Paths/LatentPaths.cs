using LatentSynth.Torch;

namespace LatentSynth.Audio.Paths;

using Torch = LatentSynth.Torch.Torch;

/// <summary>How <see cref="LatentPaths.Morph"/> moves its weight from the first path to the second.</summary>
public enum BlendCurve
{
    /// <summary>w(t) = t: a constant rate of change.</summary>
    Linear,
    /// <summary>w(t) = 3t² − 2t³: starts and ends gently (zero slope at both ends).</summary>
    Smoothstep,
}

/// <summary>
/// Paths through a latent space. A path is a float32 tensor [T, d]: T points in order, d the latent
/// dimension. Every generator is deterministic given its arguments (and seed), returns a new tensor
/// the caller owns, and rejects bad arguments with an <see cref="ArgumentException"/> naming the argument.
/// </summary>
public static partial class LatentPaths
{
    // ---------------------------------------------------------------- simple shapes

    /// <summary>Sweeps dimension <paramref name="dim"/> of <paramref name="center"/> ([d]) evenly from
    /// <paramref name="from"/> to <paramref name="to"/> (both included) while every other dimension
    /// keeps its value: [steps, d].</summary>
    /// <exception cref="ArgumentException">center is not a finite 1-D vector, dim is outside 0..d−1,
    /// from/to are not finite, or steps &lt; 2.</exception>
    public static Tensor Traversal(Tensor center, int dim, double from, double to, int steps)
    {
        var c = Vector(center, nameof(center));
        CheckDim(dim, c.Length, nameof(dim));
        CheckFinite(from, nameof(from));
        CheckFinite(to, nameof(to));
        CheckSteps(steps, 2, nameof(steps));
        var p = new double[steps, c.Length];
        for (int t = 0; t < steps; t++)
        {
            for (int j = 0; j < c.Length; j++) p[t, j] = c[j];
            p[t, dim] = Lerp(from, to, (double)t / (steps - 1));
        }
        return ToTensor(p);
    }

    /// <summary>Evenly spaced points on the segment from <paramref name="a"/> to <paramref name="b"/>
    /// (both [d], both included): [steps, d].</summary>
    /// <exception cref="ArgumentException">a or b is not a finite 1-D vector, they differ in length, or steps &lt; 2.</exception>
    public static Tensor Line(Tensor a, Tensor b, int steps)
    {
        var va = Vector(a, nameof(a));
        var vb = Vector(b, nameof(b));
        if (va.Length != vb.Length) throw new ArgumentException($"a has {va.Length} dimensions but b has {vb.Length}: give two points of the same latent space", nameof(b));
        CheckSteps(steps, 2, nameof(steps));
        var p = new double[steps, va.Length];
        for (int t = 0; t < steps; t++)
            for (int j = 0; j < va.Length; j++) p[t, j] = Lerp(va[j], vb[j], (double)t / (steps - 1));
        return ToTensor(p);
    }

    /// <summary>
    /// Morphs one note's latent path into another's: both paths are resampled to <paramref name="steps"/>
    /// points (linear interpolation in time, <see cref="ResampleTime(Tensor, int)"/>), then frame t is
    /// (1 − w(t))·A(t) + w(t)·B(t) with w going from 0 at the first frame to 1 at the last
    /// (<paramref name="curve"/>: linear or smoothstep). The result starts at A's first point and ends
    /// at B's last: the sound starts as note A and ends as note B. [steps, d].
    /// </summary>
    /// <exception cref="ArgumentException">A path is not a finite [T, d] tensor with T ≥ 1, the two
    /// differ in d, or steps &lt; 2.</exception>
    public static Tensor Morph(Tensor pathA, Tensor pathB, int steps, BlendCurve curve = BlendCurve.Linear)
    {
        var a = Matrix(pathA, nameof(pathA));
        var b = Matrix(pathB, nameof(pathB));
        SameWidth(a, b);
        CheckSteps(steps, 2, nameof(steps));
        if (!Enum.IsDefined(curve)) throw new ArgumentException($"curve {(int)curve} is not a BlendCurve (Linear or Smoothstep)", nameof(curve));
        var ra = ResampleTime(a, steps);
        var rb = ResampleTime(b, steps);
        int d = a.GetLength(1);
        var p = new double[steps, d];
        for (int t = 0; t < steps; t++)
        {
            double s = (double)t / (steps - 1);
            double w = curve == BlendCurve.Smoothstep ? s * s * (3 - 2 * s) : s;
            for (int j = 0; j < d; j++) p[t, j] = (1 - w) * ra[t, j] + w * rb[t, j];
        }
        return ToTensor(p);
    }

    /// <summary>
    /// A constant mixture of two paths: (1 − <paramref name="alpha"/>)·A + <paramref name="alpha"/>·B,
    /// frame by frame, after resampling both in time to the longer one's length (alpha 0 gives A,
    /// 1 gives B; values outside [0, 1] extrapolate and are refused). [max(Ta, Tb), d].
    /// </summary>
    /// <exception cref="ArgumentException">A path is not a finite [T, d] tensor, the two differ in d,
    /// or alpha is not in [0, 1].</exception>
    public static Tensor Blend(Tensor pathA, Tensor pathB, double alpha)
    {
        var a = Matrix(pathA, nameof(pathA));
        var b = Matrix(pathB, nameof(pathB));
        SameWidth(a, b);
        if (!(alpha >= 0 && alpha <= 1)) throw new ArgumentException($"alpha must be in [0, 1] (0: path A, 1: path B); got {alpha}", nameof(alpha));
        int steps = Math.Max(a.GetLength(0), b.GetLength(0));
        var ra = ResampleTime(a, steps);
        var rb = ResampleTime(b, steps);
        int d = a.GetLength(1);
        var p = new double[steps, d];
        for (int t = 0; t < steps; t++)
            for (int j = 0; j < d; j++) p[t, j] = (1 - alpha) * ra[t, j] + alpha * rb[t, j];
        return ToTensor(p);
    }

    /// <summary>Re-times a path to <paramref name="steps"/> frames by linear interpolation in time
    /// (frame index), keeping its first and last points: [steps, d]. A one-point path is repeated.
    /// Compare <see cref="Resample(Tensor, int)"/>, which spaces points evenly by arc length.</summary>
    /// <exception cref="ArgumentException">path is not a finite [T, d] tensor, or steps &lt; 2.</exception>
    public static Tensor ResampleTime(Tensor path, int steps)
    {
        var p = Matrix(path, nameof(path));
        CheckSteps(steps, 2, nameof(steps));
        return ToTensor(ResampleTime(p, steps));
    }

    // ---------------------------------------------------------------- random walk

    /// <summary>
    /// A smooth random walk from <paramref name="start"/> ([d]): [steps, d], the first point being start.
    /// The model is a damped, mean-reverting walk (a discretised Ornstein–Uhlenbeck process whose
    /// velocity is itself low-pass filtered):
    /// <c>v_t = s·v_{t−1} + √(1 − s²)·stepSize·ε_t</c> (ε_t ~ N(0, I), so every step has the same
    /// expected size stepSize whatever the smoothness s), <c>z_t = z_{t−1} + v_t − θ·z_{t−1}</c>.
    /// The pull θ toward the prior's origin keeps the walk from drifting out of the region the decoder
    /// was trained on (a plain random walk's spread grows like √t without bound). Correlated steps
    /// diffuse (1 + s)/(1 − s) times faster than independent ones, so θ = stepSize²·(1 + s)/(2(1 − s))
    /// (at most 0.5) gives a stationary spread of about 1 per dimension, the standard normal prior's,
    /// whatever the smoothness (measured over 40 000 steps in 8-D: 0.92-1.01 for stepSize 0.05-0.3 with
    /// s ≤ 0.5; large steps with s near 1 are held closer, e.g. 0.58 at stepSize 0.3, s 0.95).
    /// Larger <paramref name="smoothness"/> (in [0, 1)) makes consecutive steps more alike: the mean
    /// second difference shrinks like √(1 − s²). Noise comes from a libtorch generator seeded with
    /// <paramref name="seed"/> (the same seed gives the same walk).
    /// </summary>
    /// <param name="start">The first point, [d].</param>
    /// <param name="steps">Number of points (≥ 2).</param>
    /// <param name="stepSize">Expected length scale of one step (&gt; 0, finite).</param>
    /// <param name="smoothness">Velocity memory s in [0, 1): 0 is a plain (mean-reverting) random walk.</param>
    /// <param name="seed">Seed of the noise.</param>
    /// <exception cref="ArgumentException">An argument is out of its range.</exception>
    public static Tensor RandomWalk(Tensor start, int steps, double stepSize, double smoothness, long seed)
    {
        var z0 = Vector(start, nameof(start));
        CheckSteps(steps, 2, nameof(steps));
        if (!(stepSize > 0) || !double.IsFinite(stepSize)) throw new ArgumentException($"stepSize must be a positive finite number; got {stepSize}", nameof(stepSize));
        if (!(smoothness >= 0 && smoothness < 1)) throw new ArgumentException($"smoothness must be in [0, 1) (0: rough, near 1: smooth); got {smoothness}", nameof(smoothness));
        int d = z0.Length;
        double[] noise;
        using (var gen = new Generator(unchecked((ulong)seed)))
        using (var eps = Torch.Randn([steps - 1, d], DType.Float64, generator: gen))
            noise = eps.ToArray<double>();
        double theta = Math.Min(0.5, stepSize * stepSize * (1 + smoothness) / (2 * (1 - smoothness)));
        double gain = Math.Sqrt(1 - smoothness * smoothness) * stepSize;
        var p = new double[steps, d];
        var v = new double[d];
        for (int j = 0; j < d; j++) p[0, j] = z0[j];
        for (int t = 1; t < steps; t++)
            for (int j = 0; j < d; j++)
            {
                v[j] = smoothness * v[j] + gain * noise[(t - 1) * d + j];
                p[t, j] = p[t - 1, j] + v[j] - theta * p[t - 1, j];
            }
        return ToTensor(p);
    }

    // ---------------------------------------------------------------- closed and open curves in a plane

    /// <summary>A circle of <paramref name="radius"/> around <paramref name="center"/> in the plane of
    /// latent dimensions <paramref name="dimA"/> and <paramref name="dimB"/>; see
    /// <see cref="Circle(Tensor, Tensor, Tensor, double, int, double)"/>.</summary>
    /// <exception cref="ArgumentException">A dimension is out of range or the two are equal, or another argument is out of range.</exception>
    public static Tensor Circle(Tensor center, int dimA, int dimB, double radius, int steps, double turns = 1)
    {
        var c = Vector(center, nameof(center));
        var (u, v) = AxisPlane(c.Length, dimA, dimB);
        return CircleCore(c, u, v, radius, steps, turns);
    }

    /// <summary>
    /// A circle of <paramref name="radius"/> around <paramref name="center"/> in the plane spanned by the
    /// orthonormal vectors <paramref name="u"/> and <paramref name="v"/> (e.g. the first two principal
    /// axes of the note set's codes): point t = center + r·(cos θ_t·u + sin θ_t·v), θ_t = 2π·turns·t/steps.
    /// The angle stops one step short of the full turn, so with whole turns the path loops seamlessly
    /// (the next point would be the first). [steps, d].
    /// </summary>
    /// <exception cref="ArgumentException">u, v are not orthonormal [d] vectors, radius is negative or
    /// not finite, steps &lt; 2, or turns is zero or not finite.</exception>
    public static Tensor Circle(Tensor center, Tensor u, Tensor v, double radius, int steps, double turns = 1)
    {
        var c = Vector(center, nameof(center));
        var (pu, pv) = Plane(c.Length, u, v);
        return CircleCore(c, pu, pv, radius, steps, turns);
    }

    /// <summary>A spiral in the plane of latent dimensions <paramref name="dimA"/> and
    /// <paramref name="dimB"/>; see <see cref="Spiral(Tensor, Tensor, Tensor, double, double, double, int)"/>.</summary>
    /// <exception cref="ArgumentException">A dimension is out of range or the two are equal, or another argument is out of range.</exception>
    public static Tensor Spiral(Tensor center, int dimA, int dimB, double radiusFrom, double radiusTo, double turns, int steps)
    {
        var c = Vector(center, nameof(center));
        var (u, v) = AxisPlane(c.Length, dimA, dimB);
        return SpiralCore(c, u, v, radiusFrom, radiusTo, turns, steps);
    }

    /// <summary>
    /// An Archimedean spiral around <paramref name="center"/> in the plane of the orthonormal vectors
    /// <paramref name="u"/>, <paramref name="v"/>: with s = t/(steps − 1) going 0→1 the radius is
    /// radiusFrom + (radiusTo − radiusFrom)·s (monotone, both ends included) and the angle 2π·turns·s. [steps, d].
    /// </summary>
    /// <exception cref="ArgumentException">u, v are not orthonormal, a radius is negative or not
    /// finite, turns is not finite, or steps &lt; 2.</exception>
    public static Tensor Spiral(Tensor center, Tensor u, Tensor v, double radiusFrom, double radiusTo, double turns, int steps)
    {
        var c = Vector(center, nameof(center));
        var (pu, pv) = Plane(c.Length, u, v);
        return SpiralCore(c, pu, pv, radiusFrom, radiusTo, turns, steps);
    }

    static Tensor SpiralCore(double[] c, double[] pu, double[] pv, double radiusFrom, double radiusTo, double turns, int steps)
    {
        CheckRadius(radiusFrom, nameof(radiusFrom));
        CheckRadius(radiusTo, nameof(radiusTo));
        CheckFinite(turns, nameof(turns));
        CheckSteps(steps, 2, nameof(steps));
        var p = new double[steps, c.Length];
        for (int t = 0; t < steps; t++)
        {
            double s = (double)t / (steps - 1);
            double r = Lerp(radiusFrom, radiusTo, s), th = 2 * Math.PI * turns * s;
            PlanePoint(p, t, c, pu, pv, r * Math.Cos(th), r * Math.Sin(th));
        }
        return ToTensor(p);
    }

    /// <summary>A Lissajous figure in the plane of latent dimensions <paramref name="dimA"/> and
    /// <paramref name="dimB"/>; see <see cref="Lissajous(Tensor, Tensor, Tensor, double, double, double, double, int)"/>.</summary>
    /// <exception cref="ArgumentException">A dimension is out of range or the two are equal, or another argument is out of range.</exception>
    public static Tensor Lissajous(Tensor center, int dimA, int dimB, double a, double b, double delta, double radius, int steps)
    {
        var c = Vector(center, nameof(center));
        var (u, v) = AxisPlane(c.Length, dimA, dimB);
        return LissajousCore(c, u, v, a, b, delta, radius, steps);
    }

    /// <summary>
    /// A Lissajous figure around <paramref name="center"/> in the plane of the orthonormal vectors
    /// <paramref name="u"/>, <paramref name="v"/>: point t = center + r·(sin(a·θ + δ)·u + sin(b·θ)·v),
    /// θ = 2π·t/steps (one period of the base frequency, stopping one step short so that integer a, b
    /// loop seamlessly). [steps, d].
    /// </summary>
    /// <exception cref="ArgumentException">u, v are not orthonormal, a or b is not a positive finite
    /// frequency, delta is not finite, radius is negative or not finite, or steps &lt; 2.</exception>
    public static Tensor Lissajous(Tensor center, Tensor u, Tensor v, double a, double b, double delta, double radius, int steps)
    {
        var c = Vector(center, nameof(center));
        var (pu, pv) = Plane(c.Length, u, v);
        return LissajousCore(c, pu, pv, a, b, delta, radius, steps);
    }

    static Tensor LissajousCore(double[] c, double[] pu, double[] pv, double a, double b, double delta, double radius, int steps)
    {
        if (!(a > 0) || !double.IsFinite(a)) throw new ArgumentException($"a (the frequency along the first axis) must be positive and finite; got {a}", nameof(a));
        if (!(b > 0) || !double.IsFinite(b)) throw new ArgumentException($"b (the frequency along the second axis) must be positive and finite; got {b}", nameof(b));
        CheckFinite(delta, nameof(delta));
        CheckRadius(radius, nameof(radius));
        CheckSteps(steps, 2, nameof(steps));
        var p = new double[steps, c.Length];
        for (int t = 0; t < steps; t++)
        {
            double th = 2 * Math.PI * t / steps;
            PlanePoint(p, t, c, pu, pv, radius * Math.Sin(a * th + delta), radius * Math.Sin(b * th));
        }
        return ToTensor(p);
    }

    static Tensor CircleCore(double[] c, double[] u, double[] v, double radius, int steps, double turns)
    {
        CheckRadius(radius, nameof(radius));
        CheckSteps(steps, 2, nameof(steps));
        if (!double.IsFinite(turns) || turns == 0) throw new ArgumentException($"turns must be a finite non-zero number (negative turns run clockwise); got {turns}", nameof(turns));
        var p = new double[steps, c.Length];
        for (int t = 0; t < steps; t++)
        {
            double th = 2 * Math.PI * turns * t / steps;
            PlanePoint(p, t, c, u, v, radius * Math.Cos(th), radius * Math.Sin(th));
        }
        return ToTensor(p);
    }

    static void PlanePoint(double[,] p, int t, double[] c, double[] u, double[] v, double x, double y)
    {
        for (int j = 0; j < c.Length; j++) p[t, j] = c[j] + x * u[j] + y * v[j];
    }

    // ---------------------------------------------------------------- arc-length resampling

    /// <summary>
    /// Re-spaces a path so that its <paramref name="steps"/> points are evenly spaced by arc length
    /// measured in latent space (Euclidean length of the polyline through the points), keeping the
    /// first and last points; new points lie on the original polyline. A path of zero length is
    /// returned as its first point repeated. [steps, d].
    /// </summary>
    /// <exception cref="ArgumentException">path is not a finite [T, d] tensor, or steps &lt; 2.</exception>
    public static Tensor Resample(Tensor path, int steps)
    {
        var p = Matrix(path, nameof(path));
        CheckSteps(steps, 2, nameof(steps));
        int n = p.GetLength(0), d = p.GetLength(1);
        var seg = new double[Math.Max(0, n - 1)];
        for (int i = 0; i + 1 < n; i++)
        {
            double s = 0;
            for (int j = 0; j < d; j++) { double x = p[i + 1, j] - p[i, j]; s += x * x; }
            seg[i] = Math.Sqrt(s);
        }
        return ToTensor(ResampleBy(p, seg, steps));
    }

    /// <summary>
    /// Re-spaces a path so that its points are evenly spaced by arc length measured in decoded space:
    /// segment i counts ‖g(z_{i+1}) − g(z_i)‖ (the chord between decoded neighbours, so the original
    /// points should be dense), and new latent points are placed on the latent polyline at the matching
    /// fraction of each segment. Equal steps then mean equal changes of the decoded sound. [steps, d].
    /// </summary>
    /// <exception cref="ArgumentException">path is not a finite [T, d] tensor, steps &lt; 2, or the
    /// decoder's output does not have one row per point.</exception>
    public static Tensor Resample(Func<Tensor, Tensor> decoder, Tensor path, int steps)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        var p = Matrix(path, nameof(path));
        CheckSteps(steps, 2, nameof(steps));
        var seg = DecodedSegmentLengths(decoder, path);
        return ToTensor(ResampleBy(p, seg, steps));
    }

    static double[,] ResampleBy(double[,] p, double[] seg, int steps)
    {
        int n = p.GetLength(0), d = p.GetLength(1);
        var cum = new double[n];
        for (int i = 1; i < n; i++) cum[i] = cum[i - 1] + seg[i - 1];
        double total = cum[n - 1];
        var r = new double[steps, d];
        int k = 0;
        for (int t = 0; t < steps; t++)
        {
            if (total <= 0 || n == 1) { for (int j = 0; j < d; j++) r[t, j] = p[0, j]; continue; }
            if (t == steps - 1) { for (int j = 0; j < d; j++) r[t, j] = p[n - 1, j]; continue; }
            double target = total * t / (steps - 1);
            while (k < n - 2 && cum[k + 1] < target) k++;
            double len = cum[k + 1] - cum[k];
            double f = len > 0 ? Math.Clamp((target - cum[k]) / len, 0, 1) : 0;
            for (int j = 0; j < d; j++) r[t, j] = Lerp(p[k, j], p[k + 1, j], f);
        }
        return r;
    }

    // ---------------------------------------------------------------- helpers

    static double Lerp(double a, double b, double t) => a + (b - a) * t;

    static double[,] ResampleTime(double[,] p, int steps)
    {
        int n = p.GetLength(0), d = p.GetLength(1);
        var r = new double[steps, d];
        for (int t = 0; t < steps; t++)
        {
            double x = n == 1 ? 0 : (double)t * (n - 1) / (steps - 1);
            int i = Math.Min((int)Math.Floor(x), Math.Max(0, n - 2));
            double f = n == 1 ? 0 : x - i;
            for (int j = 0; j < d; j++) r[t, j] = n == 1 ? p[0, j] : Lerp(p[i, j], p[i + 1, j], f);
        }
        return r;
    }

    internal static double[] Vector(Tensor? t, string name)
    {
        if (t is null) throw new ArgumentNullException(name);
        if (t.Dim != 1 || t.Size(0) < 1)
            throw new ArgumentException($"{name} must be a latent point, a 1-D tensor [d]; got shape [{string.Join(", ", t.Shape)}]", name);
        var v = ToDoubles(t, name);
        return v;
    }

    internal static double[,] Matrix(Tensor? t, string name)
    {
        if (t is null) throw new ArgumentNullException(name);
        if (t.Dim != 2 || t.Size(0) < 1 || t.Size(1) < 1)
            throw new ArgumentException($"{name} must be a latent path, a 2-D tensor [T, d] with T ≥ 1; got shape [{string.Join(", ", t.Shape)}]", name);
        var flat = ToDoubles(t, name);
        int n = (int)t.Size(0), d = (int)t.Size(1);
        var m = new double[n, d];
        Buffer.BlockCopy(flat, 0, m, 0, flat.Length * sizeof(double));
        return m;
    }

    static double[] ToDoubles(Tensor t, string name)
    {
        if (t.DType is not (DType.Float32 or DType.Float64 or DType.Float16 or DType.BFloat16))
            throw new ArgumentException($"{name} must hold floating-point values; got {t.DType}", name);
        using var scope = Torch.NewScope();
        var v = t.Detach().To(DType.Float64).Contiguous().ToArray<double>();
        for (int i = 0; i < v.Length; i++)
            if (!double.IsFinite(v[i])) throw new ArgumentException($"{name} holds a non-finite value ({v[i]}) at flat index {i}", name);
        return v;
    }

    internal static Tensor ToTensor(double[,] p)
    {
        int n = p.GetLength(0), d = p.GetLength(1);
        var f = new float[n * d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) f[i * d + j] = (float)p[i, j];
        return Tensor.From(f, n, d);
    }

    static void SameWidth(double[,] a, double[,] b)
    {
        if (a.GetLength(1) != b.GetLength(1))
            throw new ArgumentException($"pathA has {a.GetLength(1)} latent dimensions but pathB has {b.GetLength(1)}: both paths must live in the same latent space", "pathB");
    }

    static void CheckSteps(int steps, int min, string name)
    {
        if (steps < min) throw new ArgumentException($"{name} must be at least {min}; got {steps}", name);
    }

    static void CheckDim(int dim, int d, string name)
    {
        if (dim < 0 || dim >= d) throw new ArgumentException($"{name} must be a latent dimension in 0..{d - 1}; got {dim}", name);
    }

    static void CheckFinite(double x, string name)
    {
        if (!double.IsFinite(x)) throw new ArgumentException($"{name} must be finite; got {x}", name);
    }

    static void CheckRadius(double r, string name)
    {
        if (!(r >= 0) || !double.IsFinite(r)) throw new ArgumentException($"{name} must be a non-negative finite radius; got {r}", name);
    }

    static (double[] U, double[] V) AxisPlane(int d, int dimA, int dimB)
    {
        CheckDim(dimA, d, nameof(dimA));
        CheckDim(dimB, d, nameof(dimB));
        if (dimA == dimB) throw new ArgumentException($"dimA and dimB must differ to span a plane; both are {dimA}", nameof(dimB));
        var u = new double[d];
        var v = new double[d];
        u[dimA] = 1;
        v[dimB] = 1;
        return (u, v);
    }

    static (double[] U, double[] V) Plane(int d, Tensor u, Tensor v)
    {
        var pu = Vector(u, nameof(u));
        var pv = Vector(v, nameof(v));
        if (pu.Length != d) throw new ArgumentException($"u has {pu.Length} dimensions but center has {d}", nameof(u));
        if (pv.Length != d) throw new ArgumentException($"v has {pv.Length} dimensions but center has {d}", nameof(v));
        double nu = 0, nv = 0, uv = 0;
        for (int j = 0; j < d; j++) { nu += pu[j] * pu[j]; nv += pv[j] * pv[j]; uv += pu[j] * pv[j]; }
        const double tol = 1e-4;
        if (Math.Abs(Math.Sqrt(nu) - 1) > tol) throw new ArgumentException($"u must be a unit vector; its length is {Math.Sqrt(nu)}", nameof(u));
        if (Math.Abs(Math.Sqrt(nv) - 1) > tol) throw new ArgumentException($"v must be a unit vector; its length is {Math.Sqrt(nv)}", nameof(v));
        if (Math.Abs(uv) > tol) throw new ArgumentException($"u and v must be orthogonal; their dot product is {uv}", nameof(v));
        return (pu, pv);
    }
}
