using LatentSynth.Models;
using LatentSynth.Torch;
using LatentSynth.Torch.Optim;

namespace LatentSynth.Audio.Paths;

using Torch = LatentSynth.Torch.Torch;

/// <summary>Settings of <see cref="LatentPaths.Geodesic(Func{Tensor, Tensor}, Tensor, Tensor, GeodesicOptions?)"/>.</summary>
public sealed record GeodesicOptions
{
    /// <summary>Points of the discretised curve, both endpoints included (≥ 3). Default 16: enough
    /// for the curve to bend around a region, few enough for one batched decode per iteration.</summary>
    public int Points { get; init; } = 16;

    /// <summary>Adam iterations (≥ 0; 0 returns the straight line). Default 200.</summary>
    public int Iterations { get; init; } = 200;

    /// <summary>Adam's learning rate (&gt; 0). Default 0.01: latent codes of a regularised
    /// autoencoder have a scale of about 1, so 200 steps can move a point by up to about 2.</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>Seed of the small random perturbation of the initial interior points (the straight line
    /// is a critical point of the energy for decoders symmetric about it; a 1e-4 nudge lets the optimiser
    /// leave it). Default 0.</summary>
    public long Seed { get; init; }

    /// <summary>Told after every iteration: (iterations done, energy before that iteration's step).
    /// Called on the searching thread; null: no reports.</summary>
    public IProgress<GeodesicProgress>? Progress { get; init; }
}

/// <summary>Where a geodesic search stands.</summary>
/// <param name="Iteration">Iterations done (1-based).</param>
/// <param name="Iterations">Iterations planned.</param>
/// <param name="Energy">The curve energy at the start of the iteration just done.</param>
public readonly record struct GeodesicProgress(int Iteration, int Iterations, double Energy);

/// <summary>The result of a geodesic search.</summary>
/// <param name="Path">The curve, [Points, d], float32; the first and last rows are the fixed endpoints.</param>
/// <param name="InitialEnergy">Curve energy of the straight line the search started from.</param>
/// <param name="FinalEnergy">Curve energy of <paramref name="Path"/> (the lowest seen; never above the initial).</param>
/// <param name="EnergyTrace">The energy before each iteration, then the energy after the last.</param>
public sealed record GeodesicResult(Tensor Path, double InitialEnergy, double FinalEnergy, IReadOnlyList<double> EnergyTrace);

