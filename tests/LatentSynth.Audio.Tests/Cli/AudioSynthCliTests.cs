using LatentSynth.Audio.IO;
using LatentSynth.Audio.Tests.Synthesis;

namespace LatentSynth.Audio.Tests.Cli;

/// <summary>`audio train`, `audio reconstruct`, `audio path`, `audio sample` and `eval` end to end on the shared tiny run.</summary>
[Collection("AudioRun")]
public sealed class AudioSynthCliTests(AudioRunFixture fx)
{
    private static CliResult Run(params string[] args) => CliRunner.Run(400, args);

    private static void OneLineError(CliResult r, params string[] mentions)
    {
        Assert.Equal(1, r.Code);
        var text = r.Output.Trim();
        Assert.StartsWith("error:", text);
        Assert.Single(text.Split('\n'));
        foreach (var m in mentions) Assert.Contains(m, text);
    }

    private static void AssertWav(string file, double seconds)
    {
        Assert.True(File.Exists(file), file);
        var clip = AudioFile.ReadMono(file);
        Assert.Equal(22050, clip.SampleRate);
        Assert.InRange(clip.Duration, seconds - 0.03, seconds + 0.03);
        Assert.True(clip.Rms > 1e-4, $"{file}: silent (rms {clip.Rms})");
    }

    private static void AssertPng(string file)
    {
        Assert.True(File.Exists(file), file);
        var bytes = File.ReadAllBytes(file);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
    }

    [Fact]
    public void Train_made_an_audio_run_that_eval_reads()
    {
        Assert.Contains("audio data", fx.TrainResult.Output);
        Assert.Contains("Done", fx.TrainResult.Output);
        Assert.True(File.Exists(Path.Combine(fx.RunDir, "audio", "audio-data.json")));
        Assert.True(File.Exists(Path.Combine(fx.RunDir, "audio", "frames.safetensors")));
        var config = File.ReadAllText(Path.Combine(fx.RunDir, "run.json"));
        Assert.Contains("beta-vae", config);
        Assert.Contains("frames:", config);
        var r = Run("eval", fx.RunDir, "--json");
        Assert.True(r.Code == 0, r.Output);
        Assert.Contains("\"loss\"", r.Output);
    }

    [Fact]
    public void Train_refuses_an_existing_run_and_a_missing_note_set()
    {
        OneLineError(Run("audio", "train", "--notes", fx.NotesDir, "--out", fx.RunDir, "--epochs", "1"), "already holds a run");
        var missing = Path.Combine(fx.Root, "no-notes");
        OneLineError(Run("audio", "train", "--notes", missing, "--out", fx.NewFolder("r"), "--epochs", "1"), missing, "notes.csv");
        OneLineError(Run("audio", "train", "--notes", fx.NotesDir, "--out", fx.NewFolder("r"), "--instruments", "kazoo"), "kazoo");
        OneLineError(Run("audio", "train", "--notes", fx.NotesDir, "--out", fx.NewFolder("r"), "--test-fraction", "1.5"), "test_fraction");
    }

    [Fact]
    public void Reconstruct_writes_a_wav_and_a_spectrogram_and_prints_the_error()
    {
        var note = fx.Set.Notes[2];
        var file = Path.Combine(fx.NewFolder("rec"), "r.wav");
        var r = Run("audio", "reconstruct", fx.RunDir, note.Id, "--out", file, "--iterations", "4");
        Assert.True(r.Code == 0, r.Output);
        Assert.Contains("reconstructed " + note.Id, r.Output);
        Assert.Matches(@"spectral convergence \d+(\.\d+)?", r.Output);
        Assert.Contains("log-spectral distance", r.Output);
        AssertWav(file, 0.6 - 256.0 / 22050);
        AssertPng(Path.ChangeExtension(file, ".png"));

        // An audio file works as well as a note id.
        var file2 = Path.Combine(Path.GetDirectoryName(file)!, "r2.wav");
        r = Run("audio", "reconstruct", fx.RunDir, fx.Set.PathOf(note), "--out", file2, "--iterations", "2");
        Assert.True(r.Code == 0, r.Output);
        Assert.True(File.Exists(file2));
    }

