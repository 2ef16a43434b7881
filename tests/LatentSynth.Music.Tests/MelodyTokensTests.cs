namespace LatentSynth.Music.Tests;

public class MelodyTokensTests
{
    [Fact]
    public void NinetyTokensMapPitchesBothWays()
    {
        Assert.Equal(90, MelodyTokens.Count);
        Assert.Equal(2, MelodyTokens.NoteOn(21));
        Assert.Equal(89, MelodyTokens.NoteOn(108));
        for (int p = 21; p <= 108; p++) Assert.Equal(p, MelodyTokens.PitchOf(MelodyTokens.NoteOn(p)));
        Assert.Null(MelodyTokens.PitchOf(MelodyTokens.NoEvent));
        Assert.Null(MelodyTokens.PitchOf(MelodyTokens.NoteOff));
        Assert.Throws<ArgumentOutOfRangeException>(() => MelodyTokens.NoteOn(20));
        Assert.Throws<ArgumentOutOfRangeException>(() => MelodyTokens.PitchOf(90));
    }
}
