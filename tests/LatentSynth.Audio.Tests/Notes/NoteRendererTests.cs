using LatentSynth.Audio.IO;
using LatentSynth.Audio.Notes;
using LatentSynth.Audio.Tests.IO;

namespace LatentSynth.Audio.Tests.Notes;

// Inside LatentSynth.*, "Torch" alone names the namespace LatentSynth.Torch: alias the class.
using Torch = LatentSynth.Torch.Torch;

/// <summary>One small render shared by the tests of this class (6 notes of flute and cello, pp and ff).</summary>
public sealed class RenderedNotes : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("ls-notes-").FullName;

    public NoteRenderOptions Options { get; } = new()
    {
        Instruments = ["flute", "cello"],
        Pitches = [57, 69],
        Dynamics = ["pp", "ff"],
    };

    public NoteRenderReport First { get; }

    public RenderedNotes()
    {
        var seen = new List<NoteRenderProgress>();
        First = NoteRenderer.Render(Dir, Options, new SyncProgress<NoteRenderProgress>(seen.Add));
        Progress = seen;
    }

    public IReadOnlyList<NoteRenderProgress> Progress { get; }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

/// <summary>IProgress that calls back on the reporting thread (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SyncProgress<T>(Action<T> action) : IProgress<T>
{
    private readonly object gate = new();

    public void Report(T value)
    {
        lock (gate) action(value);
    }
}

