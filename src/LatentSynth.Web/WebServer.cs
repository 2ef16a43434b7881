using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace LatentSynth.Web;

/// <summary>
/// What the synthesizer's and the music page's servers share: a started <see cref="WebApplication"/> over an engine
/// (the model pool), its address, waiting for shutdown and stopping (the engine is disposed last). The subclasses add
/// their routes through <see cref="StartCoreAsync"/>.
/// </summary>
/// <typeparam name="TEngine">The engine type.</typeparam>
public abstract class WebServer<TEngine> : IAsyncDisposable where TEngine : IDisposable
{
    private readonly WebApplication app;

    /// <summary>Wraps a started application.</summary>
    private protected WebServer(WebApplication app, TEngine engine, Uri url)
    {
        this.app = app;
        Engine = engine;
        Url = url;
    }

    /// <summary>The address the server listens on, e.g. http://127.0.0.1:41234/.</summary>
    public Uri Url { get; }

    /// <summary>The engine: the models and their worker pool.</summary>
    public TEngine Engine { get; }

    /// <summary>
    /// Pins libtorch and BLAS to one thread each when <paramref name="singleThreaded"/> (concurrent decodes; see the README),
    /// makes the engine, and starts listening on <paramref name="host"/>:<paramref name="port"/> with <paramref name="map"/>'s
    /// routes; the engine is disposed when starting fails.
    /// </summary>
    /// <exception cref="ArgumentException">The host or port is invalid, or the engine cannot be made.</exception>
    private protected static async Task<(WebApplication App, TEngine Engine, Uri Url)> StartCoreAsync(string host, int port, bool singleThreaded,
        Func<TEngine> makeEngine, Action<WebApplication, TEngine> map, CancellationToken cancel)
    {
        var address = WebPlumbing.Address(host, port);
        if (singleThreaded) LatentSynth.Torch.ThreadPlans.Apply(LatentSynth.Torch.Workload.Serving, busyCores: 0);
        var engine = makeEngine();
        try
        {
            var (app, url) = await WebPlumbing.StartAsync(address, port, a => map(a, engine), cancel).ConfigureAwait(false);
            return (app, engine, url);
        }
        catch
        {
            engine.Dispose();
            throw;
        }
    }

    /// <summary>Waits until the server is stopped (Ctrl+C in the CLI).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancel = default) => app.WaitForShutdownAsync(cancel);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        Engine.Dispose();
        GC.SuppressFinalize(this);
    }
}
