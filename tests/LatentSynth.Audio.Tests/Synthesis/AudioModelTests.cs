using LatentSynth.Audio.IO;
using LatentSynth.Audio.Spectral;
using LatentSynth.Audio.Synthesis;
using LatentSynth.Torch;

namespace LatentSynth.Audio.Tests.Synthesis;

using Torch = LatentSynth.Torch.Torch;

[Collection("AudioRun")]
public sealed class AudioModelTests(AudioRunFixture fx)
{
    private static readonly GriffinLimOptions FewIterations = new() { Iterations = 4 };

    private AudioClip Note(int i = 0) => fx.Set.Read(fx.Set.Notes[i]);

    [Fact]
    public void Open_refuses_folders_that_are_not_audio_runs()
    {
        var empty = fx.NewFolder("not-a-run");
        var e1 = Assert.Throws<ArgumentException>(() => AudioModel.Open(empty));
        Assert.Contains(empty, e1.Message);
        Assert.Contains("not a run folder", e1.Message);
        Assert.False(AudioModel.IsAudioRun(empty));

        var plain = fx.NewFolder("plain-run");
        File.Copy(Path.Combine(fx.RunDir, LatentSynth.Training.RunFolder.ConfigFile), Path.Combine(plain, LatentSynth.Training.RunFolder.ConfigFile));
        var e2 = Assert.Throws<ArgumentException>(() => AudioModel.Open(plain));
        Assert.Contains("not an audio run", e2.Message);
        Assert.Contains("audio train", e2.Message);
        Assert.True(AudioModel.IsAudioRun(fx.RunDir));
    }

    [Fact]
    public void The_note_map_is_built_once_cached_on_disk_and_rebuilt_when_the_cache_is_bad()
    {
        const int maxNotes = 5;
        var cache = Path.Combine(fx.RunDir, AudioModel.AudioFolder, NoteMap.CacheFile(maxNotes));
        File.Delete(cache);
        float[] first;
        using (var model = AudioModel.Open(fx.RunDir))
        {
            var map = model.NoteMap(maxNotes);
            Assert.False(map.FromCache);
            Assert.Same(map, model.NoteMap(maxNotes));                      // one map per model
            Assert.True(File.Exists(cache));
            var (set, train, _) = model.Notes();
            Assert.Equal(NoteMap.Pick(train, maxNotes).Select(n => n.Id), map.Notes.Select(n => n.Id));
            Assert.Equal(Math.Min(maxNotes, train.Count), map.Notes.Count);
            using var direct = model.NoteCodes(set, map.Notes);
            first = map.Codes.ToArray<float>();
            Assert.Equal(direct.ToArray<float>(), first);
            // The mean is the codes' mean; labels index the run's instruments.
            for (int j = 0; j < model.LatentDim; j++)
                Assert.Equal(Enumerable.Range(0, map.Notes.Count).Average(i => first[i * model.LatentDim + j]), map.Mean[j], 4);
            Assert.Equal(map.Notes.Select(n => model.Instruments.ToList().IndexOf(n.Instrument)), map.Labels);
        }
        using (var model = AudioModel.Open(fx.RunDir))
        {
            var map = model.NoteMap(maxNotes);
            Assert.True(map.FromCache);                                     // the next call does not encode again
            Assert.Equal(first, map.Codes.ToArray<float>());
        }
        File.WriteAllText(cache, "not a safetensors file");
        using (var model = AudioModel.Open(fx.RunDir))
        {
            var map = model.NoteMap(maxNotes);
            Assert.False(map.FromCache);                                    // unreadable cache: rebuilt, same codes
            Assert.Equal(first, map.Codes.ToArray<float>());
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => NoteMap.Pick([], 1));
    }

