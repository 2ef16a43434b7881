using LatentSynth.Audio.Synthesis;
using LatentSynth.Data;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Tests.Synthesis;

using Torch = LatentSynth.Torch.Torch;

[Collection("AudioRun")]
public sealed class AudioDataTests(AudioRunFixture fx)
{
    private AudioDataSettings Settings(double testFraction = 0.2, long seed = 3) =>
        new() { Notes = fx.NotesDir, TestFraction = testFraction, Seed = seed };

    private static string[] Ids(IEnumerable<LatentSynth.Audio.Notes.NoteInfo> notes) => notes.Select(n => n.Id).ToArray();

    [Fact]
    public void Split_is_by_whole_notes_covers_every_instrument_and_is_deterministic()
    {
        using var a = AudioData.Prepare(Settings(), fx.NewFolder("split-a"));
        using var b = AudioData.Prepare(Settings(), fx.NewFolder("split-b"));
        var train = Ids(a.TrainNotes);
        var test = Ids(a.TestNotes);
        Assert.Empty(train.Intersect(test));
        Assert.Equal(fx.Set.Notes.Select(n => n.Id).Order(), train.Concat(test).Order());
        foreach (var instrument in AudioRunFixture.InstrumentNames)
        {
            Assert.Contains(a.TrainNotes, n => n.Instrument == instrument);
            Assert.Contains(a.TestNotes, n => n.Instrument == instrument);
        }
        Assert.Equal(train, Ids(b.TrainNotes));
        Assert.Equal(test, Ids(b.TestNotes));
        // No frame of a test note is in the training split: frame counts add up note by note.
        Assert.Equal(a.TrainFrameNote.Length, a.Splits.Train.Count);
        Assert.Equal(a.TestFrameNote.Length, a.Splits.Test.Count);
    }

    [Fact]
    public void Another_seed_gives_another_split_and_the_test_fraction_is_respected()
    {
        // 3 notes per instrument: fraction 0.2 → 1 test note each (at least one); 0.6 → round(1.8) = 2 each.
        using var small = AudioData.Prepare(Settings(0.2), fx.NewFolder("frac-small"));
        using var large = AudioData.Prepare(Settings(0.6), fx.NewFolder("frac-large"));
        Assert.Equal(2, small.TestNotes.Count);
        Assert.Equal(4, small.TrainNotes.Count);
        Assert.Equal(4, large.TestNotes.Count);
        Assert.Equal(2, large.TrainNotes.Count);
        var splits = Enumerable.Range(0, 6).Select(s =>
        {
            using var f = AudioData.Prepare(Settings(seed: s), fx.NewFolder("seed"));
            return string.Join(",", Ids(f.TestNotes).Order());
        }).Distinct().Count();
        Assert.True(splits > 1, "six seeds all gave the same split");
    }

    [Fact]
    public void Frames_are_normalized_labelled_by_instrument_and_counted_per_note()
    {
        var folder = fx.NewFolder("frames");
        using var data = AudioData.Prepare(Settings(), folder);
        using var pipeline = AudioData.Pipeline(folder);
        var instruments = AudioData.Instruments(folder);
        Assert.Equal(AudioRunFixture.InstrumentNames, instruments);
        foreach (var (split, notes, owner) in new[] { (data.Splits.Train, data.TrainNotes, data.TrainFrameNote), (data.Splits.Test, data.TestNotes, data.TestFrameNote) })
        {
            using var scope = Torch.NewScope();
            Assert.Equal(pipeline.Bins, split.ItemSize);
            Assert.True(split.Examples.Min().Item() >= 0, $"{split.Name}: min {split.Examples.Min().Item()}");
            Assert.True(split.Examples.Max().Item() <= 1, $"{split.Name}: max {split.Examples.Max().Item()}");
            long expected = 0;
            foreach (var n in notes)
            {
                using var signal = fx.Set.Read(n).ToTensor();
                using var f = pipeline.Analyze(signal);
                expected += f.Size(0);
            }
            Assert.Equal(expected, split.Count);
            var labels = split.Labels!.ToArray<long>();
            for (int i = 0; i < labels.Length; i++)
                Assert.Equal(instruments.ToList().IndexOf(notes[owner[i]].Instrument), (int)labels[i]);
            // Frames of one note are contiguous and in note order.
            Assert.True(owner.Zip(owner.Skip(1)).All(p => p.Second == p.First || p.Second == p.First + 1));
        }
    }

