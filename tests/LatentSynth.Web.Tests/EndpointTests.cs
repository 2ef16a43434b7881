using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using LatentSynth.Audio.IO;

namespace LatentSynth.Web.Tests;

[Collection("Server")]
public class EndpointTests(ServerFixture fx)
{
    static StringContent J(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Asserts a WAV at 22,050 Hz with sound in it; returns its RMS.</summary>
    internal static double AssertWav(byte[] wav, double seconds)
    {
        Assert.Equal("RIFF", Encoding.ASCII.GetString(wav, 0, 4));
        Assert.Equal("WAVE", Encoding.ASCII.GetString(wav, 8, 4));
        var file = Path.Combine(Path.GetTempPath(), $"lsweb-{Guid.NewGuid():N}.wav");
        File.WriteAllBytes(file, wav);
        try
        {
            var clip = AudioFile.ReadMono(file);
            Assert.Equal(22050, clip.SampleRate);
            Assert.InRange(clip.Duration, seconds * 0.8, seconds * 1.3);
            double rms = Math.Sqrt(clip.Samples.Average(s => (double)s * s));
            Assert.True(rms > 1e-4, $"silent WAV (rms {rms})");
            return rms;
        }
        finally { File.Delete(file); }
    }

    async Task GoodRequestStillWorks()
    {
        using var r = await fx.Http.PostAsync("/api/point", J("""{"x": 0, "y": 0, "seconds": 0.5, "iterations": 4}"""));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        AssertWav(await r.Content.ReadAsByteArrayAsync(), 0.5);
    }

    [Fact]
    public async Task InfoDescribesTheMap()
    {
        using var doc = JsonDocument.Parse(await fx.Http.GetStringAsync("/api/info"));
        var root = doc.RootElement;
        int d = root.GetProperty("latent_dim").GetInt32();
        Assert.Equal(8, d);
        Assert.Equal(22050, root.GetProperty("sample_rate").GetInt32());
        Assert.Equal(["flute", "violin"], root.GetProperty("instruments").EnumerateArray().Select(e => e.GetString()).Order());
        var notes = root.GetProperty("notes").EnumerateArray().ToList();
        Assert.InRange(notes.Count, 2, 6);
        foreach (var n in notes)
        {
            Assert.Equal(d, n.GetProperty("code").GetArrayLength());
            Assert.True(double.IsFinite(n.GetProperty("x").GetDouble()));
            Assert.False(string.IsNullOrEmpty(n.GetProperty("family").GetString()));
        }
        Assert.Equal(d, root.GetProperty("projection").GetProperty("axis_x").GetArrayLength());
        // The plane maps back: unprojecting a note's (x, y) and projecting again gives (x, y).
        var p = root.GetProperty("projection");
        double[] V(string k) => p.GetProperty(k).EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var (o, ax, ay) = (V("origin"), V("axis_x"), V("axis_y"));
        double x = notes[0].GetProperty("x").GetDouble(), y = notes[0].GetProperty("y").GetDouble();
        var z = Enumerable.Range(0, d).Select(j => o[j] + x * ax[j] + y * ay[j]).ToArray();
        Assert.Equal(x, Enumerable.Range(0, d).Sum(j => (z[j] - o[j]) * ax[j]), 6);
        // The path kinds come from the one descriptor list, with the same ranges the command line checks.
        var kinds = root.GetProperty("path_kinds").EnumerateArray().ToList();
        Assert.Equal(LatentSynth.Audio.Synthesis.PathKinds.All.Select(k => k.Name), kinds.Select(k => k.GetProperty("name").GetString()));
        var geodesic = kinds.Single(k => k.GetProperty("name").GetString() == "geodesic");
        var iterations = geodesic.GetProperty("parameters").EnumerateArray().Single(q => q.GetProperty("name").GetString() == "geodesic_iterations");
        Assert.Equal(LatentSynth.Audio.Synthesis.PathParameters.GeodesicIterations.Max, iterations.GetProperty("max").GetDouble());
        var traversal = kinds.Single(k => k.GetProperty("name").GetString() == "traversal");
        Assert.Equal(d - 1, traversal.GetProperty("parameters").EnumerateArray().Single(q => q.GetProperty("name").GetString() == "dim").GetProperty("max").GetDouble());
    }

    [Fact]
    public async Task PageAndAssetsAreServed()
    {
        var html = await fx.Http.GetStringAsync("/");
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.Contains("app.js", html, StringComparison.Ordinal);
        using var js = await fx.Http.GetAsync("/app.js");
        Assert.Equal(HttpStatusCode.OK, js.StatusCode);
        Assert.StartsWith("text/javascript", js.Content.Headers.ContentType!.ToString());
        Assert.Contains("default-src 'self'", js.Headers.GetValues("Content-Security-Policy").Single());
        // No external requests: no absolute URL to another host in the page or its script.
        var all = html + await js.Content.ReadAsStringAsync() + await fx.Http.GetStringAsync("/app.css");
        Assert.DoesNotMatch(@"(src|href)\s*=\s*[""']?(https?:)?//", all);
    }

    [Fact]
    public async Task PointDecodesToSound()
    {
        using var r = await fx.Http.PostAsync("/api/point", J("""{"x": 0.1, "y": -0.2, "seconds": 1, "iterations": 8}"""));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("audio/wav", r.Content.Headers.ContentType!.MediaType);
        AssertWav(await r.Content.ReadAsByteArrayAsync(), 1);

        using var info = JsonDocument.Parse(await fx.Http.GetStringAsync("/api/info"));
        var note = info.RootElement.GetProperty("notes")[0];
        using var byZ = await fx.Http.PostAsync("/api/point", J($$"""{"z": {{note.GetProperty("code").GetRawText()}}, "seconds": 0.5}"""));
        Assert.Equal(HttpStatusCode.OK, byZ.StatusCode);
        AssertWav(await byZ.Content.ReadAsByteArrayAsync(), 0.5);
        using var byNote = await fx.Http.PostAsync("/api/point?format=png", J($$"""{"note": "{{note.GetProperty("id").GetString()}}", "seconds": 0.5}"""));
        Assert.Equal(HttpStatusCode.OK, byNote.StatusCode);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, (await byNote.Content.ReadAsByteArrayAsync())[..4]);
    }