public static partial class LatentPaths
{
    /// <summary>
    /// The discrete curve energy of <paramref name="path"/> ([T, d], T ≥ 2) through
    /// <paramref name="decoder"/> g: E = (T − 1)·Σ_i ‖g(z_{i+1}) − g(z_i)‖² (outputs flattened per point).
    /// The factor T − 1 makes E approximate ∫‖d g(γ(t))/dt‖² dt over t ∈ [0, 1], so energies of curves
    /// with different numbers of points compare; for a linear decoder g(z) = Wz the straight line has
    /// E = ‖W(z_1 − z_0)‖² for any T. Computed without gradients.
    /// </summary>
    /// <exception cref="ArgumentException">path is not a finite [T, d] tensor with T ≥ 2, or the
    /// decoder does not return one row per point.</exception>
    public static double CurveEnergy(Func<Tensor, Tensor> decoder, Tensor path)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        var p = Matrix(path, nameof(path));
        if (p.GetLength(0) < 2) throw new ArgumentException($"path needs at least 2 points for a curve energy; got {p.GetLength(0)}", nameof(path));
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        return Energy(decoder, path.Detach().To(DType.Float32)).Item();
    }

    /// <summary>
    /// Approximates the geodesic between <paramref name="z0"/> and <paramref name="z1"/> (both [d]) in the
    /// metric the decoder pulls back from data space, after Shao, Kumar and Fletcher (2017), "The
    /// Riemannian geometry of deep generative models" (CVPR workshops): the curve is discretised into
    /// <see cref="GeodesicOptions.Points"/> points with fixed endpoints, initialised on the straight
    /// line, and the interior points minimise the discrete curve energy
    /// E = (Points − 1)·Σ_i ‖g(z_{i+1}) − g(z_i)‖² (<see cref="CurveEnergy"/>) by Adam, with gradients
    /// obtained by autograd through the decoder. Gradients are taken with respect to the path points
    /// only (torch.autograd.grad), so nothing accumulates in the decoder's parameters; the decoder is
    /// not put in evaluation mode here (use the <see cref="AutoencoderModel"/> overload for that).
    /// The returned path is the lowest-energy iterate, so its energy never exceeds the straight line's.
    /// </summary>
    /// <param name="decoder">g: [n, d] float32 → [n, …] (any output shape with n rows), differentiable.</param>
    /// <param name="z0">The fixed start point, [d].</param>
    /// <param name="z1">The fixed end point, [d].</param>
    /// <param name="options">Points, iterations, learning rate, seed; null: the defaults.</param>
    /// <exception cref="ArgumentException">An endpoint is not a finite [d] vector, they differ in d, or
    /// an option is out of range.</exception>
    public static GeodesicResult Geodesic(Func<Tensor, Tensor> decoder, Tensor z0, Tensor z1, GeodesicOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        options ??= new GeodesicOptions();
        var a = Vector(z0, nameof(z0));
        var b = Vector(z1, nameof(z1));
        if (a.Length != b.Length) throw new ArgumentException($"z0 has {a.Length} dimensions but z1 has {b.Length}: give two points of the same latent space", nameof(z1));
        if (options.Points < 3) throw new ArgumentException($"options.Points must be at least 3 (two fixed endpoints and one free point); got {options.Points}", nameof(options));
        if (options.Iterations < 0) throw new ArgumentException($"options.Iterations must be ≥ 0; got {options.Iterations}", nameof(options));
        if (!(options.LearningRate > 0) || !double.IsFinite(options.LearningRate))
            throw new ArgumentException($"options.LearningRate must be a positive finite number; got {options.LearningRate}", nameof(options));
        int n = options.Points, d = a.Length;

        using var outer = Torch.NewScope();
        using var grad = Torch.EnableGrad();
        var start = Tensor.From(a.Select(x => (float)x).ToArray(), 1, d);
        var end = Tensor.From(b.Select(x => (float)x).ToArray(), 1, d);
        var line = Line(start.View(d), end.View(d), n);
        double initial;
        using (Torch.NoGrad()) initial = Energy(decoder, line).Item();

        var interior = line.Narrow(0, 1, n - 2).Clone();
        if (options.Iterations > 0)
        {
            using var gen = new Generator(unchecked((ulong)options.Seed));
            using var nudge = Torch.Randn([n - 2, d], DType.Float32, generator: gen);
            using (Torch.NoGrad()) interior.Add_(nudge, 1e-4);
        }
        interior.RequiresGrad_(true);
        var trace = new List<double>(options.Iterations + 1);
        var best = line.Clone();
        double bestEnergy = initial;
        using (var opt = new Adam([interior], lr: options.LearningRate))
        {
            for (int it = 0; it <= options.Iterations; it++)
            {
                using var scope = Torch.NewScope();
                var path = Torch.Cat([start, interior, end], 0);
                var e = Energy(decoder, path);
                double value = e.Item();
                if (!double.IsFinite(value))
                    throw new InvalidOperationException($"the curve energy became {value} at iteration {it}: lower options.LearningRate (now {options.LearningRate})");
                trace.Add(value);
                if (value < bestEnergy)
                {
                    bestEnergy = value;
                    using (Torch.NoGrad()) best.CopyFrom(path.Detach());
                }
                if (it == options.Iterations) break;
                var g = Autograd.Grad([e], [interior])[0]
                    ?? throw new InvalidOperationException("the curve energy does not depend on the path: the decoder must be differentiable in its input");
                interior.Grad = g;
                opt.Step();
                options.Progress?.Report(new GeodesicProgress(it + 1, options.Iterations, value));
            }
        }
        interior.Grad = null;
        return new GeodesicResult(best.Detach().MoveToOuterScope(), initial, bestEnergy, trace);
    }

    /// <summary>
    /// <see cref="Geodesic(Func{Tensor, Tensor}, Tensor, Tensor, GeodesicOptions?)"/> through a model's
    /// decoder (<see cref="AutoencoderModel.Decode"/>), with the model in evaluation mode for the search
    /// (its previous mode restored afterwards). The model's parameters are left unchanged and receive
    /// no gradients.
    /// </summary>
    /// <exception cref="ArgumentException">An endpoint does not have the model's latent dimension, or as the other overload.</exception>
    public static GeodesicResult Geodesic(AutoencoderModel model, Tensor z0, Tensor z1, GeodesicOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (z0 is not null && z0.Dim == 1 && z0.Size(0) != model.LatentDim)
            throw new ArgumentException($"z0 has {z0.Size(0)} dimensions but the model's latent space has {model.LatentDim}", nameof(z0));
        using var mode = model.EvalScope();   // gradients stay on: the path is optimised through the frozen decoder
        return Geodesic(model.Decode, z0!, z1!, options);
    }

    // E = (n − 1)·Σ‖g(z_{i+1}) − g(z_i)‖², a 0-d tensor in the current scope.
    static Tensor Energy(Func<Tensor, Tensor> decoder, Tensor path)
    {
        long n = path.Size(0);
        var x = decoder(path);
        if (x.Dim < 1 || x.Size(0) != n)
            throw new ArgumentException($"the decoder returned shape [{string.Join(", ", x.Shape)}] for {n} points: it must return one row per point", "decoder");
        var flat = x.Reshape(n, -1);
        var diff = flat.Narrow(0, 1, n - 1) - flat.Narrow(0, 0, n - 1);
        return diff.Square().Sum() * (double)(n - 1);
    }

    static double[] DecodedSegmentLengths(Func<Tensor, Tensor> decoder, Tensor path)
    {
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        var p = path.Detach().To(DType.Float32);
        long n = p.Size(0);
        if (n < 2) return [];
        var x = decoder(p);
        if (x.Dim < 1 || x.Size(0) != n)
            throw new ArgumentException($"the decoder returned shape [{string.Join(", ", x.Shape)}] for {n} points: it must return one row per point", nameof(decoder));
        var flat = x.Reshape(n, -1).To(DType.Float64);
        var diff = flat.Narrow(0, 1, n - 1) - flat.Narrow(0, 0, n - 1);
        return diff.Square().Sum([1]).Sqrt().Contiguous().ToArray<double>();
    }
}
