namespace LatentSynth.Torch.Tests;

/// <summary>
/// Tests that seed and draw from the process-wide default generator (Torch.ManualSeed) must not
/// interleave with other tests drawing from it: they join this collection, which xunit runs with
/// no other test in parallel.
/// </summary>
[CollectionDefinition("DefaultGenerator", DisableParallelization = true)]
public class DefaultGeneratorCollection
{
}