    [Theory]
    [InlineData("""{"kind": "line", "from": "flute_60_mf", "to": "violin_72_mf", "seconds": 1}""")]
    [InlineData("""{"kind": "circle", "seconds": 1, "radius": 1, "turns": 2}""")]
    [InlineData("""{"kind": "spiral", "seconds": 1, "center": {"x": 0, "y": 0}, "dims": [0, 1]}""")]
    [InlineData("""{"kind": "random-walk", "seconds": 1, "seed": 3, "step_size": 0.1, "smoothness": 0.9}""")]
    [InlineData("""{"kind": "geodesic", "from": "flute_60_mf", "to": "violin_60_mf", "seconds": 1, "geodesic_iterations": 20}""")]
    [InlineData("""{"kind": "morph", "from": "flute_67_mf", "to": "violin_67_mf", "seconds": 1}""")]
    [InlineData("""{"kind": "drawn", "seconds": 1, "points": [[0, 0], [0.5, 0.2], [1, -0.3], [0.2, 0.1]]}""")]
    public async Task PathsDecodeToSound(string body)
    {
        // Notes on the map are training notes; the line/morph ids must be among them.
        using var info = JsonDocument.Parse(await fx.Http.GetStringAsync("/api/info"));
        var ids = info.RootElement.GetProperty("notes").EnumerateArray().Select(n => n.GetProperty("id").GetString()!).ToList();
        foreach (var id in new[] { "flute_60_mf", "violin_72_mf", "violin_60_mf", "flute_67_mf", "violin_67_mf" })
            if (!ids.Contains(id)) body = body.Replace(id, ids[id.StartsWith("flute", StringComparison.Ordinal) ? 0 : ^1], StringComparison.Ordinal);
        using var r = await fx.Http.PostAsync("/api/path?format=json", J(body));
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, text);
        using var doc = JsonDocument.Parse(text);
        AssertWav(Convert.FromBase64String(doc.RootElement.GetProperty("wav").GetString()!), 1);
        Assert.Equal(0x89, Convert.FromBase64String(doc.RootElement.GetProperty("spectrogram").GetString()!)[0]);
        Assert.InRange(doc.RootElement.GetProperty("path").GetArrayLength(), 2, 400);
        Assert.Equal(doc.RootElement.GetProperty("path").GetArrayLength(), doc.RootElement.GetProperty("points").GetArrayLength());
        Assert.All(doc.RootElement.GetProperty("points").EnumerateArray(), p => Assert.Equal(8, p.GetArrayLength()));
    }

    [Theory]
    [InlineData("/api/point", """{"x": 1e9, "y": 0}""", 400, "point.x")]
    [InlineData("/api/point", """{"x": 0, "y": "NaN"}""", 400, "point.y")]
    [InlineData("/api/point", """{"x": 0, "y": 0, "seconds": 3600}""", 400, "seconds")]
    [InlineData("/api/point", """{"x": 0, "y": 0, "seconds": 0}""", 400, "seconds")]
    [InlineData("/api/point", """{"x": 0, "y": 0, "iterations": 100000}""", 400, "iterations")]
    [InlineData("/api/point", """{"z": [1, 2, 3]}""", 400, "z must have 8 values")]
    [InlineData("/api/point", """{"z": [1, 2, 3, 4, 5, 6, 7, 1e30]}""", 400, "z[7]")]
    [InlineData("/api/point", """{"x": 0, "y": 0""", 400, "malformed JSON")]
    [InlineData("/api/point", """[1, 2]""", 400, "JSON object")]
    [InlineData("/api/point", "", 400, "empty")]
    [InlineData("/api/point", """{}""", 400, "give the point")]
    [InlineData("/api/point", """{"note": "tuba_99_ff"}""", 404, "note")]
    [InlineData("/api/point?format=exe", """{"x": 0, "y": 0}""", 400, "format")]
    [InlineData("/api/path", """{"seconds": 1}""", 400, "kind")]
    [InlineData("/api/path", """{"kind": "teleport"}""", 400, "kind")]
    [InlineData("/api/path", """{"kind": "circle", "seconds": 600}""", 400, "seconds")]
    [InlineData("/api/path", """{"kind": "circle", "radius": -1}""", 400, "radius")]
    [InlineData("/api/path", """{"kind": "circle", "dims": [0, 99]}""", 400, "dims")]
    [InlineData("/api/path", """{"kind": "line", "from": "no_such_note", "to": {"x": 0, "y": 0}}""", 404, "from")]
    [InlineData("/api/path", """{"kind": "line", "from": {"x": 0, "y": 0}}""", 400, "from and to")]
    [InlineData("/api/path", """{"kind": "drawn", "points": []}""", 400, "points")]
    [InlineData("/api/path", """{"kind": "drawn", "points": [[0, 0], [1]]}""", 400, "points[1]")]
    [InlineData("/api/path", """{"kind": "random-walk", "smoothness": 1}""", 400, "smoothness")]
    [InlineData("/api/path", """{"kind": "geodesic", "from": [0,0,0,0,0,0,0,0], "to": [1,0,0,0,0,0,0,0], "geodesic_iterations": 1000000}""", 400, "geodesic_iterations")]
    public async Task BadInputIsRefusedAndTheServerKeepsServing(string url, string body, int status, string mentions)
    {
        using var r = await fx.Http.PostAsync(url, J(body));
        var text = await r.Content.ReadAsStringAsync();
        Assert.True((int)r.StatusCode == status, $"{(int)r.StatusCode}: {text}");
        using var doc = JsonDocument.Parse(text);
        Assert.Contains(mentions, doc.RootElement.GetProperty("error").GetString()!, StringComparison.Ordinal);
        await GoodRequestStillWorks();
    }

    [Fact]
    public async Task TooManyDrawnPointsAndOversizeBodiesAreRefused()
    {
        var many = "[" + string.Join(",", Enumerable.Range(0, 2001).Select(i => "[0,0]")) + "]";
        using (var r = await fx.Http.PostAsync("/api/path", J($$"""{"kind": "drawn", "points": {{many}}}""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.Contains("points", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var huge = "{\"kind\": \"drawn\", \"pad\": \"" + new string('a', 300 * 1024) + "\"}";
        using (var r = await fx.Http.PostAsync("/api/path", J(huge)))
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        // Chunked (no Content-Length): the limit holds while reading.
        using (var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge))))
        {
            chunked.Headers.ContentType = new("application/json");
            using var req = new HttpRequestMessage(HttpMethod.Post, "/api/path") { Content = chunked };
            req.Headers.TransferEncodingChunked = true;
            // The server answers 413 as soon as the limit is passed and closes the connection; a client still
            // sending may see that close instead of the answer. Either way the body is refused.
            try
            {
                using var r = await fx.Http.SendAsync(req);
                Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
            }
            catch (HttpRequestException e) when (e.InnerException is HttpIOException or IOException) { }
        }
        await GoodRequestStillWorks();
    }

    [Theory]
    [InlineData("/..%2f..%2fetc/passwd")]
    [InlineData("/%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("/../../etc/passwd")]
    [InlineData("/..\\..\\etc\\passwd")]
    [InlineData("/LatentSynth.Web.dll")]
    [InlineData("/app.js/../../../etc/passwd")]
    [InlineData("/wwwroot/index.html")]
    public async Task NoFileOutsideTheAssetsIsServed(string path)
    {
        // A raw request: HttpClient would normalise the dot segments before sending.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(fx.Server.Url.Host, fx.Server.Url.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
        var response = await new StreamReader(stream).ReadToEndAsync();
        var status = int.Parse(response.Split(' ')[1]);
        Assert.True(status is 400 or 404, $"{path}: {response[..Math.Min(200, response.Length)]}");
        Assert.DoesNotContain("root:", response, StringComparison.Ordinal);
        await GoodRequestStillWorks();
    }

    [Fact]
    public async Task AFullQueueAnswers503()
    {
        await using var busy = await SynthServer.StartAsync(new SynthServerOptions { RunDirectory = fx.Run, Port = 0, Workers = 1, QueueTimeout = TimeSpan.FromMilliseconds(20) });
        using var http = new HttpClient { BaseAddress = busy.Url };
        // One decoder, a 20 ms queue timeout, and 4 decodes of 10 s of sound at 200 iterations (each well over
        // 20 ms) sent at once: the first takes the decoder, the others wait past the timeout and get 503.
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            http.PostAsync("/api/path", J("""{"kind": "circle", "seconds": 10, "iterations": 200}"""))));
        var codes = answers.Select(a => a.StatusCode).ToList();
        Assert.Contains(HttpStatusCode.OK, codes);
        Assert.Contains(HttpStatusCode.ServiceUnavailable, codes);
        Assert.True(codes.All(c => c is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable), string.Join(", ", codes));
        var refused = answers.First(a => a.StatusCode == HttpStatusCode.ServiceUnavailable);
        Assert.Contains("busy", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var a in answers) a.Dispose();
        Assert.Equal(1, busy.Engine.FreeDecoders);
        using var after = await http.PostAsync("/api/point", J("""{"x": 0, "y": 0, "seconds": 0.2, "iterations": 1}"""));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public void ServeRefusesAFolderThatIsNotARun()
    {
        var r = CliRunner.Run("serve", Path.Combine(fx.Dir, "nothing-here"), "--port", "0");
        Assert.Equal(1, r.Code);
        Assert.Contains("not a run folder", r.Output + r.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void LoopbackIsRecognised()
    {
        Assert.True(SynthServer.IsLoopback("127.0.0.1"));
        Assert.True(SynthServer.IsLoopback("::1"));
        Assert.True(SynthServer.IsLoopback("localhost"));
        Assert.False(SynthServer.IsLoopback("0.0.0.0"));
        Assert.False(SynthServer.IsLoopback("192.168.1.4"));
    }
}
