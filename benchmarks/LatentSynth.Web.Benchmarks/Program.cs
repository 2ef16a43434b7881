using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using LatentSynth.Web;

// Usage: LatentSynth.Web.Benchmarks RUN [--requests 200] [--clients 8] [--seconds 1] [--iterations 32] [--workers W] [--threads T] [--blas-threads B] [--multi-threaded] [--url URL]
// Starts the server in this process on a free loopback port (or uses --url), then sends --requests POST
// /api/point requests (random map points, seeded) from --clients concurrent clients, each waiting for its
// answer before sending the next. Reports answered/lost, status codes, latency p50/p90/p99 and throughput.
if (args.Length < 1 || args[0].StartsWith("--", StringComparison.Ordinal))
{
    Console.Error.WriteLine("usage: LatentSynth.Web.Benchmarks RUN [--requests 200] [--clients 8] [--seconds 1] [--iterations 32] [--workers W] [--url URL]");
    return 2;
}
string? Opt(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
int requests = int.Parse(Opt("--requests") ?? "200", CultureInfo.InvariantCulture);
int clients = int.Parse(Opt("--clients") ?? "8", CultureInfo.InvariantCulture);
double seconds = double.Parse(Opt("--seconds") ?? "1", CultureInfo.InvariantCulture);
int iterations = int.Parse(Opt("--iterations") ?? "32", CultureInfo.InvariantCulture);
int? workers = Opt("--workers") is { } w ? int.Parse(w, CultureInfo.InvariantCulture) : null;

// The same start-up defaults as `latentsynth serve` (RuntimeDefaults: 1 intra-op thread, BLAS threads = cores,
// allocator tuning); LATENTSYNTH_THREADS overrides as in the CLI.
LatentSynth.Torch.RuntimeDefaults.Apply(m => Console.Error.WriteLine("warning: " + m));
// --blas-threads/--threads only take effect with --multi-threaded (else the server pins both to 1).
if (Opt("--blas-threads") is { } bt) LatentSynth.Torch.Torch.BlasThreads = int.Parse(bt, CultureInfo.InvariantCulture);
if (Opt("--threads") is { } tt) LatentSynth.Torch.Torch.NumThreads = int.Parse(tt, CultureInfo.InvariantCulture);
Console.WriteLine($"torch threads {LatentSynth.Torch.Torch.NumThreads}, BLAS threads {LatentSynth.Torch.Torch.BlasThreads}");
SynthServer? server = null;
Uri url;
if (Opt("--url") is { } u) url = new Uri(u);
else
{
    var start = Stopwatch.StartNew();
    server = await SynthServer.StartAsync(new SynthServerOptions { RunDirectory = args[0], Port = 0, Workers = workers, QueueTimeout = TimeSpan.FromSeconds(120), SingleThreadedDecodes = Array.IndexOf(args, "--multi-threaded") < 0 });
    url = server.Url;
    Console.WriteLine($"torch threads {LatentSynth.Torch.Torch.NumThreads}, BLAS threads {LatentSynth.Torch.Torch.BlasThreads} while serving");
    Console.WriteLine($"server at {url} ({server.Engine.Workers} decoders, {server.Engine.Notes.Count} notes) started in {start.Elapsed.TotalSeconds:0.0} s");
}
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = url, Timeout = TimeSpan.FromMinutes(5) };
var bounds = 1.5;
// Warm-up: one request, not counted.
(await http.PostAsync("/api/point", new StringContent("""{"x": 0, "y": 0, "seconds": 0.2, "iterations": 1}""", Encoding.UTF8, "application/json"))).Dispose();

var latencies = new double[requests];
var status = new int[requests];
long bytes = 0;
int next = -1;
var wall = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
{
    int i;
    while ((i = Interlocked.Increment(ref next)) < requests)
    {
        var rng = new Random(i);
        double x = (rng.NextDouble() * 2 - 1) * bounds, y = (rng.NextDouble() * 2 - 1) * bounds;
        var body = string.Create(CultureInfo.InvariantCulture, $"{{\"x\": {x:0.####}, \"y\": {y:0.####}, \"seconds\": {seconds}, \"iterations\": {iterations}}}");
        var t = Stopwatch.StartNew();
        try
        {
            using var r = await http.PostAsync("/api/point", new StringContent(body, Encoding.UTF8, "application/json"));
            var content = await r.Content.ReadAsByteArrayAsync();
            status[i] = (int)r.StatusCode;
            if (r.StatusCode == HttpStatusCode.OK) Interlocked.Add(ref bytes, content.Length);
        }
        catch (HttpRequestException) { status[i] = -1; }
        latencies[i] = t.Elapsed.TotalMilliseconds;
    }
}));
double total = wall.Elapsed.TotalSeconds;
int ok = status.Count(s => s == 200);
var sorted = latencies.Order().ToArray();
double P(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
Console.WriteLine($"{requests} requests ({seconds} s of sound, {iterations} Griffin-Lim iterations each) from {clients} clients on {Environment.ProcessorCount} cores");
Console.WriteLine($"answered {status.Count(s => s > 0)}/{requests}, ok {ok}, lost {status.Count(s => s <= 0)}; status codes: {string.Join(", ", status.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}"))}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"latency ms: p50 {P(0.5):0} p90 {P(0.9):0} p99 {P(0.99):0} max {sorted[^1]:0}; throughput {requests / total:0.0} requests/s, {ok * seconds / total:0.0} s of sound per s; {bytes / 1e6:0.0} MB in {total:0.0} s"));
if (server is not null) await server.DisposeAsync();
return ok == requests ? 0 : 1;
