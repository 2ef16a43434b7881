using System.Net;
using System.Text;
using System.Text.Json;

namespace LatentSynth.Web.Tests;

/// <summary>The music page's endpoints on tiny runs: info, interpolate, inpaint (three fillers, sketches), sample, MIDI export, and bad input.</summary>
[Collection("MusicServer")]
public class MusicEndpointTests(MusicServerFixture fx)
{
    static StringContent J(string json) => new(json, Encoding.UTF8, "application/json");

    async Task<JsonElement> Post(string path, string json)
    {
        using var r = await fx.Http.PostAsync(path, J(json));
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"{path} {json}: {(int)r.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    async Task<JsonElement> Info() => JsonDocument.Parse(await fx.Http.GetStringAsync("/api/info")).RootElement.Clone();

    async Task<string[]> TwoTunes()
    {
        var tunes = (await Info()).GetProperty("tunes").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToArray();
        Assert.True(tunes.Length >= 2, "the fixture's test split has at least two tunes");
        return tunes;
    }

    static void AssertPng(JsonElement e) => Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, Convert.FromBase64String(e.GetString()!)[..4]);

    /// <summary>A rendered segment: 22,050 Hz, its bars and one bar of release at 120 qpm (2 s a bar), not silent.</summary>
    static void AssertSound(JsonElement e, int bars)
    {
        if (e.ValueKind == JsonValueKind.Null) return; // no FluidSynth here: info says so (checked in InfoListsModelsToolsAndTunes)
        EndpointTests.AssertWav(Convert.FromBase64String(e.GetString()!), (bars + 1) * 2.0);
    }

    [Fact]
    public async Task InfoListsModelsToolsAndTunes()
    {
        var info = await Info();
        Assert.True(info.GetProperty("models").GetProperty("musicvae").GetProperty("available").GetBoolean());
        Assert.Equal(32, info.GetProperty("models").GetProperty("musicvae").GetProperty("steps").GetInt32());
        Assert.True(info.GetProperty("tools").GetProperty("sketchnet").GetProperty("enabled").GetBoolean());
        Assert.True(info.GetProperty("tools").GetProperty("inpaintnet").GetProperty("enabled").GetBoolean());
        Assert.True(info.GetProperty("tools").GetProperty("poly").GetProperty("enabled").GetBoolean());
        Assert.Equal("pianotree", info.GetProperty("models").GetProperty("poly").GetProperty("model").GetString());
        foreach (var t in info.GetProperty("tunes").EnumerateArray()) Assert.Equal(20, t.GetProperty("bars").GetInt32());
        var audio = info.GetProperty("audio");
        Assert.Equal(LatentSynth.Audio.Notes.NoteRenderer.MissingRenderer() is null, audio.GetProperty("available").GetBoolean());
        var page = await fx.Http.GetStringAsync("/");
        Assert.Contains("music.js", page);
        Assert.DoesNotContain("http", (await fx.Http.GetStringAsync("/music.js")).Replace("http://www.w3.org", "", StringComparison.Ordinal));
        using var synthAsset = await fx.Http.GetAsync("/app.js");
        Assert.Equal(HttpStatusCode.NotFound, synthAsset.StatusCode); // the synthesizer's files are not the music page's
    }

    [Fact]
    public async Task InterpolateGivesEveryStepTokensRollAndSound()
    {
        var tunes = await TwoTunes();
        var res = await Post("/api/interpolate", $$"""{"from": "{{tunes[0]}}", "to": "{{tunes[1]}}", "steps": 4, "to_bar": 3}""");
        var steps = res.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(4, steps.Count);
        foreach (var s in steps)
        {
            Assert.Equal(32, s.GetProperty("tokens").GetArrayLength());
            AssertPng(s.GetProperty("png"));
            AssertSound(s.GetProperty("wav"), 2);
        }
        Assert.Equal(0.0, steps[0].GetProperty("t").GetDouble());
        Assert.Equal(1.0, steps[^1].GetProperty("t").GetDouble());
        // An uploaded MIDI file as one end.
        var midi = Convert.ToBase64String(File.ReadAllBytes(Path.Combine(fx.Midi, "tune05.mid")));
        res = await Post("/api/interpolate", $$"""{"from_midi": "{{midi}}", "to": "{{tunes[1]}}", "steps": 2}""");
        Assert.Equal(2, res.GetProperty("steps").GetArrayLength());
    }

