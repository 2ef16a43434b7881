using LatentSynth.Models.Regularizers;

namespace LatentSynth.Models.WaeMmd;

/// <summary>Settings of WAE-MMD (Tolstikhin et al. 2018, Alg. 2).</summary>
public sealed record WaeMmdConfig : ModelConfig
{
    /// <summary>Weight λ of the MMD penalty (≥ 0). JSON key <c>lambda</c>.</summary>
    public double Lambda { get; init; } = 10.0;

    /// <summary>Kernel, a name of <see cref="KernelRegistry"/>: "imq" (inverse multiquadratic, the paper's choice) or "rbf".</summary>
    public string Kernel { get; init; } = "imq";

    /// <summary>Scales s of the multi-scale kernel Σₛ k(·, ·; s·C), C = 2·d·σ² with σ² the prior's per-coordinate variance.</summary>
    public double[] KernelScales { get; init; } = [.. Mmd.DefaultScales];

    /// <summary>Epochs over which λ rises linearly from 0 (0: λ from the start).</summary>
    public double WarmupEpochs { get; init; }

    /// <inheritdoc />
    public override IEnumerable<string> Validate()
    {
        foreach (var p in base.Validate()) yield return p;
        if (!(Lambda >= 0) || double.IsInfinity(Lambda)) yield return $"lambda must be finite and ≥ 0, got {Lambda}";
        if (!KernelRegistry.Registry.Contains(Kernel)) yield return $"kernel must be {KernelRegistry.Registry.Quoted()}, got '{Kernel}'";
        if (KernelScales is null || KernelScales.Length == 0 || KernelScales.Any(s => !(s > 0) || double.IsInfinity(s)))
            yield return $"kernel_scales must be a non-empty list of finite values > 0, got {Format(KernelScales)}";
        if (!(WarmupEpochs >= 0) || double.IsInfinity(WarmupEpochs)) yield return $"warmup_epochs must be finite and ≥ 0, got {WarmupEpochs}";
    }
}
