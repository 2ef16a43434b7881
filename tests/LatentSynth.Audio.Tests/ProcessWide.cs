namespace LatentSynth.Audio.Tests;

/// <summary>Tests that touch process-wide state (the default generator, live-tensor counts, the console) run one at a time.</summary>
[CollectionDefinition("AudioProcessWide", DisableParallelization = true)]
public sealed class AudioProcessWide
{
}
