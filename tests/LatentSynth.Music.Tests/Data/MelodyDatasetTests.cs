using LatentSynth.Data;
using LatentSynth.Music.Data;
using LatentSynth.Torch;
using static LatentSynth.Music.Tests.Data.MidiFixtures;

namespace LatentSynth.Music.Tests.Data;

[Collection("MusicProcessWide")]
public sealed class MelodyDatasetTests : IDisposable
{
    private readonly string dir = TempFolder();

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>Ten 4-unit tunes, each with its own pitch (so windows tell their tune), one note per quarter.</summary>
    private void WriteTunes(int count = 10)
    {
        for (int k = 0; k < count; k++)
            Write(Path.Combine(dir, $"tune{k:D2}.mid"), 480, Enumerable.Range(0, 16).Select(i => new Q(50 + k, i, 1)), (0, 4, 4));
    }

    [Fact]
    public void WindowsOfATuneNeverLandInBothSplits()
    {
        WriteTunes();
        var (loaded, s) = MelodyDataset.Load("test", dir, "fixtures", new MelodyDataOptions { Bars = 2, TestFraction = 0.2 });
        using var _ = loaded;
        Assert.Equal(10, s.Tunes);
        Assert.Equal((8, 2), (s.TrainTunes, s.TestTunes));
        Assert.Equal((24L, 6L), (s.TrainWindows, s.TestWindows)); // 3 windows of 2 bars per 4-bar tune
        var train = loaded.Splits.Train.Examples;
        Assert.Equal(DType.Int64, train.DType);
        Assert.Equal([24L, 32L], train.Shape);
        Assert.Null(loaded.Splits.Train.Labels);
        static HashSet<long> Pitches(Tensor x) => x.ToArray<long>().Where(t => t >= MelodyTokens.FirstPitch).ToHashSet();
        var trainPitches = Pitches(train);
        var testPitches = Pitches(loaded.Splits.Test.Examples);
        Assert.Equal(8, trainPitches.Count);
        Assert.Equal(2, testPitches.Count);
        Assert.Empty(trainPitches.Intersect(testPitches));
        Assert.Equal(s.TrainWindows, loaded.Report.TrainCount);
        Assert.Equal([32L], loaded.Report.ItemShape);
    }

    [Fact]
    public void TranspositionMultipliesOnlyTheTrainingWindowsWithinRange()
    {
        WriteTunes(4);
        Write(Path.Combine(dir, "high.mid"), 480, Enumerable.Range(0, 16).Select(i => new Q(106, i, 1)), (0, 4, 4)); // only +0..+2 fit
        var options = new MelodyDataOptions { Bars = 2, Transpose = 5, TestFraction = 0.2, Seed = 3 };
        var (loaded, s) = MelodyDataset.Load("aug", dir, "fixtures", options);
        using var _ = loaded;
        Assert.Equal(1, s.TestTunes);
        Assert.Equal(3 * 1, s.TestWindows);
        // Each training window: 11 shifts, except the high tune's windows (shifts −5..+2: 8).
        var tokens = loaded.Splits.Train.Examples.ToArray<long>();
        Assert.All(tokens, t => Assert.InRange(t, 0, MelodyTokens.Count - 1));
        bool highInTrain = tokens.Contains(MelodyTokens.NoteOn(106));
        Assert.Equal(highInTrain ? 3 * 3 * 11 + 3 * 8 : 4 * 3 * 11, s.TrainWindows);
        Assert.Equal(3L * 4, s.TrainWindowsUntransposed);
        // Test windows are never transposed: their pitches are those of one tune.
        Assert.Single(loaded.Splits.Test.Examples.ToArray<long>().Where(t => t >= MelodyTokens.FirstPitch).Distinct());
    }

