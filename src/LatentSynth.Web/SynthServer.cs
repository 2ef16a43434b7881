using System.Net;
using LatentSynth.Audio.Synthesis;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace LatentSynth.Web;

/// <summary>How <see cref="SynthServer"/> runs.</summary>
public sealed record SynthServerOptions
{
    /// <summary>The audio run folder (from <c>latentsynth audio train</c>).</summary>
    public required string RunDirectory { get; init; }
    /// <summary>Address to bind: 127.0.0.1 (default), localhost, ::1, or any IP address (then reachable by others).</summary>
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>Port; 0 picks a free one.</summary>
    public int Port { get; init; }
    /// <summary>Concurrent decodes (each with its own copy of the model); null: the processor count.</summary>
    public int? Workers { get; init; }
    /// <summary>How long a request waits for a free decoder before it gets 503.</summary>
    public TimeSpan QueueTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>At most this many training notes on the map.</summary>
    public int MaxNotes { get; init; } = 400;
    /// <summary>
    /// Sets libtorch's intra-op and BLAS threads to 1 (process-wide) so that concurrent decodes run side by side
    /// instead of fighting over the cores: with BLAS on 2 threads per call, 2 concurrent decoders answered 1.4
    /// requests/s on the 2-core machine, with 1 thread 10.4 (benchmarks/README.md, "Web server load").
    /// </summary>
    public bool SingleThreadedDecodes { get; init; } = true;
}

/// <summary>
/// The latent synthesizer's web server: Kestrel serving the embedded page and a JSON/WAV API over an
/// audio run. Start with <see cref="StartAsync"/>; dispose to stop.
/// </summary>
public sealed class SynthServer : WebServer<SynthEngine>
{
    private SynthServer(WebApplication app, SynthEngine engine, Uri url) : base(app, engine, url)
    {
    }

    /// <summary>Whether <paramref name="host"/> is a loopback address (only this machine can connect).</summary>
    public static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Opens the run, encodes the note map and starts listening.</summary>
    /// <exception cref="ArgumentException">The run cannot be opened, or the host or port is invalid.</exception>
    public static async Task<SynthServer> StartAsync(SynthServerOptions options, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (app, engine, url) = await StartCoreAsync(options.Host, options.Port, options.SingleThreadedDecodes,
            () => new SynthEngine(options.RunDirectory, options.Workers ?? Environment.ProcessorCount, options.QueueTimeout, options.MaxNotes), Map, cancel).ConfigureAwait(false);
        return new SynthServer(app, engine, url);
    }

    // ---- routes ----------------------------------------------------------------------------------

    private static void Map(WebApplication app, SynthEngine engine)
    {
        WebPlumbing.UseHeadersAndErrors(app);
        app.MapGet("/api/info", () => WebPlumbing.JsonBytes(Info(engine)));
        app.MapPost("/api/point", (Func<HttpContext, Task<IResult>>)(ctx => Decode(ctx, engine, SynthRequests.Point)));
        app.MapPost("/api/path", (Func<HttpContext, Task<IResult>>)(ctx => Decode(ctx, engine, SynthRequests.Path)));
        // Static files: only the synthesizer's embedded assets (not the music page's), looked up by exact name.
        WebPlumbing.MapAssets(app, "index.html", f => !f.StartsWith("music.", StringComparison.Ordinal));
    }

    private static object Info(SynthEngine e) => new
    {
        LatentDim = e.LatentDim,
        SampleRate = e.SampleRate,
        Instruments = e.Instruments,
        Families = e.Notes.Select(n => n.Family).Distinct().Order(StringComparer.Ordinal).ToList(),
        Mean = e.Mean,
        Projection = new { Origin = e.Projection.Origin, AxisX = e.Projection.AxisX, AxisY = e.Projection.AxisY, e.Projection.XLabel, e.Projection.YLabel },
        Notes = e.Notes,
        Kinds = SynthRequests.Kinds,
        // The kinds' descriptors: the page builds its tool list and checks its inputs from these.
        PathKinds = PathKinds.All.Select(k => new
        {
            k.Name, k.Description, Ends = k.Ends.ToString().ToLowerInvariant(), k.UsesPlane,
            Parameters = k.Parameters.Select(p => new { p.Name, p.Description, p.Default, p.Min, Max = p == PathParameters.Dim ? e.LatentDim - 1 : p.Max, p.MinExclusive, p.IsInteger }),
        }),
        Limits = new
        {
            SynthLimits.MaxBodyBytes, SynthLimits.MaxPointSeconds, SynthLimits.MaxPathSeconds, SynthLimits.MaxIterations,
            SynthLimits.DefaultIterations, SynthLimits.MaxDrawnPoints, SynthLimits.MaxCoordinate, e.Workers,
        },
    };

    private static async Task<IResult> Decode(HttpContext ctx, SynthEngine engine, Func<JsonElement, SynthEngine, DecodeRequest> parse)
    {
        var format = ctx.Request.Query["format"].ToString() is { Length: > 0 } f ? f : "wav";
        if (format is not ("wav" or "png" or "json")) throw new RequestException(400, $"format must be wav, png or json; got '{SynthEngine.Trim(format)}'");
        var body = await WebPlumbing.ReadBody(ctx);
        var request = parse(SynthRequests.ParseBody(body), engine);
        var sound = await engine.DecodeAsync(request.Build, request.Iterations, format != "wav", ctx.RequestAborted);
        ctx.Response.Headers["X-Decode-Ms"] = sound.Milliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture);
        return format switch
        {
            "wav" => Results.Bytes(sound.Wav, "audio/wav"),
            "png" => Results.Bytes(sound.Spectrogram!, "image/png"),
            _ => Results.Bytes(JsonSerializer.SerializeToUtf8Bytes(new
            {
                Wav = Convert.ToBase64String(sound.Wav),
                Spectrogram = Convert.ToBase64String(sound.Spectrogram!),
                Path = sound.Plane.Select(p => new[] { p.X, p.Y }),
                Points = sound.Latent,
                sound.Seconds, sound.SpectralConvergence, sound.Milliseconds,
            }, WebPlumbing.Json), "application/json"),
        };
    }
}
