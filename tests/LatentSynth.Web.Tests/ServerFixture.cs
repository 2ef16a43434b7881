using LatentSynth.Audio.Notes;

namespace LatentSynth.Web.Tests;

/// <summary>A tiny audio run (2 instruments × 3 pitches, 1 epoch) and a server on a free loopback port.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("lsweb-").FullName;
    public string Run => Path.Combine(Dir, "run");
    public SynthServer Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var notes = Path.Combine(Dir, "notes");
        NoteRenderer.Render(notes, new NoteRenderOptions { Instruments = ["flute", "violin"], Dynamics = ["mf"], Pitches = [60, 67, 72], HoldSeconds = 0.5, NoteSeconds = 0.8 });
        var r = CliRunner.Run("audio", "train", "--notes", notes, "--out", Run, "--epochs", "1");
        if (r.Code != 0) throw new InvalidOperationException("training the fixture's run failed: " + r.Output + r.Error);
        Server = await SynthServer.StartAsync(new SynthServerOptions { RunDirectory = Run, Port = 0, Workers = 2 });
        Http = new HttpClient { BaseAddress = Server.Url, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}

[CollectionDefinition("Server")]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>;
