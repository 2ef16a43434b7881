using LatentSynth.Music.Data;
using LatentSynth.Music.Inpainting;
using LatentSynth.Models;
using LatentSynth.Training;
using static LatentSynth.Music.Tests.Data.MidiFixtures;

namespace LatentSynth.Music.Tests.Inpainting;

[Collection("MusicProcessWide")]
public sealed class InpaintCliTests : IDisposable
{
    private readonly string dir = TempFolder();
    private readonly string midi;

    public InpaintCliTests()
    {
        midi = Path.Combine(dir, "midi");
        Directory.CreateDirectory(midi);
        // 12 tunes of 20 bars: quarter notes, and in every 4th bar two 8ths and an 8th-note triplet; bar 17 of tune k ends in a rest.
        for (int k = 0; k < 12; k++)
        {
            var notes = new List<Q>();
            for (int bar = 0; bar < 20; bar++)
            {
                double b = bar * 4;
                int p = 60 + (k + bar * 2) % 12;
                if (bar % 4 == 3)
                {
                    notes.Add(new Q(p, b, 0.5)); notes.Add(new Q(p + 2, b + 0.5, 0.5));
                    for (int t = 0; t < 3; t++) notes.Add(new Q(p + 4 + t, b + 1 + t / 3.0, 1 / 3.0));
                    notes.Add(new Q(p, b + 2, 2));
                }
                else for (int q = 0; q < (bar == 16 ? 3 : 4); q++) notes.Add(new Q(p + q, b + q, 1));
            }
            Write(Path.Combine(midi, $"tune{k:D2}.mid"), 480, notes, (0, 4, 4));
        }
        Write(Path.Combine(dir, "short.mid"), 480, Enumerable.Range(0, 15 * 4).Select(i => new Q(60 + i % 7, i, 1)), (0, 4, 4));
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Tune => Path.Combine(midi, "tune03.mid");

    private static int[] Tokens(string file) => InpaintGrid.ToTokens(MidiReader.Read(file)).Tokens!;

    private static bool IsPng(string path) => File.ReadAllBytes(path).AsSpan(0, 4).SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' });

    [Fact]
    public void BaselineWritesTheFilledTuneTheWavAndTheMarkedPianoRoll()
    {
        var outDir = Path.Combine(dir, "out");
        var (code, output) = CliRunner.Run(250, "music", "inpaint", "baseline", "--tune", Tune, "--gap", "9-12", "--out", outDir, "--seed", "3");
        Assert.True(code == 0, output);
        Assert.Contains("filled bars 9-12", output);

        var original = Tokens(Tune);
        var filled = Tokens(Path.Combine(outDir, "inpainted.mid"));
        Assert.Equal(original.Length, filled.Length);
        var gap = InpaintGap.Parse("9-12");
        for (int i = 0; i < original.Length; i++)
            if (i < gap.StartStep || i >= gap.EndStep) Assert.Equal(original[i], filled[i]);
        var (window, start) = InpaintGap.WindowAround(original, gap);
        var expected = new RepeatContextFiller().Fill(window, InpaintGap.Window, null, null);
        Assert.Equal(expected.AsSpan(InpaintGap.Window.StartStep, 96).ToArray(), filled.AsSpan(gap.StartStep, 96).ToArray());
        Assert.Equal(2, start);

        var png = Path.Combine(outDir, "inpainted.png");
        Assert.True(IsPng(png));
        var text = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(png));
        Assert.Contains("tune03: bars 9-12 inpainted (baseline (repeat nearest context bars)), seed 3", text);
        // The picture itself (two rows, the gap's steps tinted) is the one of InpaintingTests.InpaintPianoRollDrawsTwentyFourStepBarsAndMarksTheGap.
        var image = PianoRoll.Layout([new(window), new(expected)], new PianoRollOptions { Inpaint24 = true });
        Assert.Equal(384, image.Steps);

        var wav = Path.Combine(outDir, "inpainted.wav");
        if (LatentSynth.Audio.Notes.NoteRenderer.MissingRenderer() is null)
            Assert.True(new FileInfo(wav).Length > 44 && File.ReadAllBytes(wav).AsSpan(0, 4).SequenceEqual("RIFF"u8));
        else
        {
            Assert.False(File.Exists(wav));
            Assert.Single(output.Split('\n'), l => l.Contains("no WAV files", StringComparison.Ordinal));
        }

        // The files exist now: without --force the verb refuses; with it, the same seed writes the same MIDI.
        (code, output) = CliRunner.Run(250, "music", "inpaint", "baseline", "--tune", Tune, "--gap", "9-12", "--out", outDir);
        Assert.Equal(1, code);
        Assert.Contains("--force", output);
        var before = File.ReadAllBytes(Path.Combine(outDir, "inpainted.mid"));
        (code, output) = CliRunner.Run(250, "music", "inpaint", "baseline", "--tune", Tune, "--gap", "9-12", "--out", outDir, "--force");
        Assert.True(code == 0, output);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(outDir, "inpainted.mid")));
    }

    [Fact]
    public void TuneByNameFromTheTestSplitAndSketchesAreHonoured()
    {
        var test = InpaintTunes.TestTunes("midi-inpaint:" + midi);
        Assert.Single(test); // round(10 % of 12)
        var outDir = Path.Combine(dir, "named");
        const string rhythm = "x--x-- x-x-x- ...... x-----";
        var (code, output) = CliRunner.Run(250, "music", "inpaint", "baseline", "--tune", test[0].Name, "--data", "midi-inpaint:" + midi,
            "--gap", "7-10", "--rhythm-sketch", "8:" + rhythm, "--pitch-sketch", "8:C5 D5 E5 F5 G5 A5;10:B4 C5", "--out", outDir);
        Assert.True(code == 0, output);
        Assert.Contains("2 sketched bar(s)", output);
        var filled = Tokens(Path.Combine(outDir, "inpainted.mid"));
        var (p8, r8) = InpaintGrid.Split(InpaintControls.Bar(filled, 7));
        Assert.Equal(SketchSyntax.ParseRhythmSketch("8:" + rhythm)[7], r8);
        Assert.Equal([72, 74, 76, 77, 79, 81], p8.TakeWhile(p => p != InpaintGrid.PitchPad));
        var (p10, _) = InpaintGrid.Split(InpaintControls.Bar(filled, 9));
        Assert.Equal([71, 72], p10.TakeWhile(p => p != InpaintGrid.PitchPad));
    }

    [Theory]
    [InlineData("--gap", "18-21", "lies outside the tune, which has bars 1-20")]
    [InlineData("--gap", "3-6", "leaves 2 bars before it; the models need 6")]
    [InlineData("--gap", "12-15", "leaves 5 bars after it; the models need 6")]
    [InlineData("--gap", "7-9", "has 3 bars: the models fill gaps of exactly 4 bars")]
    [InlineData("--gap", "ten", "--gap 'ten' is not a bar range")]
    [BadInput("music", "`music inpaint RUN --gap 18-21` (outside the tune) / `--gap 3-6` (too little past context) / `--gap 12-15` (too little future) / `--gap 7-9` (not 4 bars) / `--gap ten`", "refused: one error line naming --gap, what is wrong and the gaps that fit; nothing written")]
    public void BadGapsAreRefusedByName(string flag, string value, string message)
    {
        var outDir = Path.Combine(dir, "bad");
        var (code, output) = CliRunner.Run(250, "music", "inpaint", "baseline", "--tune", Tune, flag, value, "--out", outDir);
        Assert.Equal(1, code);
        Assert.Contains(message, output);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    [BadInput("music", "`music inpaint RUN --tune T` where T is shorter than the 16-bar window", "refused: one error line naming the tune, its bars and the window; nothing written")]
    public void ATuneShorterThanTheWindowIsRefused()
    {
        var outDir = Path.Combine(dir, "bad");
        var (code, output) = CliRunner.Run(250, "music", "inpaint", "baseline", "--tune", Path.Combine(dir, "short.mid"), "--out", outDir);
        Assert.Equal(1, code);
        Assert.Contains("--tune short: the tune has 15 bars, shorter than the 16-bar window", output);
        Assert.False(Directory.Exists(outDir));
    }

    [Theory]
    [InlineData("--rhythm-sketch", "8:x-----x-----x-----", "--rhythm-sketch: bar 8 has 18 steps; a bar has 24")]
    [InlineData("--rhythm-sketch", "8:x-----x-----x-----x----?", "--rhythm-sketch: bar 8: character '?' at position 24")]
    [InlineData("--pitch-sketch", "12:C5", "--pitch-sketch: bar 12 is outside the gap 7-10")]
    [InlineData("--pitch-sketch", "7:C5 Q5", "--pitch-sketch: bar 7: 'Q5' is not a note name")]
    [BadInput("music", "`music inpaint RUN --rhythm-sketch` of other than 24 steps or with a bad character / `--pitch-sketch` for a bar outside the gap or with a bad note", "refused: one error line naming the option, the bar and the character or rule; nothing written")]
    public void SketchesThatDoNotFitAreRefusedByName(string flag, string value, string message)
    {
        var outDir = Path.Combine(dir, "bad");
        var (code, output) = CliRunner.Run(250, "music", "inpaint", "baseline", "--tune", Tune, flag, value, "--out", outDir);
        Assert.Equal(1, code);
        Assert.Contains(message, output);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    [BadInput("music", "`music inpaint RUN --pitch-sketch \"7:C5 D5 E5\" --rhythm-sketch \"7:x-----------x-----------\"` (more pitches than onsets)", "refused: one error line naming the bar, the pitches and the onsets; nothing written")]
    public void MorePitchesThanOnsetsIsRefused()
    {
        var outDir = Path.Combine(dir, "bad");
        var (code, output) = CliRunner.Run(250, "music", "inpaint", "baseline", "--tune", Tune,
            "--pitch-sketch", "7:C5 D5 E5", "--rhythm-sketch", "7:x-----------x-----------", "--out", outDir);
        Assert.Equal(1, code);
        Assert.Contains("bar 7: the pitch sketch has 3 pitches but the rhythm sketch only 2 onsets", output);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    [BadInput("music", "`music inpaint RUN` where RUN holds a model that is not an inpainting model", "refused: one error line naming the run's model and what music inpaint takes; nothing written")]
    public void ARunOfAnotherModelIsRefusedByName()
    {
        var run = Path.Combine(dir, "run");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, RunFolder.ConfigFile), new RunConfig(ModelRegistry.DefaultConfig("vae"), new TrainingConfig()).ToJson());
        var outDir = Path.Combine(dir, "bad");
        var (code, output) = CliRunner.Run(250, "music", "inpaint", run, "--tune", Tune, "--out", outDir);
        Assert.Equal(1, code);
        Assert.Contains("holds model 'vae', not an inpainting model", output);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    [BadInput("music", "`music inpaint baseline --tune NAME` where NAME is neither a MIDI file nor a test tune of the dataset", "refused: one error line naming --tune and a few test tunes")]
    public void AnUnknownTuneIsRefusedByName()
    {
        var (code, output) = CliRunner.Run(250, "music", "inpaint", "baseline", "--tune", "tune99", "--data", "midi-inpaint:" + midi, "--out", Path.Combine(dir, "bad"));
        Assert.Equal(1, code);
        Assert.Contains("--tune 'tune99' is neither a MIDI file nor a test tune of midi-inpaint:", output);
    }

    [Fact]
    public void TheHookOpensARegisteredModel()
    {
        var run = Path.Combine(dir, "hook");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, RunFolder.ConfigFile), new RunConfig(ModelRegistry.DefaultConfig("vae"), new TrainingConfig()).ToJson());
        GapFillers.Register("vae-as-filler-test", _ => new RepeatContextFiller());
        Assert.Contains("vae-as-filler-test", GapFillers.Models);
        var (filler, folder) = GapFillers.Open("baseline");
        Assert.IsType<RepeatContextFiller>(filler);
        Assert.Null(folder);
        Assert.Contains("vae-as-filler-test", Assert.Throws<ArgumentException>(() => GapFillers.Open(run)).Message);
    }
}
