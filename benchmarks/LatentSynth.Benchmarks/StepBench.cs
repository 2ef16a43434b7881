using System.Diagnostics;
using System.Globalization;
using LatentSynth.Models;
using LatentSynth.Torch;

namespace LatentSynth.Benchmarks;

using Torch = LatentSynth.Torch.Torch;

/// <summary>
/// What the training-step benchmarks (<see cref="MusicVaeStep"/>, <see cref="InpaintStep"/>, <see cref="PianoTreeStep"/>) share: exporting the
/// initial weights and the batch for the PyTorch mirror, timing warm-up and timed steps, and the one JSON line.
/// </summary>
public static class StepBench
{
    /// <summary>The loss values of the first warm-up step and of the last timed step, and the medians per timed step.</summary>
    /// <param name="First">Loss values of the first warm-up step (empty without warm-up).</param>
    /// <param name="Last">Loss values of the last timed step.</param>
    /// <param name="Seconds">Median wall-clock seconds per timed step.</param>
    /// <param name="CpuSeconds">Median process CPU seconds per timed step.</param>
    public sealed record Timing(Dictionary<string, double> First, Dictionary<string, double> Last, double Seconds, double CpuSeconds);

    /// <summary>
    /// Writes <paramref name="model"/>'s state dict to <c>DIR/weights.safetensors</c> (PyTorch's key names) and
    /// <paramref name="tokens"/> to <c>DIR/batch.safetensors</c> (key <c>tokens</c>).
    /// </summary>
    public static void Export(string dir, AutoencoderModel model, Tensor tokens)
    {
        Directory.CreateDirectory(dir);
        model.Save(Path.Combine(dir, "weights.safetensors"));
        using var data = new StateDict { ["tokens"] = tokens.Alias() };
        data.Save(Path.Combine(dir, "batch.safetensors"));
    }

    /// <summary>
    /// Runs <paramref name="warmup"/> steps, then <paramref name="steps"/> timed steps (wall clock and process CPU time
    /// each); <paramref name="step"/> gets the step number (0, 1, ...) and returns the loss values.
    /// </summary>
    public static Timing Measure(Func<long, Dictionary<string, double>> step, int warmup, int steps)
    {
        long n = 0;
        Dictionary<string, double> first = [];
        for (int i = 0; i < warmup; i++)
        {
            var v = step(n++);
            if (i == 0) first = v;
        }
        var proc = Process.GetCurrentProcess();
        var times = new List<double>();
        var cpu = new List<double>();
        Dictionary<string, double> last = [];
        for (int i = 0; i < steps; i++)
        {
            proc.Refresh();
            var c = proc.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            last = step(n++);
            sw.Stop();
            proc.Refresh();
            times.Add(sw.Elapsed.TotalSeconds);
            cpu.Add((proc.TotalProcessorTime - c).TotalSeconds);
        }
        times.Sort();
        cpu.Sort();
        return new Timing(first, last, times[times.Count / 2], cpu[cpu.Count / 2]);
    }

    /// <summary>
    /// A JSON object of loss values, 4 decimals: the <paramref name="keys"/> in order (0 where missing), or, when null,
    /// "loss" then every other value in the order given.
    /// </summary>
    public static string LossJson(Dictionary<string, double> values, IReadOnlyList<string>? keys = null)
    {
        keys ??= ["loss", .. values.Keys.Where(k => k != "loss")];
        return "{" + string.Join(", ", keys.Select(k => string.Create(CultureInfo.InvariantCulture, $"\"{k}\": {values.GetValueOrDefault(k):F4}"))) + "}";
    }

    /// <summary>
    /// The benchmark's one JSON line: implementation "latentsynth", <paramref name="model"/>, threads, batch,
    /// <paramref name="length"/> (tokens per example), steps, median seconds, first and last losses.
    /// </summary>
    public static string Json(string model, int batch, long length, int steps, Timing t, IReadOnlyList<string>? keys = null) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{{\"impl\": \"latentsynth\", \"model\": \"{model}\", \"threads\": {Torch.NumThreads}, \"batch\": {batch}, \"length\": {length}, \"steps\": {steps}, " +
            $"\"seconds\": {t.Seconds:F5}, \"cpu_seconds\": {t.CpuSeconds:F5}, \"first\": {LossJson(t.First, keys)}, \"last\": {LossJson(t.Last, keys)}}}");
}