    [Fact]
    public async Task InpaintFillsTheGapWithEachModelAndHonoursARhythmSketch()
    {
        var tune = (await TwoTunes())[0];
        const string rhythm = "x-----x-----x--x--x-----";
        foreach (var model in new[] { "sketchnet", "inpaintnet", "baseline" })
        {
            var sketch = model == "inpaintnet" ? "" : $", \"rhythm_sketch\": \"8:{rhythm}\"";
            var res = await Post("/api/inpaint", $$"""{"tune": "{{tune}}", "gap": "7-10", "model": "{{model}}"{{sketch}}}""");
            var filled = res.GetProperty("filled").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var original = res.GetProperty("original").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.Equal(16 * 24, filled.Length);
            for (int s = 0; s < filled.Length; s++) if (s < 6 * 24 || s >= 10 * 24) Assert.Equal(original[s], filled[s]);
            Assert.InRange(res.GetProperty("rhythm_accuracy").GetDouble(), 0, 1);
            AssertPng(res.GetProperty("png"));
            AssertSound(res.GetProperty("wav"), 16);
            if (model == "sketchnet")
            {
                Assert.Equal(1, res.GetProperty("sketched_bars").GetInt32());
                var bar8 = filled[(7 * 24)..(8 * 24)];
                var (_, r) = LatentSynth.Music.Data.InpaintGrid.Split(bar8);
                Assert.Equal(LatentSynth.Music.Inpainting.SketchSyntax.ParseRhythmSketch("8:" + rhythm)[7], r);
            }
        }
    }

