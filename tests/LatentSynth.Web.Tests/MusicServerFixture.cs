using NAudio.Midi;

namespace LatentSynth.Web.Tests;

/// <summary>
/// Tiny symbolic runs trained through the command line on 20 generated tunes (20 bars of quarters and eighths, so they fit both
/// grids): a MusicVAE (midi:DIR, 2-bar windows), a SketchVAE and SketchNet on it, a MeasureVAE and InpaintNet on it, and a PianoTree
/// on 12 generated chord tunes (midi-poly:DIR, <see cref="PolyTunes"/>) — 1 epoch each — and a music server over them on a free loopback port.
/// </summary>
public sealed class MusicServerFixture : IAsyncLifetime
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("lsweb-music-").FullName;
    public string Midi => Path.Combine(Dir, "midi");
    public string MusicVae => Path.Combine(Dir, "musicvae");
    public string SketchNet => Path.Combine(Dir, "sketchnet");
    public string InpaintNet => Path.Combine(Dir, "inpaintnet");
    public string PianoTree => Path.Combine(Dir, "pianotree");
    public MusicServer Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public TimeSpan TrainingTime { get; private set; }

    /// <summary>Writes <paramref name="count"/> 20-bar tunes (4/4, 120 qpm) of scale patterns into <paramref name="dir"/>.</summary>
    public static void WriteTunes(string dir, int count)
    {
        Directory.CreateDirectory(dir);
        for (int k = 0; k < count; k++)
        {
            const int tpq = 480;
            var events = new MidiEventCollection(1, tpq);
            events.AddEvent(new TimeSignatureEvent(0, 4, 2, 24, 8), 0);
            events.AddEvent(new TempoEvent(500_000, 0), 0);
            long end = 0;
            for (int i = 0; i < 80; i++)
            {
                int pitch = 60 + (k + i * (1 + k % 4)) % 12;
                long on = (long)i * tpq, len = i % 4 == 3 ? tpq / 2 : tpq;
                var e = new NoteOnEvent(on, 1, pitch, 90, (int)len);
                events.AddEvent(e, 1);
                events.AddEvent(e.OffEvent!, 1);
                end = on + len;
            }
            events.AddEvent(new MetaEvent(MetaEventType.EndTrack, 0, end), 0);
            events.AddEvent(new MetaEvent(MetaEventType.EndTrack, 0, end), 1);
            events.PrepareForExport();
            MidiFile.Export(Path.Combine(dir, $"tune{k:D2}.mid"), events);
        }
    }

    private static void Cli(params string[] args)
    {
        var r = CliRunner.Run(args);
        if (r.Code != 0) throw new InvalidOperationException($"`latentsynth {string.Join(' ', args)}` failed: {r.Output}{r.Error}");
    }

    public async Task InitializeAsync()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        WriteTunes(Midi, 20);
        string[] small = ["--latent-dim", "8", "--set", "encoder_size=16", "--set", "encoder_layers=1", "--set", "decoder_size=16", "--set", "decoder_layers=1", "--epochs", "1"];
        Cli(["music", "train", "--model", "musicvae", "--data", "midi:" + Midi, .. small, "--batch-size", "32", "--out", MusicVae]);
        var sketchVae = Path.Combine(Dir, "sketchvae");
        Cli(["music", "train", "--model", "sketchvae", "--data", "midi-bars24:" + Midi, .. small, "--set", "pitch_latent_dim=4", "--batch-size", "64", "--out", sketchVae]);
        Cli(["music", "train", "--model", "sketchnet", "--data", "midi-inpaint:" + Midi, "--set", "sketch_vae_run=" + sketchVae, "--latent-dim", "8",
            "--set", "rnn_size=12", "--set", "rnn_layers=1", "--set", "connector_size=8", "--set", "connector_layers=1", "--set", "connector_heads=2",
            "--epochs", "1", "--batch-size", "8", "--out", SketchNet]);
        var measureVae = Path.Combine(Dir, "measurevae");
        Cli(["music", "train", "--model", "measurevae", "--data", "midi-bars24:" + Midi, .. small, "--batch-size", "64", "--out", measureVae]);
        Cli(["train", "--model", "inpaintnet", "--data", "midi-inpaint:" + Midi, "--set", "measure_vae_run=" + measureVae,
            "--latent-dim", "8", "--set", "rnn_size=12", "--set", "rnn_layers=1", "--epochs", "1", "--batch-size", "8", "--out", InpaintNet]);
        Cli(PolyTunes.TinyPianoTree("midi-poly:" + PolyTunes.Write(Path.Combine(Dir, "poly"), 12), PianoTree));
        TrainingTime = clock.Elapsed;
        Server = await MusicServer.StartAsync(new MusicServerOptions
        {
            Runs = MusicRuns.FromRuns([MusicVae, SketchNet, InpaintNet, PianoTree]), Port = 0, Workers = 2,
        });
        Http = new HttpClient { BaseAddress = Server.Url, Timeout = TimeSpan.FromSeconds(120) };
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}

[CollectionDefinition("MusicServer")]
public sealed class MusicServerCollection : ICollectionFixture<MusicServerFixture>;
