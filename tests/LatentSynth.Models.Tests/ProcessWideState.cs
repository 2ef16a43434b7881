namespace LatentSynth.Models.Tests;

/// <summary>
/// Tests that count live tensors or seed the default generator run alone: other tests create
/// tensors and draw random numbers concurrently, which would change what they measure.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideState
{
    public const string Name = "Models: process-wide state";
}
