using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LatentSynth.Web;

/// <summary>
/// What the synthesizer and the music page share: binding (loopback by default), the body limit, the security headers,
/// JSON errors, and the embedded static files served by exact name.
/// </summary>
internal static class WebPlumbing
{
    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The address of --host, or an error naming it.</summary>
    public static IPAddress Address(string host, int port)
    {
        if (port is < 0 or > 65535) throw new ArgumentException($"--port must be in 0..65535; got {port}");
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : IPAddress.TryParse(host, out var ip) ? ip
            : throw new ArgumentException($"--host: '{host}' is not an IP address (use 127.0.0.1, ::1, 0.0.0.0 or an address of this machine)");
    }

    /// <summary>Builds and starts a Kestrel app on <paramref name="address"/>:<paramref name="port"/> with <paramref name="map"/>'s routes.</summary>
    public static async Task<(WebApplication App, Uri Url)> StartAsync(IPAddress address, int port, Action<WebApplication> map, CancellationToken cancel)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "LatentSynth.Web", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(address, port);
            k.Limits.MaxRequestBodySize = SynthLimits.MaxBodyBytes;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        map(app);
        await app.StartAsync(cancel).ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var url = new Uri(bound.Replace("[::]", "[::1]", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        return (app, url);
    }

    /// <summary>Security headers on every answer, and refusals (<see cref="RequestException"/>, Kestrel's 413) as JSON errors.</summary>
    public static void UseHeadersAndErrors(WebApplication app)
    {
        app.Use(async (ctx, next) =>
        {
            var h = ctx.Response.Headers;
            h["X-Content-Type-Options"] = "nosniff";
            h["Referrer-Policy"] = "no-referrer";
            // The pages make no external request: everything comes from this server (or data:/blob: URLs they make).
            h["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: data:; connect-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'";
            try { await next(ctx); }
            catch (RequestException e) when (!ctx.Response.HasStarted) { await Error(ctx, e.Status, e.Message); }
            catch (BadHttpRequestException e) when (!ctx.Response.HasStarted)
            {
                await Error(ctx, e.StatusCode, e.StatusCode == 413 ? $"the request body is larger than {SynthLimits.MaxBodyBytes / 1024} KB" : e.Message);
            }
            catch (Exception e) when (!ctx.Response.HasStarted && e is not OperationCanceledException)
            {
                // A failure of ours (FluidSynth failing, a model error): a JSON 500 naming it, and the server keeps serving.
                await Error(ctx, 500, $"internal error: {e.GetType().Name}: {e.Message}");
            }
        });
    }

    private static readonly Dictionary<string, (byte[] Bytes, string Type)> Assets = LoadAssets();

    private static Dictionary<string, (byte[], string)> LoadAssets()
    {
        var asm = typeof(WebPlumbing).Assembly;
        var result = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var name in asm.GetManifestResourceNames().Where(n => n.StartsWith("wwwroot/", StringComparison.Ordinal)))
        {
            using var s = asm.GetManifestResourceStream(name)!;
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            var file = name["wwwroot/".Length..];
            var type = Path.GetExtension(file) switch
            {
                ".html" => "text/html; charset=utf-8", ".js" => "text/javascript; charset=utf-8", ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml", ".png" => "image/png", _ => "application/octet-stream",
            };
            result[file] = (ms.ToArray(), type);
        }
        return result;
    }

    /// <summary>
    /// Maps GET / to <paramref name="home"/> and GET /{file} to the embedded files that <paramref name="serves"/> accepts
    /// (looked up by exact name; nothing is read from disk), and a JSON 404 for anything else.
    /// </summary>
    public static void MapAssets(WebApplication app, string home, Func<string, bool> serves)
    {
        app.MapGet("/", () => Asset(home));
        app.MapGet("/{file}", (string file) => Assets.ContainsKey(file) && serves(file) ? Asset(file) : Results.Json(new { error = "not found" }, statusCode: 404));
        app.MapFallback((HttpContext ctx) => Error(ctx, 404, "not found"));
    }

    private static IResult Asset(string file)
    {
        var (bytes, type) = Assets[file];
        return Results.Bytes(bytes, type);
    }

    /// <summary>Writes <c>{"error": message}</c> with <paramref name="status"/>.</summary>
    public static Task Error(HttpContext ctx, int status, string message)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(JsonSerializer.Serialize(new { error = message }));
    }

    /// <summary>A JSON answer (snake_case names).</summary>
    public static IResult JsonBytes(object value) => Results.Bytes(JsonSerializer.SerializeToUtf8Bytes(value, Json), "application/json");

    /// <summary>The request body, at most <see cref="SynthLimits.MaxBodyBytes"/> (chunked bodies included), else 413.</summary>
    public static async Task<byte[]> ReadBody(HttpContext ctx)
    {
        if (ctx.Request.ContentLength > SynthLimits.MaxBodyBytes)
            throw new RequestException(413, $"the request body is larger than {SynthLimits.MaxBodyBytes / 1024} KB");
        using var ms = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await ctx.Request.Body.ReadAsync(buffer, ctx.RequestAborted)) > 0)
        {
            if (ms.Length + n > SynthLimits.MaxBodyBytes) throw new RequestException(413, $"the request body is larger than {SynthLimits.MaxBodyBytes / 1024} KB");
            ms.Write(buffer, 0, n);
        }
        return ms.ToArray();
    }
}

/// <summary>
/// A pool of workers (each with its own copy of the models: they are not thread-safe) behind a semaphore with a queue
/// timeout: a request waits for a free worker, or gets 503 when every one stayed busy for the timeout.
/// libtorch work runs synchronously on the request's thread (dispose scopes are per thread).
/// </summary>
internal sealed class WorkerQueue<T> : IDisposable where T : class
{
    private readonly System.Collections.Concurrent.ConcurrentBag<T> pool;
    private readonly SemaphoreSlim slots;
    private readonly TimeSpan timeout;

    public WorkerQueue(IReadOnlyList<T> workers, TimeSpan timeout)
    {
        pool = [.. workers];
        slots = new SemaphoreSlim(workers.Count, workers.Count);
        this.timeout = timeout;
        Count = workers.Count;
    }

    public int Count { get; }
    public int Free => slots.CurrentCount;

    public async Task<TResult> RunAsync<TResult>(Func<T, TResult> work, CancellationToken cancel)
    {
        if (!await slots.WaitAsync(timeout, cancel).ConfigureAwait(false))
            throw new RequestException(503, $"the server is busy: every decoder ({Count}) stayed taken for {timeout.TotalSeconds:0.#} s; try again");
        try
        {
            if (!pool.TryTake(out var worker)) throw new InvalidOperationException("decoder pool is empty although a slot was free");
            try { return work(worker); }
            finally { pool.Add(worker); }
        }
        finally { slots.Release(); }
    }

    public void Dispose() => slots.Dispose();
}
