using System.Text.Json;
using LatentSynth.Data;
using LatentSynth.Music.Data;
using LatentSynth.Music.Evaluation;
using LatentSynth.Torch;
using LatentSynth.Training;

namespace LatentSynth.Cli.Tests;

using PolyNote = LatentSynth.Music.Data.PolyTree.PolyNote;
using Torch = LatentSynth.Torch.Torch;

/// <summary>A tiny PianoTree and a tiny piano-roll VAE trained once through the command line on 12 generated chord tunes (midi-poly:DIR).</summary>
public sealed class TinyPolyRuns : IDisposable
{
    /// <summary>Trains the runs.</summary>
    public TinyPolyRuns()
    {
        Dir = Directory.CreateTempSubdirectory("lst-poly-").FullName;
        Data = "midi-poly:" + PolyTunes.Write(Path.Combine(Dir, "midi"), 12);
        PianoTree = Path.Combine(Dir, "pianotree");
        Roll = Path.Combine(Dir, "roll");
        Train(PolyTunes.TinyPianoTree(Data, PianoTree));
        Train(["music", "train", "--model", "pianoroll-vae", "--data", Data, "--out", Roll, "--epochs", "1", "--batch-size", "16", "--latent-dim", "8", "--set", "hidden=[16]"]);
    }

    private static void Train(string[] args)
    {
        var (code, output) = CliRunner.Run(300, args);
        if (code != 0) throw new InvalidOperationException($"`latentsynth {string.Join(' ', args)}` failed: {output}");
    }

    /// <summary>The temporary folder holding the MIDI files and the runs.</summary>
    public string Dir { get; }

    /// <summary>The dataset name (midi-poly:DIR).</summary>
    public string Data { get; }

    /// <summary>The pianotree run.</summary>
    public string PianoTree { get; }

    /// <summary>The pianoroll-vae run.</summary>
    public string Roll { get; }

    /// <inheritdoc />
    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

/// <summary><c>music sample / reconstruct / interpolate / eval</c> on polyphonic runs: files, MIDI read back, metrics, refusals.</summary>
[Collection(ConsoleUsers.Name)]
public sealed class MusicPolyVerbsTests(TinyPolyRuns runs) : IClassFixture<TinyPolyRuns>, IDisposable
{
    private readonly string outDir = Directory.CreateTempSubdirectory("lst-poly-out-").FullName;

    public void Dispose() => Directory.Delete(outDir, recursive: true);

    private static bool IsPng(string path) => File.ReadAllBytes(path).AsSpan(0, 4).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' });

    private static readonly bool Sound = LatentSynth.Audio.Notes.NoteRenderer.MissingRenderer() is null;

    private static void AssertWav(string path)
    {
        if (Sound) Assert.True(new FileInfo(path).Length > 44 && File.ReadAllBytes(path).AsSpan(0, 4).SequenceEqual("RIFF"u8), path);
        else Assert.False(File.Exists(path), "no renderer: no WAV");
    }

    /// <summary>The notes of a MIDI file as (onset step, pitch, duration in steps) on the 16th grid, per 2-bar segment.</summary>
    private static List<PolyNote>[] ReadSegments(string path, int segments)
    {
        var midi = MidiReader.Read(path);
        long perStep = midi.TicksPerQuarter / 4;
        var result = Enumerable.Range(0, segments).Select(_ => new List<PolyNote>()).ToArray();
        foreach (var n in midi.Notes)
        {
            int step = (int)(n.OnTick / perStep);
            result[step / PolyTree.Steps].Add(new PolyNote(step % PolyTree.Steps, n.Pitch, (int)((n.OffTick - n.OnTick) / perStep)));
        }
        return result;
    }

    /// <summary>What a MIDI file of one segment can hold of <paramref name="notes"/>: a tree's notes (<see cref="PolyDecode.TreeValues"/>: the
    /// longest of two notes with one onset and pitch, the 16 lowest of a step).</summary>
    private static List<PolyNote> Written(IReadOnlyList<PolyNote> notes) => PolyTree.Decode(PolyDecode.TreeValues([notes]));

    private static string Key(IEnumerable<PolyNote> notes) => string.Join(";", notes.Select(n => $"{n.Onset},{n.Pitch},{n.Duration}").Order(StringComparer.Ordinal));

    /// <summary>The run's splits as the verbs read them (its own test limit applies); the caller disposes.</summary>
    private static DatasetSplits Splits(string run) => Trainer.LoadData(new CatalogDatasetSource(), RunFolder.Open(run).Config.Training, null);

    [Theory]
    [InlineData("pianotree")]
    [InlineData("pianoroll-vae")]
    public void SampleWritesPolyphonicMidiWavAndARoll(string model)
    {
        var run = model == "pianotree" ? runs.PianoTree : runs.Roll;
        var (code, output) = CliRunner.Run(250, "music", "sample", run, "--n", "3", "--out", outDir, "--temperature", "1.5", "--seed", "4");
        Assert.True(code == 0, output);
        Assert.Contains("z = T·ε", output);
        // The notes are the model's greedy decode of z = 1.5·ε with ε from the seed's generator.
        List<PolyNote>[] expected;
        using (var m = PolyDecode.LoadModel(run))
        using (var generator = new Generator(4))
            expected = PolyDecode.Sample(m, 3, 1.5, generator);
        for (int i = 1; i <= 3; i++)
        {
            var mid = Path.Combine(outDir, $"sample-{i:D2}.mid");
            var back = ReadSegments(mid, 1)[0];
            Assert.Equal(Key(Written(expected[i - 1])), Key(back));
            int count = expected[i - 1].Count;
            Assert.Contains($"sample-{i:D2}.mid: " + (count == 0 ? "no notes" : $"{count} note"), output);
            AssertWav(Path.ChangeExtension(mid, ".wav"));
        }
        Assert.True(IsPng(Path.Combine(outDir, "samples.png")));
    }