    [Fact]
    [BadInput("music data", "`midi:DIR` holding a file of random bytes, a truncated .mid and a .mid that is empty", "each named and skipped as 'unreadable MIDI' with NAudio's reason; the summary counts them; the good tunes load")]
    public void BadMidiFilesAreNamedAndSkipped()
    {
        WriteTunes(3);
        File.WriteAllBytes(Path.Combine(dir, "noise.mid"), Enumerable.Range(0, 200).Select(i => (byte)(i * 37 + 11)).ToArray());
        var good = File.ReadAllBytes(Path.Combine(dir, "tune00.mid"));
        File.WriteAllBytes(Path.Combine(dir, "truncated.mid"), good[..30]);
        File.WriteAllBytes(Path.Combine(dir, "empty.mid"), []);
        var warnings = new List<string>();
        var (loaded, s) = MusicData.Load("midi:" + dir, new DatasetOptions { Warn = warnings.Add });
        using var _ = loaded;
        Assert.Equal(6, s.FilesRead);
        Assert.Equal(3, s.Tunes);
        Assert.Equal(["empty.mid", "noise.mid", "truncated.mid"], s.Skipped.Select(f => Path.GetFileName(f.File)).Order());
        Assert.All(s.Skipped, f => Assert.Equal("unreadable MIDI", f.Reason));
        Assert.All(s.Skipped, f => Assert.Contains(f.File, f.Detail));
        Assert.Equal(3, loaded.Report.SkippedTotal);
        Assert.Equal(3, warnings.Count(w => w.StartsWith("skipped", StringComparison.Ordinal)));
        Assert.Equal(3, warnings.Count);
    }

    [Fact]
    public void TunesThatDoNotFitAreSummedUpInOneWarning()
    {
        WriteTunes(3);
        Write(Path.Combine(dir, "waltz.mid"), 480, [new(60, 0, 3)], (0, 3, 4));
        Write(Path.Combine(dir, "jig.mid"), 480, [new(60, 0, 1.5)], (0, 6, 8));
        var warnings = new List<string>();
        var (loaded, s) = MusicData.Load("midi16:" + dir, new DatasetOptions { Warn = warnings.Add });
        using var _ = loaded;
        var line = Assert.Single(warnings);
        Assert.Contains("2 of 5 tunes", line);
        Assert.Contains("1 time signature 3/4, 1 time signature 6/8", line);
        Assert.Equal(2, s.Skipped.Count);
        Assert.Equal(16, s.Options.Bars);
        Assert.Equal(0, s.TrainWindows + s.TestWindows); // 4-unit tunes are shorter than 16 bars
    }