    [Fact]
    public async Task SampleAndExportMidi()
    {
        var res = await Post("/api/sample", """{"model": "musicvae", "count": 3, "temperature": 1.5, "seed": 7}""");
        var samples = res.GetProperty("samples").EnumerateArray().ToList();
        Assert.Equal(3, samples.Count);
        foreach (var s in samples) { AssertPng(s.GetProperty("png")); AssertSound(s.GetProperty("wav"), 2); }
        var tokens = samples.SelectMany(s => s.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32())).ToArray();
        using var r = await fx.Http.PostAsync("/api/midi", J(JsonSerializer.Serialize(new { tokens, grid = 16, name = "samples" })));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("audio/midi", r.Content.Headers.ContentType!.MediaType);
        var bytes = await r.Content.ReadAsByteArrayAsync();
        Assert.Equal("MThd", Encoding.ASCII.GetString(bytes, 0, 4));
        var back = LatentSynth.Music.Data.MidiReader.Read(new MemoryStream(bytes), "export");
        Assert.NotEmpty(back.Notes);
    }

    [Fact]
    public async Task PianoTreeSamplesArePolyphonicNotesWithRollsSoundAndMidi()
    {
        var res = await Post("/api/sample", """{"model": "pianotree", "count": 3, "temperature": 1, "seed": 3}""");
        Assert.True(res.GetProperty("polyphonic").GetBoolean());
        Assert.Equal("pianotree", res.GetProperty("model").GetString());
        var samples = res.GetProperty("samples").EnumerateArray().ToList();
        Assert.Equal(3, samples.Count);
        var notes = samples.Select(s => s.GetProperty("notes").EnumerateArray().Select(n => n.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray()).ToArray();
        foreach (var (s, seg) in samples.Zip(notes))
        {
            AssertPng(s.GetProperty("png"));
            Assert.All(seg, n => Assert.True(n[0] is >= 0 and < 32 && n[1] is >= 0 and < 128 && n[2] is >= 1 and <= 32, string.Join(",", n)));
            Assert.Equal(seg.Length == 0 ? 0 : seg.GroupBy(n => n[0]).Max(g => g.Count()), s.GetProperty("max_notes_per_step").GetInt32());
            // A segment is 2 bars, cut with a bar of release: 6 s at 120 qpm.
            if (seg.Length > 0) AssertSound(s.GetProperty("wav"), 2);
        }
        // The same seed and temperature give the same notes; the notes are the model's own greedy decode of z = T·ε.
        var again = await Post("/api/sample", """{"model": "pianotree", "count": 3, "temperature": 1, "seed": 3}""");
        Assert.Equal(res.GetProperty("samples").GetRawText().Length, again.GetProperty("samples").GetRawText().Length);
        Assert.Equal(notes.Select(n => n.Length), again.GetProperty("samples").EnumerateArray().Select(s => s.GetProperty("notes").GetArrayLength()));
        using (var model = LatentSynth.Music.Evaluation.PolyDecode.LoadModel(fx.PianoTree))
        using (var generator = new LatentSynth.Torch.Generator(3))
        {
            var expected = LatentSynth.Music.Evaluation.PolyDecode.Sample(model, 3, 1, generator);
            Assert.Equal(expected.Select(e => e.Count), notes.Select(n => n.Length));
        }
        // MIDI export of the notes on screen: every note back, at its 16th-step time.
        using var r = await fx.Http.PostAsync("/api/midi", J(JsonSerializer.Serialize(new { notes, name = "poly" })));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var bytes = await r.Content.ReadAsByteArrayAsync();
        Assert.Equal("MThd", Encoding.ASCII.GetString(bytes, 0, 4));
        var back = LatentSynth.Music.Data.MidiReader.Read(new MemoryStream(bytes), "export");
        // A MIDI file holds one note per onset and pitch (a tiny PianoTree repeats a pitch in a step's slots): every distinct
        // (segment, onset, pitch) of the samples comes back once, at its time.
        var distinct = notes.SelectMany((seg, k) => seg.Select(n => (k * 32 + n[0], n[1]))).Distinct().ToHashSet();
        Assert.Equal(distinct.Count, back.Notes.Count);
        Assert.All(back.Notes, n => Assert.Contains(((int)(n.OnTick / (back.TicksPerQuarter / 4)), n.Pitch), distinct));
        // A hand-written chord comes back as three notes at once.
        using var chord = await fx.Http.PostAsync("/api/midi", J("""{"notes": [[[0, 60, 8], [0, 64, 8], [0, 67, 8]]]}"""));
        var chordNotes = LatentSynth.Music.Data.MidiReader.Read(new MemoryStream(await chord.Content.ReadAsByteArrayAsync()), "chord").Notes;
        Assert.Equal([60, 64, 67], chordNotes.Select(n => n.Pitch).Order());
        Assert.Single(chordNotes.Select(n => n.OnTick).Distinct());
    }

    [Fact]
    public async Task APianoTreeRunIsServedAlone()
    {
        await using var server = await MusicServer.StartAsync(new MusicServerOptions { Runs = MusicRuns.FromRuns([fx.PianoTree]), Port = 0, Workers = 1 });
        using var http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(120) };
        var info = JsonDocument.Parse(await http.GetStringAsync("/api/info")).RootElement;
        Assert.True(info.GetProperty("tools").GetProperty("sample").GetProperty("enabled").GetBoolean());
        Assert.False(info.GetProperty("tools").GetProperty("interpolate").GetProperty("enabled").GetBoolean());
        Assert.Equal(0, info.GetProperty("tunes").GetArrayLength());
        // Without a model field the served polyphonic model samples; musicvae is refused by name.
        using var ok = await http.PostAsync("/api/sample", J("""{"count": 1}"""));
        var text = await ok.Content.ReadAsStringAsync();
        Assert.True(ok.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("pianotree", JsonDocument.Parse(text).RootElement.GetProperty("model").GetString());
        using var bad = await http.PostAsync("/api/sample", J("""{"model": "musicvae"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("model: musicvae needs a MusicVAE run", await bad.Content.ReadAsStringAsync());
    }

    public static TheoryData<string, string, int, string> BadRequests() => new()
    {
        { "/api/interpolate", """{"from": "no-such-tune", "to": "tune00"}""", 404, "from: no test tune 'no-such-tune'" },
        { "/api/interpolate", """{"from": "TUNE0", "to": "TUNE1", "steps": 17}""", 400, "steps must be in 2..16" },
        { "/api/interpolate", """{"from_midi": "bm90IG1pZGk=", "to": "TUNE1"}""", 400, "from_midi is not a readable MIDI file" },
        { "/api/interpolate", """{"from_midi": "%%%", "to": "TUNE1"}""", 400, "from_midi must be a MIDI file in base64" },
        { "/api/interpolate", """{"from": "TUNE0", "to": "TUNE1", "from_bar": 20}""", 400, "from_bar must be in 1..19" },
        { "/api/interpolate", """{"to": "TUNE1"}""", 400, "from is required" },
        { "/api/inpaint", """{"tune": "TUNE0", "gap": "15-18"}""", 400, "gap 15-18 leaves 2 bars after it" },
        { "/api/inpaint", """{"tune": "TUNE0", "gap": "19-22"}""", 400, "gap 19-22 lies outside the tune" },
        { "/api/inpaint", """{"tune": "TUNE0", "gap": "seven"}""", 400, "gap 'seven' is not a bar range" },
        { "/api/inpaint", """{"tune": "TUNE0", "gap": "7-10", "rhythm_sketch": "8:xx"}""", 400, "rhythm_sketch" },
        { "/api/inpaint", """{"tune": "TUNE0", "gap": "7-10", "pitch_sketch": "12:C4"}""", 400, "pitch_sketch: bar 12 is outside the gap" },
        { "/api/inpaint", """{"tune": "TUNE0", "gap": "7-10", "model": "magic"}""", 400, "model must be one of sketchnet, inpaintnet, baseline" },
        { "/api/inpaint", """{"tune": "nope", "gap": "7-10"}""", 404, "tune: no test tune 'nope'" },
        { "/api/sample", """{"temperature": 0}""", 400, "temperature must be in (0, 2]" },
        { "/api/sample", """{"count": 99}""", 400, "count must be in 1..8" },
        { "/api/sample", """{"model": "pianoroll-vae"}""", 400, "model: pianoroll-vae is not served; this page samples polyphony from pianotree" },
        { "/api/sample", """{"model": "magic"}""", 400, "model must be one of musicvae, pianotree, pianoroll-vae, midi-event-vae" },
        { "/api/sample", """{"model": "pianotree", "count": 9}""", 400, "count must be in 1..8" },
        { "/api/sample", """{"model": "pianotree", "temperature": 2.5}""", 400, "temperature must be in (0, 2]" },
        { "/api/midi", """{"notes": [[[0, 60, 0]]]}""", 400, "notes[0][0] must be [onset 0..31, pitch 0..127, duration 1..32]" },
        { "/api/midi", """{"notes": []}""", 400, "notes must hold 1..32 segments" },
        { "/api/sample", """{"count": "two"}""", 400, "count must be an integer" },
        { "/api/sample", """{"count": 2,""", 400, "malformed JSON" },
        { "/api/sample", """[1, 2]""", 400, "must be a JSON object" },
        { "/api/midi", """{"tokens": [1, 2, 999]}""", 400, "tokens[2] must be an integer in 0..89" },
        { "/api/midi", """{"tokens": [1], "grid": 20}""", 400, "grid must be 16" },
        { "/api/midi", """{"grid": 24}""", 400, "tokens is required" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadInputIsRefusedNamingTheField(string path, string json, int status, string message)
    {
        var tunes = await TwoTunes();
        json = json.Replace("TUNE0", tunes[0], StringComparison.Ordinal).Replace("TUNE1", tunes[1], StringComparison.Ordinal);
        using var r = await fx.Http.PostAsync(path, J(json));
        var text = await r.Content.ReadAsStringAsync();
        Assert.True((int)r.StatusCode == status, $"{json}: expected {status}, got {(int)r.StatusCode} {text}");
        Assert.Equal("application/json", r.Content.Headers.ContentType!.MediaType);
        Assert.Contains(message, JsonDocument.Parse(text).RootElement.GetProperty("error").GetString());
        // The server still answers a good request.
        await Post("/api/sample", """{"count": 1}""");
    }

    [Fact]
    public async Task AHostileMidiUploadIsRefusedNotAllocated()
    {
        // A valid file whose one note lies 200 million ticks away (1 tick per quarter): 50 million bars.
        var events = new NAudio.Midi.MidiEventCollection(1, 1);
        var on = new NAudio.Midi.NoteOnEvent(200_000_000, 1, 60, 90, 1);
        events.AddEvent(on, 1);
        events.AddEvent(on.OffEvent!, 1);
        events.AddEvent(new NAudio.Midi.MetaEvent(NAudio.Midi.MetaEventType.EndTrack, 0, 200_000_001), 0);
        events.AddEvent(new NAudio.Midi.MetaEvent(NAudio.Midi.MetaEventType.EndTrack, 0, 200_000_001), 1);
        events.PrepareForExport();
        var file = Path.Combine(fx.Dir, "far.mid");
        NAudio.Midi.MidiFile.Export(file, events);
        var b64 = Convert.ToBase64String(File.ReadAllBytes(file));
        var tunes = await TwoTunes();
        using var r = await fx.Http.PostAsync("/api/interpolate", J($$"""{"from_midi": "{{b64}}", "to": "{{tunes[1]}}"}"""));
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Contains("from_midi is longer than 1000 bars", text);
        using var r2 = await fx.Http.PostAsync("/api/inpaint", J($$"""{"tune_midi": "{{b64}}", "gap": "7-10", "model": "baseline"}"""));
        Assert.Contains("tune_midi is longer than 1000 bars", await r2.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AFullQueueAnswers503()
    {
        await using var busy = await MusicServer.StartAsync(new MusicServerOptions
        {
            Runs = new MusicRuns { Melody = fx.MusicVae }, Port = 0, Workers = 1, QueueTimeout = TimeSpan.FromMilliseconds(1), TunesData = "midi-inpaint:" + fx.Midi,
        });
        using var http = new HttpClient { BaseAddress = busy.Url, Timeout = TimeSpan.FromSeconds(120) };
        var tunes = busy.Engine.Tunes.Select(t => t.Name).ToArray();
        // One worker, a 1 ms queue timeout, and 6 interpolations of 16 steps (16 rolls drawn and rendered: far over 1 ms) sent at
        // once: the first takes the worker, the others wait past the timeout and get 503.
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            http.PostAsync("/api/interpolate", J($$"""{"from": "{{tunes[0]}}", "to": "{{tunes[1]}}", "steps": 16}"""))));
        var codes = answers.Select(a => a.StatusCode).ToList();
        Assert.Contains(HttpStatusCode.OK, codes);
        Assert.Contains(HttpStatusCode.ServiceUnavailable, codes);
        Assert.True(codes.All(c => c is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable), string.Join(", ", codes));
        Assert.Contains("busy", await answers.First(a => a.StatusCode == HttpStatusCode.ServiceUnavailable).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var a in answers) a.Dispose();
        Assert.Equal(1, busy.Engine.FreeWorkers);
        // Only a MusicVAE here: the SketchNet and InpaintNet tools say what would enable them; the baseline still fills.
        using var info = JsonDocument.Parse(await http.GetStringAsync("/api/info"));
        Assert.Contains("SKETCHNET_RUN", info.RootElement.GetProperty("tools").GetProperty("sketchnet").GetProperty("needs").GetString());
        using var refused = await http.PostAsync("/api/inpaint", J($$"""{"tune": "{{tunes[0]}}", "gap": "7-10", "model": "sketchnet"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("model: sketchnet needs a SketchNet run", await refused.Content.ReadAsStringAsync());
        using var baseline = await http.PostAsync("/api/inpaint", J($$"""{"tune": "{{tunes[0]}}", "gap": "7-10"}"""));
        Assert.Equal(HttpStatusCode.OK, baseline.StatusCode);
    }

    [Fact]
    public async Task ATooLargeBodyIs413()
    {
        var big = "{\"tune_midi\": \"" + new string('A', 300 * 1024) + "\"}";
        using var r = await fx.Http.PostAsync("/api/inpaint", J(big));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        Assert.Contains("larger than 256 KB", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public void ServeRefusesRunsItCannotPlace()
    {
        var r = CliRunner.Run(400, "serve", fx.MusicVae, Path.Combine(fx.Dir, "sketchvae"), "--port", "0");
        Assert.Equal(1, r.Code);
        Assert.Contains("which the music page does not serve", r.Output + r.Error, StringComparison.Ordinal);
        r = CliRunner.Run(400, "serve", fx.SketchNet, fx.SketchNet, "--port", "0");
        Assert.Equal(1, r.Code);
        Assert.Contains("are both inpaint runs", r.Output + r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void RolesComeFromTheRunsModels()
    {
        Assert.Equal(MusicRole.Melody, MusicRuns.RoleOf(fx.MusicVae));
        Assert.Equal(MusicRole.Inpaint, MusicRuns.RoleOf(fx.SketchNet));
        Assert.Equal(MusicRole.Compare, MusicRuns.RoleOf(fx.InpaintNet));
        Assert.Null(MusicRuns.RoleOf(fx.Midi)); // not a run
        Assert.Contains("both melody runs", Assert.Throws<ArgumentException>(() => MusicRuns.FromRuns([fx.MusicVae, fx.MusicVae])).Message);
        Assert.Contains("does not serve", Assert.Throws<ArgumentException>(() => MusicRuns.RoleOf(Path.Combine(fx.Dir, "sketchvae"))).Message);
    }
}