    [Theory]
    [InlineData("circle")]
    [InlineData("spiral")]
    [InlineData("lissajous")]
    [InlineData("traversal")]
    [InlineData("random-walk")]
    [InlineData("line")]
    [InlineData("morph")]
    [InlineData("geodesic")]
    public void Path_writes_sound_spectrogram_and_path_picture(string kind)
    {
        var a = fx.Set.Notes[0].Id;
        var b = fx.Set.Notes[4].Id;
        var file = Path.Combine(fx.NewFolder("path"), kind + ".wav");
        var args = new List<string> { "audio", "path", fx.RunDir, "--kind", kind, "--out", file, "--seconds", "0.5", "--iterations", "4" };
        if (kind is "line" or "morph" or "geodesic") args.AddRange(["--from", a, "--to", b]);
        if (kind == "geodesic") args.AddRange(["--geodesic-iterations", "3"]);
        if (kind == "traversal") args.AddRange(["--dim", "2", "--center", a]);
        if (kind == "circle") args.AddRange(["--dims", "0,1"]);
        var r = Run([.. args]);
        Assert.True(r.Code == 0, r.Output);
        Assert.Contains($"{kind}: {44} points", r.Output);
        Assert.Contains("Griffin-Lim spectral convergence", r.Output);
        if (kind == "geodesic") Assert.Contains("curve energy through the decoder", r.Output);
        var clip = AudioFile.ReadMono(file);
        Assert.Equal(43 * 256, clip.Samples.Length);
        Assert.True(clip.Samples.All(float.IsFinite));
        AssertPng(Path.ChangeExtension(file, ".png"));
        Assert.StartsWith("<svg", File.ReadAllText(Path.ChangeExtension(file, ".path.svg")).TrimStart());
        AssertPng(Path.ChangeExtension(file, ".path.png"));
    }

    [Fact]
    public void Sample_writes_count_notes()
    {
        var dir = fx.NewFolder("samples");
        var r = Run("audio", "sample", fx.RunDir, "--count", "2", "--out", dir, "--seconds", "0.4", "--iterations", "3", "--seed", "5");
        Assert.True(r.Code == 0, r.Output);
        Assert.Contains("sample 0:", r.Output);
        Assert.Contains("sample 1:", r.Output);
        Assert.Equal(2, Directory.GetFiles(dir, "sample-*.wav").Length);
        Assert.Equal(2, Directory.GetFiles(dir, "sample-*.png").Length);
        Assert.True(File.Exists(Path.Combine(dir, "paths.svg")));
        AssertPng(Path.Combine(dir, "paths.png"));
        Assert.Equal(34 * 256, AudioFile.ReadMono(Path.Combine(dir, "sample-00.wav")).Samples.Length);
    }

    [Fact]
    [BadInput("audio files", "a 1-sample WAV given to audio reconstruct", "one error line naming the file: too short for one STFT frame")]
    [BadInput("audio files", "a float WAV holding NaN given to audio reconstruct", "one error line naming the file: not finite")]
    public void Sounds_too_short_or_not_finite_are_named()
    {
        var dir = fx.NewFolder("unusable");
        var tiny = Path.Combine(dir, "one-sample.wav");
        AudioFile.WriteWav(tiny, new AudioClip([0.5f], 22050));
        var nan = Path.Combine(dir, "nan.wav");
        var samples = IO.AudioFileTests.Sine(440, 22050, 4410);
        samples[100] = float.NaN;
        AudioFile.WriteWav(nan, new AudioClip(samples, 22050), WavSampleFormat.Float32);
        var wav = Path.Combine(dir, "x.wav");
        OneLineError(Run("audio", "reconstruct", fx.RunDir, tiny, "--out", wav), "one-sample.wav", "too short: 1 samples", "n_fft 1024");
        OneLineError(Run("audio", "reconstruct", fx.RunDir, nan, "--out", wav), "nan.wav", "not finite: 1 of 4,410 samples");
        Assert.False(File.Exists(wav));
    }

    [Fact]
    [BadInput("audio files", "a note set listing a 1-sample WAV and a NaN WAV, given to audio train", "both notes named in one warning line and left out; training goes on")]
    public void Audio_train_skips_unusable_notes_and_names_them()
    {
        var set = fx.NewFolder("set");
        foreach (var n in fx.Set.Notes)
        {
            var target = Path.Combine(set, n.File);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(fx.Set.PathOf(n), target);
        }
        AudioFile.WriteWav(Path.Combine(set, "tiny.wav"), new AudioClip([0.5f], 22050));
        var samples = IO.AudioFileTests.Sine(440, 22050, 4410);
        samples[7] = float.PositiveInfinity;
        AudioFile.WriteWav(Path.Combine(set, "inf.wav"), new AudioClip(samples, 22050), WavSampleFormat.Float32);
        var csv = File.ReadAllLines(Path.Combine(fx.NotesDir, "notes.csv")).ToList();
        var first = csv[1].Split(',');
        string Row(string id, string file) { var f = (string[])first.Clone(); f[0] = id; f[9] = file; return string.Join(',', f); }
        csv.Add(Row("tiny_note", "tiny.wav"));
        csv.Add(Row("inf_note", "inf.wav"));
        File.WriteAllLines(Path.Combine(set, "notes.csv"), csv);

        var run = Path.Combine(fx.NewFolder("r"), "run");
        var r = Run("audio", "train", "--notes", set, "--out", run, "--epochs", "1", "--hidden", "16", "--batch-size", "64");
        Assert.True(r.Code == 0, r.Output);
        Assert.Contains("skipped 2 unusable note(s)", r.Output);
        Assert.Contains("tiny_note (too short", r.Output);
        Assert.Contains("inf_note (not finite", r.Output);
        var data = File.ReadAllText(Path.Combine(run, "audio", "audio-data.json"));
        Assert.DoesNotContain("tiny_note", data);
        Assert.DoesNotContain("inf_note", data);
        Assert.Contains(fx.Set.Notes[0].Id, data);
    }

