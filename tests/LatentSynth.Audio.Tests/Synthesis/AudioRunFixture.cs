using LatentSynth.Audio.Notes;

namespace LatentSynth.Audio.Tests.Synthesis;

/// <summary>
/// One tiny note set (flute and violin at MIDI 60, 67, 72, mf, 0.6 s each) rendered once, and one tiny
/// audio run trained on it for 2 epochs with `latentsynth audio train` (MLP [64], latent 8), shared by
/// the synthesis and audio CLI tests.
/// </summary>
public sealed class AudioRunFixture : IDisposable
{
    /// <summary>The instruments of the set.</summary>
    public static readonly string[] InstrumentNames = ["flute", "violin"];

    /// <summary>The pitches rendered for each instrument.</summary>
    public static readonly int[] Pitches = [60, 67, 72];

    public AudioRunFixture()
    {
        Root = Directory.CreateTempSubdirectory("ls-audio-synth-").FullName;
        NotesDir = Path.Combine(Root, "notes");
        NoteRenderer.Render(NotesDir, new NoteRenderOptions
        {
            Instruments = InstrumentNames, Dynamics = ["mf"], Pitches = Pitches, HoldSeconds = 0.4, NoteSeconds = 0.6,
        });
        Set = NoteSet.Load(NotesDir);
        RunDir = Path.Combine(Root, "run");
        var result = CliRunner.Run(300, "audio", "train", "--notes", NotesDir, "--out", RunDir, "--epochs", "2",
            "--hidden", "64", "--batch-size", "32", "--seed", "1");
        TrainResult = result;
        if (result.Code != 0) throw new InvalidOperationException("audio train failed: " + result.Output + result.Error);
    }

    /// <summary>Temporary folder holding everything (deleted at the end).</summary>
    public string Root { get; }
    /// <summary>The rendered note set.</summary>
    public string NotesDir { get; }
    /// <summary>The note set, loaded.</summary>
    public NoteSet Set { get; }
    /// <summary>The trained audio run.</summary>
    public string RunDir { get; }
    /// <summary>What `audio train` printed.</summary>
    public CliResult TrainResult { get; }

    /// <summary>A fresh folder under <see cref="Root"/>.</summary>
    public string NewFolder(string name)
    {
        var dir = Path.Combine(Root, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Tests sharing the tiny audio run. They use the console (CliRunner) and count live tensors: not parallel.</summary>
[CollectionDefinition("AudioRun", DisableParallelization = true)]
public sealed class AudioRunCollection : ICollectionFixture<AudioRunFixture>
{
}
