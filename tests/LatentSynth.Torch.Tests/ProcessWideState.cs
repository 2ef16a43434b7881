namespace LatentSynth.Torch.Tests;

/// <summary>
/// Tests that read or change process-wide state (the live-tensor count, the default
/// generator seeded by Torch.ManualSeed)
/// run alone, after the parallel tests: other tests create tensors and draw random numbers
/// concurrently, which would change what they measure.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideState
{
    public const string Name = "Process-wide state";
}

