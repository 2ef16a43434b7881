using System.Diagnostics;
using LatentSynth.Torch;

namespace LatentSynth.Benchmarks;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>Per-op cost through the binding on tiny (4x4) tensors: the same ops and protocol as
/// benchmarks/native_overhead/op_overhead.cpp (best of 5 repetitions, after a warm-up).</summary>
public static class OpOverhead
{
    public static void Run(int iters)
    {
        Torch.NumThreads = 1;
        using var a = Torch.Rand(4, 4);
        using var b = Torch.Rand(4, 4);
        var ops = new (string Name, Action Op)[]
        {
            ("add", () => { using var c = a + b; }),
            ("mul_scalar", () => { using var c = a * 2.0; }),
            ("relu", () => { using var c = a.Relu(); }),
            ("matmul", () => { using var c = a.Matmul(b); }),
            ("sum", () => { using var c = a.Sum(); }),
            ("reshape", () => { using var c = a.Reshape(16); }),
        };
        foreach (var (name, op) in ops)
        {
            for (int i = 0; i < iters / 10; i++) op();
            double best = double.MaxValue;
            for (int rep = 0; rep < 5; rep++)
            {
                var sw = Stopwatch.StartNew();
                for (int i = 0; i < iters; i++) op();
                best = Math.Min(best, sw.Elapsed.TotalNanoseconds / iters);
            }
            Console.WriteLine($"{{\"impl\":\"c#\",\"op\":\"{name}\",\"ns_per_op\":{best:F1}}}");
        }
    }
}