    [Fact]
    [BadInput("music data", "`midi:DIR` where every file is unusable (3/4 waltzes, broken files), or DIR missing", "refused: one line naming the dataset and the folder, with the counts by reason")]
    public void AFolderWithoutUsableTunesIsRefusedInOneLine()
    {
        Write(Path.Combine(dir, "waltz.mid"), 480, [new(60, 0, 3)], (0, 3, 4));
        File.WriteAllText(Path.Combine(dir, "text.mid"), "not midi");
        var e = Assert.Throws<DatasetException>(() => MusicData.Load("midi:" + dir));
        Assert.Contains(dir, e.Message);
        Assert.Contains("1 time signature 3/4", e.Message);
        Assert.Contains("1 unreadable MIDI", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        var missing = Assert.Throws<DatasetException>(() => MusicData.Load("midi:" + Path.Combine(dir, "nope")));
        Assert.Contains("does not exist", missing.Message);
    }

    [Fact]
    public void TheCatalogKnowsTheMusicNames()
    {
        MusicData.Register();
        MusicData.Register(); // once per process
        var names = DatasetCatalog.List().Select(i => i.Name).ToList();
        Assert.Contains("nottingham", names);
        Assert.Contains("nottingham-16", names);
        Assert.Contains("midi:DIR", names);
        Assert.Contains("midi16:DIR", names);
        WriteTunes(10);
        using var splits = DatasetCatalog.Load("midi:" + dir);
        Assert.Equal(DType.Int64, splits.Train.Examples.DType);
        var summary = DatasetSummary.Of(splits.Train); // int64 examples summarised too
        Assert.InRange(summary.Max, MelodyTokens.NoteOn(50), MelodyTokens.NoteOn(59));
    }

    [Fact]
    public void NottinghamIsTakenFromTheCacheFirst()
    {
        var melody = Path.Combine(dir, "nottingham", MusicData.NottinghamCommit, "MIDI", "melody");
        Directory.CreateDirectory(melody);
        Write(Path.Combine(melody, "tune.mid"), 480, [new(60, 0, 1)], (0, 4, 4));
        var (folder, source) = MusicData.LocateNottingham(new DatasetOptions { CacheDir = dir }, shared: null, url: "http://127.0.0.1:9/unused.tar.gz");
        Assert.Equal(melody, folder);
        Assert.StartsWith("cache ", source);
    }

    [Fact]
    [BadInput("music data", "`nottingham` with nothing in the cache, no ../shared/datasets beside the repository and no network", "refused: one line naming the cache folder and the pinned URL, saying to unpack the archive's MIDI folder there")]
    public void NottinghamWithoutCacheSharedCopyOrNetworkSaysHowToGetIt()
    {
        const string url = "http://127.0.0.1:9/nottingham.tar.gz"; // the discard port: refused at once
        var e = Assert.Throws<DatasetException>(() => MusicData.LocateNottingham(new DatasetOptions { CacheDir = dir }, shared: null, url));
        Assert.Contains(Path.Combine(dir, "nottingham", MusicData.NottinghamCommit), e.Message);
        Assert.Contains(url, e.Message);
        Assert.Contains("unpack its MIDI folder", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [NottinghamFact]
    public void NottinghamSummaryOnTheRealFolder()
    {
        var (loaded, s) = MusicData.Load("nottingham", new DatasetOptions { CacheDir = dir }); // an empty cache: the shared copy is used
        using var _ = loaded;
        Assert.Contains("shared copy", s.Source);
        Assert.Equal(1034, s.FilesRead);
        Assert.Equal(s.FilesRead, s.Tunes + s.Skipped.Count);
        Assert.InRange(s.Tunes, 400, 600);
        Assert.DoesNotContain(s.Skipped, f => f.Reason == "unreadable MIDI");
        Assert.Contains(s.SkippedByReason, g => g.Reason == "time signature 6/8");
        Assert.Equal(s.Tunes, s.TrainTunes + s.TestTunes);
        Assert.Equal((int)Math.Round(s.Tunes * 0.1, MidpointRounding.AwayFromZero), s.TestTunes);
        Assert.Equal([s.TrainWindows, 32L], loaded.Splits.Train.Examples.Shape);
        Assert.True(s.TestWindows > 1000);

        var (loaded16, s16) = MusicData.Load("nottingham-16", new DatasetOptions { CacheDir = dir });
        using var __ = loaded16;
        Assert.Equal([s16.TestWindows, 256L], loaded16.Splits.Test.Examples.Shape);
        Assert.Equal((s.TrainTunes, s.TestTunes), (s16.TrainTunes, s16.TestTunes)); // the same split by tune
    }

    [NottinghamFact]
    public void TheFullMelodyAndChordsFilesYieldTheMelodyTrack()
    {
        // MIDI/NAME.mid holds the tune and its chords on two tracks; MIDI/melody/NAME.mid the tune alone.
        var root = Nottingham()!;
        int same = 0, chosen = 0;
        var differing = new List<string>();
        foreach (var melodyFile in Directory.GetFiles(Path.Combine(root, "MIDI", "melody"), "*.mid").Order(StringComparer.Ordinal))
        {
            var melody = MelodyGrid.ToTokens(MidiReader.Read(melodyFile));
            if (melody.Tokens is null) continue;
            var full = MelodyGrid.ToTokens(MidiReader.Read(Path.Combine(root, "MIDI", Path.GetFileName(melodyFile))));
            if (full.Detail.Contains("melody from track", StringComparison.Ordinal)) chosen++;
            if (full.Tokens is not null && full.Tokens.AsSpan().SequenceEqual(melody.Tokens)) same++;
            else differing.Add(melody.Name);
        }
        // reelsd-g28 differs in the data set itself: its melody + chords file holds 243 melody notes, its
        // melody file 239 (checked note by note); the track chosen is still the tune's.
        Assert.True(differing.All(n => n == "reelsd-g28"), $"{differing.Count} tunes differ: {string.Join(", ", differing.Take(10))}");
        Assert.True(same > 400, $"{same} tunes compared");
        Assert.True(chosen > 400, $"the melody track was chosen among several in {chosen} files");
    }
}

/// <summary>Tests that register catalog names or drive the command line (process-wide state) run one at a time.</summary>
[CollectionDefinition("MusicProcessWide", DisableParallelization = true)]
public sealed class MusicProcessWide;