    [Fact]
    public void The_frame_cache_is_reused_and_rebuilt_when_the_settings_change()
    {
        var folder = fx.NewFolder("cache");
        long trainFrames;
        using (var first = AudioData.Prepare(Settings(0.2), folder)) trainFrames = first.Splits.Train.Count;
        var cache = Path.Combine(folder, AudioData.FramesFile);
        Assert.True(File.Exists(cache));
        var old = new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(cache, old);
        var messages = new List<string>();
        using (var again = AudioData.Load(folder, messages.Add))
            Assert.Equal(trainFrames, again.Splits.Train.Count);
        Assert.Equal(old, File.GetLastWriteTimeUtc(cache));
        Assert.DoesNotContain(messages, m => m.Contains("cached", StringComparison.Ordinal));

        using (var changed = AudioData.Prepare(Settings(0.6), folder, messages.Add))
            Assert.True(changed.Splits.Train.Count < trainFrames);
        Assert.NotEqual(old, File.GetLastWriteTimeUtc(cache));

        // A damaged cache is rebuilt, not fatal.
        File.WriteAllText(cache, "not safetensors");
        messages.Clear();
        using (var rebuilt = AudioData.Load(folder, messages.Add))
            Assert.True(rebuilt.Splits.Train.Count > 0);
        Assert.Contains(messages, m => m.Contains("unreadable", StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_inputs_name_what_is_wrong()
    {
        var empty = fx.NewFolder("empty");
        var e1 = Assert.Throws<FileNotFoundException>(() => AudioData.Prepare(new AudioDataSettings { Notes = empty }, fx.NewFolder("out")));
        Assert.Contains(empty, e1.Message);
        Assert.Contains("notes.csv", e1.Message);

        var e2 = Assert.Throws<ArgumentException>(() => AudioData.Prepare(Settings() with { Instruments = ["kazoo"] }, fx.NewFolder("out")));
        Assert.Contains("kazoo", e2.Message);
        Assert.Contains("flute", e2.Message);

        foreach (var f in new[] { 0.0, 1.0, -0.5, double.NaN })
        {
            var e3 = Assert.Throws<ArgumentException>(() => AudioData.Prepare(Settings(f), fx.NewFolder("out")));
            Assert.Contains("test_fraction", e3.Message);
        }

        var e4 = Assert.Throws<ArgumentException>(() => AudioData.Prepare(Settings() with { Dynamics = ["ff"] }, fx.NewFolder("out")));
        Assert.Contains("0 note(s)", e4.Message);

        var e5 = Assert.Throws<FileNotFoundException>(() => AudioData.Load(empty));
        Assert.Contains(empty, e5.Message);
        Assert.Contains(AudioData.SettingsFile, e5.Message);
        Assert.False(AudioData.Exists(empty));
    }

    [Fact]
    public void Frames_pattern_loads_through_the_dataset_catalog()
    {
        AudioData.Register();
        var folder = Path.Combine(fx.RunDir, "audio");
        using var direct = AudioData.Load(folder);
        using var loaded = DatasetCatalog.Load($"frames:{folder}");
        Assert.Equal(direct.Splits.Train.Count, loaded.Train.Count);
        Assert.Equal(direct.Splits.Test.Count, loaded.Test.Count);
        Assert.Equal(AudioRunFixture.InstrumentNames, loaded.Train.ClassNames);
        Assert.True(DatasetCatalog.IsKnown($"frames:{folder}"));
    }
}