    [Fact]
    public void Encode_and_decode_have_one_point_and_one_frame_per_STFT_frame()
    {
        using var model = AudioModel.Open(fx.RunDir);
        Assert.Equal(22050, model.SampleRate);
        Assert.Equal(AudioRunFixture.InstrumentNames, model.Instruments);
        var clip = Note();
        using var frames = model.Analyze(clip);
        long t = frames.Size(0);
        Assert.Equal(1 + clip.Samples.Length / model.Pipeline.Stft.HopLength, t);
        using var path = model.Encode(clip);
        Assert.Equal(new long[] { t, model.LatentDim }, path.Shape);
        using var decoded = model.DecodePath(path);
        Assert.Equal(new long[] { t, model.Pipeline.Bins }, decoded.Shape);
        Assert.True(decoded.Min().Item() >= 0 && decoded.Max().Item() <= 1, "bce decoder output is a probability");

        using var wrong = Torch.Zeros(t, model.LatentDim + 1);
        Assert.Contains($"[T, {model.LatentDim}]", Assert.Throws<ArgumentException>(() => model.DecodePath(wrong)).Message);
        using var flat = Torch.Zeros(model.LatentDim);
        Assert.Throws<ArgumentException>(() => model.DecodePath(flat));
        using var none = Torch.Zeros(0, model.LatentDim);
        Assert.Throws<ArgumentException>(() => model.DecodePath(none));
        var bad = new float[3 * model.LatentDim];
        bad[4] = float.NaN;
        using var nan = Tensor.From(bad, 3, model.LatentDim);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => model.DecodePath(nan)).Message);
    }

    [Fact]
    public void Synthesize_makes_a_finite_audible_clip_of_the_path_length()
    {
        using var model = AudioModel.Open(fx.RunDir);
        using var path = model.Encode(Note(1));
        using var sound = model.Synthesize(path, FewIterations);
        long t = path.Size(0);
        Assert.Equal((t - 1) * model.Pipeline.Stft.HopLength, sound.Clip.Samples.Length);
        Assert.Equal(22050, sound.Clip.SampleRate);
        Assert.All(sound.Clip.Samples, s => Assert.True(float.IsFinite(s)));
        Assert.True(sound.Clip.Rms > 1e-3, $"rms {sound.Clip.Rms}");
        Assert.True(sound.Clip.Peak <= 0.99f + 1e-6f);
        Assert.Equal(new long[] { t, model.Pipeline.Bins }, sound.Frames.Shape);
        Assert.Equal(new long[] { t, model.Pipeline.Stft.NFft / 2 + 1 }, sound.Magnitude.Shape);
        Assert.InRange(sound.SpectralConvergence, 0, 1.5);
        // A path between two notes' codes sounds too.
        var a = model.NoteCode(Note(0));
        var b = model.NoteCode(Note(5));
        using var line = PathRecipe.Build(model, new PathSpec { Kind = PathKind.Line, From = a, To = b, Seconds = 0.5 });
        using var between = model.Synthesize(line, FewIterations);
        Assert.True(between.Clip.Rms > 1e-3, $"rms {between.Clip.Rms}");
    }

    [Fact]
    public void Note_code_is_the_mean_code_of_the_loud_frames()
    {
        using var model = AudioModel.Open(fx.RunDir);
        var clip = Note(2);
        using var frames = model.Analyze(clip);
        using var codes = model.EncodeFrames(frames);
        int t = (int)frames.Size(0), d = model.LatentDim, bins = (int)frames.Size(1);
        var f = frames.ToArray<float>();
        var z = codes.ToArray<float>();
        var level = Enumerable.Range(0, t).Select(i => f.AsSpan(i * bins, bins).ToArray().Average()).ToArray();
        double threshold = level.Min() + 0.5 * (level.Max() - level.Min());
        var loud = Enumerable.Range(0, t).Where(i => level[i] >= threshold - 1e-6).ToList();
        Assert.True(loud.Count >= 2 && loud.Count < t, $"{loud.Count} loud of {t} frames");
        var expected = Enumerable.Range(0, d).Select(j => loud.Average(i => z[i * d + j])).ToArray();
        var code = model.NoteCode(clip);
        Assert.Equal(d, code.Length);
        for (int j = 0; j < d; j++) Assert.Equal(expected[j], code[j], 3);
        // …and not the plain mean over all frames (the silence after the release pulls that away).
        var all = Enumerable.Range(0, d).Select(j => Enumerable.Range(0, t).Average(i => z[i * d + j])).ToArray();
        Assert.Contains(expected.Zip(all), p => Math.Abs(p.First - p.Second) > 1e-4);

        var (set, train, _) = model.Notes();
        using var many = model.NoteCodes(set, train);
        Assert.Equal(new long[] { train.Count, d }, many.Shape);
    }

    [Fact]
    public void Points_for_seconds_follow_the_hop()
    {
        using var model = AudioModel.Open(fx.RunDir);
        Assert.Equal(87, model.PointsFor(1.0));
        Assert.Equal(1.0, model.Seconds(87) + 0, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.PointsFor(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.PointsFor(61));
        using var prior = model.SamplePrior(3);
        Assert.Equal(new long[] { 3, model.LatentDim }, prior.Shape);
    }

    [Fact]
    public void Repeated_synthesis_does_not_grow_the_live_tensors()
    {
        using var model = AudioModel.Open(fx.RunDir);
        var clip = Note(3);
        void Once()
        {
            using var path = model.Encode(clip);
            using var sound = model.Synthesize(path, FewIterations);
            model.NoteCode(clip);
            using var r = model.Reconstruct(clip, FewIterations);
        }
        Once();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = Torch.LiveTensors;
        for (int i = 0; i < 3; i++) Once();
        Assert.Equal(before, Torch.LiveTensors);
    }
}