    [Fact]
    public void Bad_input_is_one_error_line()
    {
        var dir = fx.NewFolder("bad");
        var wav = Path.Combine(dir, "x.wav");
        OneLineError(Run("audio", "path", fx.RunDir, "--kind", "zigzag", "--out", wav), "zigzag", "circle");
        OneLineError(Run("audio", "reconstruct", fx.RunDir, "oboe_99_mf", "--out", wav), "oboe_99_mf");
        OneLineError(Run("audio", "path", fx.RunDir, "--kind", "line", "--from", "nope_1", "--to", fx.Set.Notes[0].Id, "--out", wav), "nope_1");
        var missing = Path.Combine(dir, "no-run");
        OneLineError(Run("audio", "reconstruct", missing, fx.Set.Notes[0].Id, "--out", wav), missing, "not a run folder");
        OneLineError(Run("audio", "sample", missing, "--out", dir), missing);
        OneLineError(Run("audio", "path", fx.RunDir, "--kind", "line", "--out", wav), "start point (from)");
        OneLineError(Run("audio", "path", fx.RunDir, "--kind", "circle", "--seconds", "0", "--out", wav), "duration");
        OneLineError(Run("audio", "path", fx.RunDir, "--kind", "circle", "--dims", "0", "--out", wav), "--dims");
        OneLineError(Run("audio", "path", fx.RunDir, "--kind", "circle", "--iterations", "0", "--out", wav), "--iterations");
        OneLineError(Run("audio", "path", fx.RunDir, "--kind", "geodesic", "--from", fx.Set.Notes[0].Id, "--to", fx.Set.Notes[1].Id, "--geodesic-iterations", "-1", "--out", wav), "geodesic iterations");
        OneLineError(Run("audio", "sample", fx.RunDir, "--count", "0", "--out", dir), "--count");
        Assert.False(File.Exists(wav));
    }

    [Fact]
    [BadInput("numbers", "`audio path RUN --seconds 1e9`, `audio sample RUN --seconds 1e9`", "refused before the run is opened: one error line naming --seconds and the 60 s limit; exit 1")]
    public void Sound_length_is_bounded_before_the_run_is_opened()
    {
        var dir = fx.NewFolder("long");
        var missing = Path.Combine(dir, "no-run");   // the limit is checked first: the run is never opened
        OneLineError(Run("audio", "path", missing, "--kind", "circle", "--seconds", "1e9", "--out", Path.Combine(dir, "x.wav")), "--seconds", "(0, 60]", "1000000000");
        OneLineError(Run("audio", "sample", missing, "--seconds", "1e9", "--out", dir), "--seconds", "(0, 60]");
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    [BadInput("output paths", "`audio reconstruct RUN NOTE --out RUN/run.json`; `audio path`/`audio sample` onto existing WAVs", "refused before any work: one error line naming --out and the path; run.json untouched; existing WAVs (and the PNG/SVG beside them) replaced only with --force")]
    public void Outputs_never_replace_run_files_and_need_force_to_replace_sounds()
    {
        var note = fx.Set.Notes[1].Id;
        var config = Path.Combine(fx.RunDir, "run.json");
        var before = File.ReadAllText(config);
        OneLineError(Run("audio", "reconstruct", fx.RunDir, note, "--out", config, "--force"), "--out", config, "run's own run.json");
        Assert.Equal(before, File.ReadAllText(config));

        var dir = fx.NewFolder("force");
        var wav = Path.Combine(dir, "c.wav");
        var args = new[] { "audio", "path", fx.RunDir, "--kind", "circle", "--out", wav, "--seconds", "0.5", "--iterations", "2" };
        Assert.True(Run(args).Code == 0);
        OneLineError(Run(args), "--out", wav, "already exists", "--force");
        File.Delete(wav);   // the spectrogram beside it still exists
        OneLineError(Run(args), "--out", Path.Combine(dir, "c.png"), "already exists");
        var r = Run([.. args, "--force"]);
        Assert.True(r.Code == 0, r.Output);

        var text = Path.Combine(dir, "notes.wav");
        File.WriteAllText(text, "not a sound");
        OneLineError(Run("audio", "reconstruct", fx.RunDir, note, "--out", text, "--force"), "--out", text, "not a WAV file");
        Assert.Equal("not a sound", File.ReadAllText(text));

        var samples = fx.NewFolder("samples-again");
        var sample = new[] { "audio", "sample", fx.RunDir, "--count", "1", "--out", samples, "--seconds", "0.4", "--iterations", "2" };
        Assert.True(Run(sample).Code == 0);
        OneLineError(Run(sample), "--out", Path.Combine(samples, "sample-00.wav"), "already exists");
        Assert.True(Run([.. sample, "--force"]).Code == 0);
        OneLineError(Run("audio", "sample", fx.RunDir, "--out", text), "--out", text, "is a file, not a folder");
    }
}