    [Fact]
    public void ReconstructWritesTestSegmentsAndTheirReconstructions()
    {
        var (code, output) = CliRunner.Run(250, "music", "reconstruct", runs.PianoTree, "--n", "2", "--out", outDir, "--seed", "1");
        Assert.True(code == 0, output);
        using var model = PolyDecode.LoadModel(runs.PianoTree);
        using var splits = Splits(runs.PianoTree);
        using var scope = Torch.NewScope();
        var test = NoteF1.TreeNotes(splits.Test.Examples).Select(Key).ToList();
        for (int i = 1; i <= 2; i++)
        {
            // Each original is one of the test segments, with its notes (chords included) written whole.
            var original = ReadSegments(Path.Combine(outDir, $"original-{i:D2}.mid"), 1)[0];
            Assert.Contains(Key(original), test);
            Assert.Contains(original.GroupBy(n => n.Onset), g => g.Count() >= 3);
            // Its reconstruction is the model's greedy decode of μ of that segment.
            var index = test.IndexOf(Key(original));
            var recon = PolyDecode.ReconstructNotes(model, splits.Test.Examples.Narrow(0, index, 1))[0];
            Assert.Equal(Key(Written(recon)), Key(ReadSegments(Path.Combine(outDir, $"reconstruction-{i:D2}.mid"), 1)[0]));
            AssertWav(Path.Combine(outDir, $"original-{i:D2}.wav"));
            AssertWav(Path.Combine(outDir, $"reconstruction-{i:D2}.wav"));
        }
        Assert.True(IsPng(Path.Combine(outDir, "reconstructions.png")));
        Assert.Contains("onset F1", output);
    }

    [Fact]
    public void InterpolateWritesTheSlerpBetweenTwoTestSegments()
    {
        var (code, output) = CliRunner.Run(250, "music", "interpolate", runs.PianoTree, "--steps", "4", "--from", "0", "--to", "1", "--out", outDir);
        Assert.True(code == 0, output);
        Assert.Contains("slerp", output);
        var segments = ReadSegments(Path.Combine(outDir, "interpolation.mid"), 4);
        // The ends are the greedy reconstructions of the two segments (z = μ(A) at α = 0, μ(B) at α = 1).
        using var model = PolyDecode.LoadModel(runs.PianoTree);
        using var splits = Splits(runs.PianoTree);
        using var scope = Torch.NewScope();
        var recon = PolyDecode.ReconstructNotes(model, splits.Test.Examples.Narrow(0, 0, 2));
        Assert.Equal(Key(Written(recon[0])), Key(segments[0]));
        Assert.Equal(Key(Written(recon[1])), Key(segments[3]));
        AssertWav(Path.Combine(outDir, "interpolation.wav"));
        Assert.True(IsPng(Path.Combine(outDir, "interpolation.png")));
    }

    [Fact]
    public void EvalPrintsAndWritesTheNoteF1OfTheBenchmark()
    {
        var json = Path.Combine(outDir, "eval.json");
        var (code, output) = CliRunner.Run(250, "music", "eval", runs.Roll, "--limit", "6", "--json", json);
        Assert.True(code == 0, output);
        var o = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.Equal(6, o.GetProperty("segments").GetInt32());
        Assert.Equal("pianoroll-vae", o.GetProperty("model").GetString());
        var direct = PolyBenchmark.Evaluate(runs.Roll, new PolyBenchmarkOptions { Segments = 6 }, 0);
        foreach (var key in PolyBenchmark.Info.Keys)
        {
            double v = o.GetProperty(key).GetDouble();
            Assert.InRange(v, 0, 1);
            Assert.Equal(direct[key], v, 12);
            Assert.Contains(key, output);
        }
    }

    [Theory]
    [BadInput("music", "a polyphonic run (pianotree, pianoroll-vae, midi-event-vae) given `music sample --temperature 0`, `music reconstruct --n 0`, `music interpolate --from 9999`, or `music eval --limit 1`", "one error line naming the flag and its range (eval: at least 2 segments for the interpolation measure); exit 1; nothing written")]
    [InlineData("sample", "--temperature", "0", "--temperature must be above 0 and at most 10, got 0")]
    [InlineData("reconstruct", "--n", "0", "--n must be between 1 and 32, got 0")]
    [InlineData("interpolate", "--from", "9999", "--from 9999 is past the last of the")]
    [InlineData("eval", "--limit", "1", "--limit must be at least 2 for a polyphonic run")]
    public void WrongOptionsAreRefusedNamingTheFlag(string verb, string flag, string value, string message)
    {
        var dir = Path.Combine(outDir, verb);
        string[] args = verb == "eval" ? ["music", verb, runs.PianoTree, flag, value] : ["music", verb, runs.PianoTree, "--out", dir, flag, value];
        var (code, output) = CliRunner.Run(250, args);
        Assert.Equal(1, code);
        Assert.Contains(message, output);
        Assert.False(Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any(), "nothing written");
    }
}