public sealed class NoteRendererTests(RenderedNotes set) : IClassFixture<RenderedNotes>
{
    [Fact]
    public void RendersTheChosenNotesAsFixedLengthMono22050HzFiles()
    {
        var r = set.First;
        Assert.False(r.Cached);
        Assert.Empty(r.Silent);
        // Flute's range starts at C4 (60), so its A3 (57) is left out: 1 + 2 pitches, 2 dynamics each.
        Assert.Equal(6, r.Notes.Count);
        Assert.Equal(["cello_57_ff", "cello_57_pp", "cello_69_ff", "cello_69_pp", "flute_69_ff", "flute_69_pp"], r.Notes.Select(n => n.Id).Order());
        foreach (var n in r.Notes)
        {
            var path = Path.Combine(set.Dir, n.Instrument, $"{n.Instrument}_{n.Pitch}_{n.Dynamics}.wav");
            Assert.True(File.Exists(path), path);
            var info = AudioFile.Probe(path);
            Assert.Equal((1, 22050, 33075L), (info.Channels, info.SampleRate, info.Frames)); // 1.5 s
            Assert.True(n.Peak > 0.01, $"{n.Id} peak {n.Peak}");
            Assert.True(n.Peak < 1, $"{n.Id} peak {n.Peak} (clipped)");
        }
        Assert.Equal(0, r.ClippedSamples);
        Assert.Equal(2, set.Progress.Count);
        Assert.Equal(6, set.Progress.Max(p => p.NotesDone));
        Assert.Contains("FluidSynth", r.FluidSynthVersion, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void FluteA4HasItsFundamentalNear440Hz()
    {
        var notes = NoteSet.Load(set.Dir);
        var a4 = notes.Where(instrument: "flute", dynamics: "ff").Notes.Single();
        Assert.Equal(("A4", 69, "woodwind", 73, 120), (a4.NoteName, a4.Pitch, a4.Family, a4.Program, a4.Velocity));
        Assert.Equal(440, a4.FrequencyHz, 6);
        var clip = notes.Read(a4);
        // 1.5 s → bins of 0.667 Hz; the sample's tuning in the font and the bin width: within 1% (±4.4 Hz).
        Assert.InRange(ResamplerTests.PeakFrequency(clip.Samples, clip.SampleRate), 440 * 0.99, 440 * 1.01);
        // The note starts at the cut: sound in the first 50 ms, and it is held (still sounding at 0.9 s).
        Assert.True(clip.Samples[..1102].Max(Math.Abs) > 0.05 * a4.Peak, "no onset in the first 50 ms");
        Assert.True(clip.Samples[19845..20950].Max(Math.Abs) > 0.1 * a4.Peak, "not held to 0.9 s");
    }

    [Fact]
    public void FortissimoIsLouderThanPianissimo()
    {
        var notes = NoteSet.Load(set.Dir).Notes;
        foreach (var key in new[] { "flute_69", "cello_57", "cello_69" })
        {
            var pp = notes.Single(n => n.Id == key + "_pp");
            var ff = notes.Single(n => n.Id == key + "_ff");
            Assert.True(ff.Rms > 1.5 * pp.Rms, $"{key}: ff RMS {ff.Rms} vs pp {pp.Rms}");
        }
    }

    [Fact]
    public void TheSecondRenderIsCachedAndTheMetadataIsComplete()
    {
        var wavs = Directory.GetFiles(set.Dir, "*.wav", SearchOption.AllDirectories).Order().ToArray();
        var stamps = wavs.Select(File.GetLastWriteTimeUtc).ToArray();
        var again = NoteRenderer.Render(set.Dir, set.Options);
        // Cached means nothing was rendered again: the report says so and no WAV was rewritten (checked by
        // the files' times below), not a wall-clock limit, which a loaded machine can miss.
        Assert.True(again.Cached);
        Assert.Equal(set.First.Notes.Select(n => n.File).Order(), again.Notes.Select(n => n.File).Order());
        Assert.Equal(6, wavs.Length);
        Assert.Equal(stamps, wavs.Select(File.GetLastWriteTimeUtc).ToArray());
        foreach (var f in new[] { "notes.csv", "notes.json", "render.json" }) Assert.True(File.Exists(Path.Combine(set.Dir, f)), f);
        var header = File.ReadLines(Path.Combine(set.Dir, "notes.csv")).First();
        Assert.Equal("id,instrument,family,program,midi,note,frequency_hz,dynamics,velocity,file,duration_s,peak,rms", header);
        Assert.Contains("\"fluidsynth\"", File.ReadAllText(Path.Combine(set.Dir, "render.json")));
        Assert.False(Directory.Exists(Path.Combine(set.Dir, ".render-tmp")));
    }

    [Fact]
    public void MissingFontOrFluidSynthGivesAnActionableError()
    {
        var dir = Path.Combine(set.Dir, "other");
        var font = Assert.Throws<FileNotFoundException>(() => NoteRenderer.Render(dir, set.Options with { SoundFont = "/nope/x.sf2" }));
        Assert.Contains("/nope/x.sf2", font.Message);
        Assert.Contains("apt-get install fluid-soundfont-gm", font.Message);
        var exe = Assert.Throws<InvalidOperationException>(() => NoteRenderer.Render(dir, set.Options with { FluidSynth = "/nope/fluidsynth" }));
        Assert.Contains("apt-get install fluidsynth", exe.Message);
        Assert.Throws<ArgumentException>(() => NoteRenderer.Render(dir, set.Options with { Instruments = ["kazoo"] }));
        Assert.Throws<ArgumentException>(() => NoteRenderer.Render(dir, set.Options with { Dynamics = ["mp"] }));
    }
}

public sealed class InstrumentTableTests
{
    [Fact]
    public void TwelveInstrumentsInFourFamiliesWithSaneRanges()
    {
        Assert.Equal(12, InstrumentTable.All.Count);
        Assert.Equal(["brass", "keyboard", "string", "woodwind"], InstrumentTable.All.Select(i => i.Family).Distinct().Order());
        Assert.All(InstrumentTable.All, i => Assert.InRange(i.LowestPitch, 21, i.HighestPitch - 12));
        Assert.Equal(88, InstrumentTable.Get("piano").Pitches().Count());
        Assert.Equal([60, 72, 84, 96], InstrumentTable.Get("Flute").Pitches(12));
        Assert.Equal(("A4", "C4", "C#-1"), (InstrumentTable.NoteName(69), InstrumentTable.NoteName(60), InstrumentTable.NoteName(1)));
        Assert.Equal((69, 61, 58, 70), (InstrumentTable.ParsePitch("A4"), InstrumentTable.ParsePitch("C#4"), InstrumentTable.ParsePitch("Bb3"), InstrumentTable.ParsePitch("70")));
        Assert.Null(InstrumentTable.ParsePitch("H2"));
        Assert.Equal(261.626, InstrumentTable.Frequency(60), 3);
    }

    [Fact]
    public void NoteMidiFileReadsBackWithTheSameNotesProgramVelocitiesAndTimes()
    {
        // Two notes, 96 ticks of lead, 1536-tick slots, held 960 ticks, silenced at 1440.
        var events = NoteMidi.Events(73, [new MidiNote(69, 80), new MidiNote(72, 120)], lead: 96, slot: 1536, hold: 960, length: 1440);
        var path = Path.Combine(Path.GetTempPath(), $"lst-midi-{Guid.NewGuid():N}.mid");
        try
        {
            NoteMidi.Write(path, events);
            Assert.Equal("MThd"u8.ToArray(), File.ReadAllBytes(path)[..4]);
            var file = new NAudio.Midi.MidiFile(path, strictChecking: true);
            Assert.Equal((0, 1, 480), (file.FileFormat, file.Tracks, file.DeltaTicksPerQuarterNote));
            var read = file.Events[0].Select(e => e switch
            {
                NAudio.Midi.TempoEvent t => $"{e.AbsoluteTime} tempo {t.MicrosecondsPerQuarterNote}",
                NAudio.Midi.PatchChangeEvent p => $"{e.AbsoluteTime} ch{e.Channel} program {p.Patch}",
                NAudio.Midi.NoteEvent n => $"{e.AbsoluteTime} ch{e.Channel} {e.CommandCode} {n.NoteNumber} {n.Velocity}",
                NAudio.Midi.ControlChangeEvent c => $"{e.AbsoluteTime} ch{e.Channel} cc {(int)c.Controller} {c.ControllerValue}",
                NAudio.Midi.MetaEvent m => $"{e.AbsoluteTime} {m.MetaEventType}",
                _ => $"{e.AbsoluteTime} {e}",
            }).ToList();
            Assert.Equal(
            [
                "0 tempo 500000", "0 ch1 program 73",
                "96 ch1 NoteOn 69 80", "1056 ch1 NoteOff 69 64", "1536 ch1 cc 120 0",
                "1632 ch1 NoteOn 72 120", "2592 ch1 NoteOff 72 64", "3072 ch1 cc 120 0",
                "3168 EndTrack",
            ], read);
            Assert.Equal(960, NoteMidi.TicksPerSecond);
        }
        finally { File.Delete(path); }
        Assert.Throws<ArgumentOutOfRangeException>(() => NoteMidi.Events(128, [], 0, 10, 5, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => NoteMidi.Events(0, [new MidiNote(60, 80)], 0, 10, 6, 5));
    }
}
