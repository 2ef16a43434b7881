using System.Diagnostics;
using System.Text.Json;
using LatentSynth.Music;
using LatentSynth.Music.Data;
using LatentSynth.Music.Evaluation;
using LatentSynth.Music.Inpainting;
using LatentSynth.Torch;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace LatentSynth.Web;

using PolyNote = LatentSynth.Music.Data.PolyTree.PolyNote;

/// <summary>How <see cref="MusicServer"/> runs.</summary>
public sealed record MusicServerOptions
{
    /// <summary>The symbolic runs, each in its role (<see cref="MusicRuns.FromRuns"/>).</summary>
    public required MusicRuns Runs { get; init; }
    /// <summary>Address to bind: 127.0.0.1 (default), localhost, ::1, or any IP address (then reachable by others).</summary>
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>Port; 0 picks a free one.</summary>
    public int Port { get; init; }
    /// <summary>Concurrent requests (each worker has its own copy of the models); null: the processor count.</summary>
    public int? Workers { get; init; }
    /// <summary>How long a request waits for a free worker before it gets 503.</summary>
    public TimeSpan QueueTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Dataset whose test tunes the page offers; null: the runs' own.</summary>
    public string? TunesData { get; init; }
    /// <summary>Sets libtorch's intra-op and BLAS threads to 1, as <see cref="SynthServerOptions.SingleThreadedDecodes"/>.</summary>
    public bool SingleThreadedDecodes { get; init; } = true;
}

/// <summary>The limits of the music endpoints (each bounds the work one request can take).</summary>
public static class MusicLimits
{
    /// <summary>Fewest and most interpolation steps.</summary>
    public const int MinSteps = 2, MaxSteps = 16;
    /// <summary>Most samples per request.</summary>
    public const int MaxSamples = 8;
    /// <summary>Highest sampling temperature (exclusive lower bound 0).</summary>
    public const double MaxTemperature = 2;
    /// <summary>Longest uploaded MIDI file, in 4/4 bars.</summary>
    public const int MaxUploadBars = 1000;
    /// <summary>Most tokens a MIDI export takes (64 bars of 24 steps).</summary>
    public const int MaxExportTokens = 64 * 24;
    /// <summary>Most polyphonic segments (2 bars each) a MIDI export takes: 64 bars.</summary>
    public const int MaxExportSegments = 32;
}

/// <summary>
/// The music page's web server: the embedded music page and a JSON API over symbolic runs (interpolate, inpaint, sample
/// melodies or polyphony, MIDI export), with the synthesizer's conventions (<see cref="WebPlumbing"/>: loopback, checked fields, body limit,
/// bounded queue). Start with <see cref="StartAsync"/>; dispose to stop.
/// </summary>
public sealed class MusicServer : WebServer<MusicEngine>
{
    private MusicServer(WebApplication app, MusicEngine engine, Uri url) : base(app, engine, url)
    {
    }

    /// <summary>Opens the runs, reads the test tunes and starts listening.</summary>
    /// <exception cref="ArgumentException">A run cannot be opened, or the host or port is invalid.</exception>
    public static async Task<MusicServer> StartAsync(MusicServerOptions options, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (app, engine, url) = await StartCoreAsync(options.Host, options.Port, options.SingleThreadedDecodes,
            () => new MusicEngine(options.Runs, options.Workers ?? Environment.ProcessorCount, options.QueueTimeout, options.TunesData), Map, cancel).ConfigureAwait(false);
        return new MusicServer(app, engine, url);
    }

    private static void Map(WebApplication app, MusicEngine engine)
    {
        WebPlumbing.UseHeadersAndErrors(app);
        app.MapGet("/api/info", () => WebPlumbing.JsonBytes(Info(engine)));
        app.MapPost("/api/interpolate", (Func<HttpContext, Task<IResult>>)(ctx => Handle(ctx, o => MusicRequests.Interpolate(o, engine, ctx.RequestAborted))));
        app.MapPost("/api/inpaint", (Func<HttpContext, Task<IResult>>)(ctx => Handle(ctx, o => MusicRequests.Inpaint(o, engine, ctx.RequestAborted))));
        app.MapPost("/api/sample", (Func<HttpContext, Task<IResult>>)(ctx => Handle(ctx, o => MusicRequests.Sample(o, engine, ctx.RequestAborted))));
        app.MapPost("/api/midi", (Func<HttpContext, Task<IResult>>)(async ctx =>
        {
            var o = RequestFields.ParseBody(await WebPlumbing.ReadBody(ctx));
            byte[] midi;
            if (RequestFields.Get(o, "notes") is not null) midi = MusicEngine.PolyMidi(MusicRequests.Notes(o));
            else
            {
                var (tokens, inpaint24) = MusicRequests.Tokens(o);
                midi = MusicEngine.Midi(tokens, inpaint24);
            }
            var name = RequestFields.String(o, "name", required: false, 60) is { Length: > 0 } n ? new string(n.Where(char.IsAsciiLetterOrDigit).ToArray()) : "";
            return Results.File(midi, "audio/midi", (name.Length > 0 ? name : "latentsynth") + ".mid");
        }));
        // Static files: only the music page's embedded assets.
        WebPlumbing.MapAssets(app, "music.html", f => f.StartsWith("music.", StringComparison.Ordinal));
    }

    private static async Task<IResult> Handle(HttpContext ctx, Func<JsonElement, Task<object>> work)
    {
        var body = await WebPlumbing.ReadBody(ctx);
        var o = RequestFields.ParseBody(body);
        return WebPlumbing.JsonBytes(await work(o));
    }

    private static string Command(string what) => $"latentsynth serve RUN… {what}";

    private static object Info(MusicEngine e)
    {
        object Tool(bool enabled, string needs) => new { Enabled = enabled, Needs = enabled ? null : needs };
        return new
        {
            Models = new
            {
                Musicvae = new { Available = e.Runs.Melody is not null, Run = e.Runs.Melody, Model = e.MelodyModelName, Steps = e.MelodySteps, Bars = e.MelodySteps / MelodyTokens.StepsPerBar },
                Sketchnet = new { Available = e.Runs.SketchNet is not null, Run = e.Runs.SketchNet },
                Inpaintnet = new { Available = e.Runs.InpaintNet is not null, Run = e.Runs.InpaintNet },
                Baseline = new { Available = true },
                Poly = new { Available = e.SamplerName is not null, Run = e.Runs.Sampler, Model = e.SamplerName },
            },
            Tools = new
            {
                Interpolate = Tool(e.Runs.Melody is not null, Command("MUSICVAE_RUN (from `latentsynth music train --model musicvae`)")),
                Inpaint = Tool(true, ""),
                Sketchnet = Tool(e.Runs.SketchNet is not null, Command("SKETCHNET_RUN (from `latentsynth music train --model sketchnet`)")),
                Inpaintnet = Tool(e.Runs.InpaintNet is not null, Command("INPAINTNET_RUN (from `latentsynth train --model inpaintnet`)")),
                Sample = Tool(e.Runs.Melody is not null || e.SamplerName is not null, Command("MUSICVAE_RUN or PIANOTREE_RUN")),
                Poly = Tool(e.SamplerName is not null, "a polyphonic run: " + Command("PIANOTREE_RUN (from `latentsynth music train --model pianotree`; a pianoroll-vae or midi-event-vae run also)")),
            },
            e.TunesData,
            Tunes = e.Tunes.Select(t => new { t.Name, t.Bars, Melody = t.Tokens16 is not null, Inpaint = t.Tokens24 is not null }),
            Audio = new { Available = e.AudioProblem is null, Problem = e.AudioProblem, Renderer = "FluidSynth (server side, General MIDI piano)" },
            Limits = new
            {
                SynthLimits.MaxBodyBytes, MusicLimits.MinSteps, MusicLimits.MaxSteps, MusicLimits.MaxSamples, MusicLimits.MaxTemperature, MusicLimits.MaxExportSegments,
                GapBars = InpaintGrid.GapBars, PastBars = InpaintGrid.PastBars, FutureBars = InpaintGrid.FutureBars, e.Workers,
            },
        };
    }
}

/// <summary>The music endpoints' request parsing (every field checked, errors naming it) and their work on a worker.</summary>
internal static class MusicRequests
{
    private static RequestException Bad(string m) => RequestFields.Bad(m);
    private static readonly string[] FillModels = ["sketchnet", "inpaintnet", "baseline"];
    private static readonly string[] SampleModels = ["musicvae", .. PolySampler.Models];

    /// <summary>A library's message about a command-line flag, reworded for the JSON field.</summary>
    private static string Field(string message) => message.Replace("--gap", "gap", StringComparison.Ordinal)
        .Replace("--pitch-sketch", "pitch_sketch", StringComparison.Ordinal).Replace("--rhythm-sketch", "rhythm_sketch", StringComparison.Ordinal);

    /// <summary>A tune by name (<c>field</c>) or an uploaded MIDI file (<c>field_midi</c>, base64): its name and tokens on one grid.</summary>
    private static (string Name, int[] Tokens) TuneOrMidi(JsonElement o, string field, MusicEngine engine, bool inpaint24)
    {
        var midiField = field + "_midi";
        if (RequestFields.String(o, midiField, required: false, SynthLimits.MaxBodyBytes) is { } b64)
        {
            var bytes = new byte[b64.Length];
            if (!Convert.TryFromBase64String(b64, bytes, out int n)) throw Bad($"{midiField} must be a MIDI file in base64");
            MidiTune midi;
            try { midi = MidiReader.Read(new MemoryStream(bytes, 0, n), "upload"); }
            catch (Exception e) when (e is MidiDataException or OverflowException or ArgumentException or InvalidOperationException or IOException)
            { throw Bad($"{midiField} is not a readable MIDI file: {RequestFields.Trim(e.Message)}"); }
            // A few bytes can name a note a billion ticks away: bound the length before the grid allocates its tokens.
            if (midi.TicksPerQuarter <= 0 || midi.EndTick / midi.TicksPerQuarter > MusicLimits.MaxUploadBars * 4)
                throw Bad($"{midiField} is longer than {MusicLimits.MaxUploadBars} bars");
            GridTune grid;
            try { grid = inpaint24 ? InpaintGrid.ToTokens(midi) : MelodyGrid.ToTokens(midi); }
            catch (Exception e) when (e is OverflowException or ArgumentException or InvalidOperationException)
            { throw Bad($"{midiField} cannot be put on the grid: {RequestFields.Trim(e.Message)}"); }
            if (grid.Tokens is null) throw Bad($"{midiField} does not fit the {(inpaint24 ? "24" : "16")}-step 4/4 grid: {grid.SkipReason}");
            return ("uploaded MIDI", grid.Tokens);
        }
        var name = RequestFields.String(o, field, required: true, 200, "a test tune's name (GET /api/info) or an uploaded MIDI file in " + midiField)!;
        var tune = engine.Tune(name, field);
        var tokens = (inpaint24 ? tune.Tokens24 : tune.Tokens16) ?? throw Bad($"{field}: tune '{tune.Name}' does not fit the {(inpaint24 ? "24" : "16")}-step grid");
        return (tune.Name, tokens);
    }

    private static int Seed(JsonElement o) => RequestFields.Integer(o, "seed", 0, 0, int.MaxValue);

    private static object Sound(MusicEngine e, int[] tokens, bool inpaint24)
    {
        var wav = e.Wav(tokens, inpaint24);
        return wav is null ? null! : Convert.ToBase64String(wav);
    }

    /// <summary>POST /api/interpolate: from / to (tune names, or from_midi / to_midi), from_bar / to_bar (1-based), steps 2..16, spherical.</summary>
    public static async Task<object> Interpolate(JsonElement o, MusicEngine engine, CancellationToken cancel)
    {
        if (engine.Runs.Melody is null) throw Bad("interpolate needs a MusicVAE run: serve RUN… MUSICVAE_RUN");
        int steps = RequestFields.Integer(o, "steps", 5, MusicLimits.MinSteps, MusicLimits.MaxSteps);
        bool spherical = RequestFields.Get(o, "spherical") is { } sv ? sv.ValueKind switch
        {
            JsonValueKind.True => true, JsonValueKind.False => false, _ => throw Bad("spherical must be true or false"),
        } : false;
        int T = engine.MelodySteps, barsNeeded = T / MelodyTokens.StepsPerBar;
        int[] Window(string field)
        {
            var (name, tokens) = TuneOrMidi(o, field, engine, inpaint24: false);
            int bars = tokens.Length / MelodyTokens.StepsPerBar;
            if (bars < barsNeeded) throw Bad($"{field}: '{name}' has {bars} bars; the model needs {barsNeeded}");
            int bar = RequestFields.Integer(o, field + "_bar", 1, 1, bars - barsNeeded + 1);
            return tokens[((bar - 1) * MelodyTokens.StepsPerBar)..((bar - 1) * MelodyTokens.StepsPerBar + T)];
        }
        var a = Window("from");
        var b = Window("to");
        return await engine.RunAsync(w =>
        {
            var clock = Stopwatch.StartNew();
            int[][] points;
            using (LatentSynth.Torch.Torch.NewScope()) points = MelodyInterpolation.Latent(w.Melody!, a, b, steps, spherical);
            double modelMs = MusicEngine.Ms(clock);
            var wavs = engine.Wavs(points, false);
            var result = points.Select((p, k) =>
            {
                double t = (double)k / (steps - 1);
                var label = $"step {k}, t = {t:0.###}";
                return new
                {
                    T = t, Tokens = p,
                    HammingA = MelodyInterpolation.Hamming(p, a), HammingB = MelodyInterpolation.Hamming(p, b),
                    Png = Convert.ToBase64String(MusicEngine.Roll([new PianoRollRow(p, label)], null)),
                    Wav = wavs[k] is { } bytes ? Convert.ToBase64String(bytes) : null,
                };
            }).ToList();
            return (object)new { Steps = result, A = a, B = b, Grid = 16, ModelMilliseconds = modelMs, Milliseconds = MusicEngine.Ms(clock), engine.AudioProblem };
        }, cancel).ConfigureAwait(false);
    }

    /// <summary>POST /api/inpaint: tune (or tune_midi), gap "7-10", pitch_sketch / rhythm_sketch (SketchSyntax), model, seed.</summary>
    public static async Task<object> Inpaint(JsonElement o, MusicEngine engine, CancellationToken cancel)
    {
        var model = RequestFields.Choice(o, "model", engine.Runs.SketchNet is not null ? "sketchnet" : "baseline", FillModels);
        if (model == "sketchnet" && engine.Runs.SketchNet is null) throw Bad("model: sketchnet needs a SketchNet run: serve RUN… SKETCHNET_RUN");
        if (model == "inpaintnet" && engine.Runs.InpaintNet is null) throw Bad("model: inpaintnet needs an InpaintNet run: serve RUN… INPAINTNET_RUN");
        var (name, tokens) = TuneOrMidi(o, "tune", engine, inpaint24: true);
        var gapText = RequestFields.String(o, "gap", required: true, 20, "1-based bars FIRST-LAST, e.g. 7-10")!;
        InpaintGap gap;
        int bars = tokens.Length / InpaintTokens.StepsPerBar;
        try
        {
            gap = InpaintGap.Parse(gapText);
            gap.CheckInTune(bars);
        }
        catch (ArgumentException e) { throw Bad(Field(e.Message) + (e.Message.StartsWith("--gap", StringComparison.Ordinal) ? "" : $" ({name})")); }
        InpaintControls? controls;
        try
        {
            var p = RequestFields.String(o, "pitch_sketch", required: false, 2000) is { Length: > 0 } ps ? SketchSyntax.ParsePitchSketch(ps) : null;
            var r = RequestFields.String(o, "rhythm_sketch", required: false, 2000) is { Length: > 0 } rs ? SketchSyntax.ParseRhythmSketch(rs) : null;
            controls = SketchSyntax.ToControls(gap, p, r);
        }
        catch (ArgumentException e) { throw Bad(Field(e.Message)); }
        int seed = Seed(o);
        var (window, startBar) = InpaintGap.WindowAround(tokens, gap);
        var windowGap = new InpaintGap(gap.FirstBar - startBar, gap.BarCount);
        return await engine.RunAsync(w =>
        {
            var clock = Stopwatch.StartNew();
            IGapFiller filler = model switch { "sketchnet" => w.SketchNet!, "inpaintnet" => w.InpaintNet!, _ => w.Baseline };
            int[] filled;
            using (LatentSynth.Torch.Torch.NewScope())
            {
                MusicEngine.Seed(seed);
                using var generator = new Generator((ulong)seed);
                try { filled = filler.Fill(window, windowGap, controls, generator); }
                catch (ArgumentException e) { throw Bad(Field(e.Message)); }
            }
            double modelMs = MusicEngine.Ms(clock);
            int s0 = windowGap.StartStep, len = windowGap.EndStep - windowGap.StartStep;
            var truth = window.AsSpan(s0, len);
            var fill = filled.AsSpan(s0, len);
            var marked = new[] { (windowGap.StartStep, windowGap.EndStep) };
            var png = MusicEngine.Roll(
            [
                new PianoRollRow(window, $"original, bars {startBar + 1}-{startBar + InpaintGrid.WindowBars}", marked),
                new PianoRollRow(filled, $"filled by {filler.Name}, bars {gap} marked", marked),
            ], $"{name}: bars {gap} inpainted ({filler.Name}), seed {seed}", inpaint24: true, firstBar: startBar + 1);
            return (object)new
            {
                Model = model, Filler = filler.Name, Tune = name, Gap = gap.ToString(), StartBar = startBar + 1,
                Original = window, Filled = filled, Grid = 24,
                PitchAccuracy = InpaintMetrics.PitchAccuracy(truth, fill), RhythmAccuracy = InpaintMetrics.RhythmAccuracy(truth, fill),
                SketchedBars = controls?.Bars.Count ?? 0,
                Png = Convert.ToBase64String(png), Wav = Sound(engine, filled, true),
                ModelMilliseconds = modelMs, Milliseconds = MusicEngine.Ms(clock), engine.AudioProblem,
            };
        }, cancel).ConfigureAwait(false);
    }

    /// <summary>
    /// POST /api/sample: model musicvae or the served polyphonic model (pianotree, pianoroll-vae, midi-event-vae), count 1..8,
    /// temperature (0, 2], seed. MusicVAE's temperature divides its decoder's logits; a polyphonic model's scales the latent
    /// code (z = T · ε, decoded greedily). A polyphonic sample comes as its notes ([onset, pitch, duration] on the 16th grid).
    /// </summary>
    public static async Task<object> Sample(JsonElement o, MusicEngine engine, CancellationToken cancel)
    {
        var model = RequestFields.Choice(o, "model", engine.Runs.Melody is null && engine.SamplerName is { } served ? served : "musicvae", SampleModels);
        if (model == "musicvae" && engine.Runs.Melody is null) throw Bad("model: musicvae needs a MusicVAE run: serve RUN… MUSICVAE_RUN");
        bool poly = model != "musicvae";
        if (poly && !string.Equals(model, engine.SamplerName, StringComparison.OrdinalIgnoreCase))
            throw Bad(engine.SamplerName is null
                ? $"model: {model} is not served: serve RUN… with a {model} run (from `latentsynth music train --model {model}`)"
                : $"model: {model} is not served; this page samples polyphony from {engine.SamplerName}");
        int count = RequestFields.Integer(o, "count", 4, 1, MusicLimits.MaxSamples);
        double temperature = RequestFields.Number(o, "temperature", 0.5, 0, MusicLimits.MaxTemperature, minExclusive: true);
        int seed = Seed(o);
        return await engine.RunAsync(w =>
        {
            var clock = Stopwatch.StartNew();
            int[][] melodies = [];
            IReadOnlyList<PolyNote>[] segments = [];
            using (LatentSynth.Torch.Torch.NewScope())
            {
                MusicEngine.Seed(seed);
                using var generator = new Generator((ulong)seed);
                if (poly) segments = w.Sampler!.Sample(count, temperature, generator);
                else melodies = TokenRows.Of(w.Melody!.Generate(count, temperature, generator));
            }
            double modelMs = MusicEngine.Ms(clock);
            string Label(int i) => $"{model} sample {i + 1}, temperature {temperature:0.###}, seed {seed}";
            object result = poly
                ? PolySamples(engine, segments, Label)
                : MelodySamples(engine, melodies, Label);
            return (object)new { Model = model, Temperature = temperature, Seed = seed, Grid = 16, Polyphonic = poly, Samples = result, ModelMilliseconds = modelMs, Milliseconds = MusicEngine.Ms(clock), engine.AudioProblem };
        }, cancel).ConfigureAwait(false);
    }

    private static object MelodySamples(MusicEngine engine, int[][] melodies, Func<int, string> label)
    {
        var wavs = engine.Wavs(melodies, false);
        return melodies.Select((m, i) => new
        {
            Tokens = m,
            Png = Convert.ToBase64String(MusicEngine.Roll([new PianoRollRow(m, label(i))], null)),
            Wav = wavs[i] is { } bytes ? Convert.ToBase64String(bytes) : null,
        }).ToList();
    }

    /// <summary>Polyphonic samples: notes as [onset, pitch, duration], the report's polyphonic roll (<see cref="PolyDecode.RollPng"/>), sound.</summary>
    private static object PolySamples(MusicEngine engine, IReadOnlyList<PolyNote>[] segments, Func<int, string> label)
    {
        var wavs = engine.PolyWavs(segments);
        return segments.Select((notes, i) => new
        {
            Notes = notes.Select(n => new[] { n.Onset, n.Pitch, n.Duration }).ToArray(),
            MaxNotesPerStep = notes.Count == 0 ? 0 : notes.GroupBy(n => n.Onset).Max(g => g.Count()),
            Png = Convert.ToBase64String(PolyDecode.RollPng([PianoRollRow.Poly(notes, $"{label(i)} ({notes.Count} notes)")], null)),
            Wav = wavs[i] is { } bytes ? Convert.ToBase64String(bytes) : null,
        }).ToList();
    }

    /// <summary>
    /// The polyphonic segments of a MIDI export: notes, 1..32 segments, each an array of [onset 0..31, pitch 0..127,
    /// duration 1..32] notes (at most 512 a segment).
    /// </summary>
    public static IReadOnlyList<PolyNote>[] Notes(JsonElement o)
    {
        if (RequestFields.Get(o, "notes") is not { ValueKind: JsonValueKind.Array } sv) throw Bad("notes must be an array of segments, each an array of [onset, pitch, duration] notes");
        int n = sv.GetArrayLength();
        if (n < 1 || n > MusicLimits.MaxExportSegments) throw Bad($"notes must hold 1..{MusicLimits.MaxExportSegments} segments; got {n}");
        const int maxNotes = PolyTree.Steps * PolyTree.MaxNotes;
        var segments = new IReadOnlyList<PolyNote>[n];
        int s = 0;
        foreach (var seg in sv.EnumerateArray())
        {
            if (seg.ValueKind != JsonValueKind.Array || seg.GetArrayLength() > maxNotes) throw Bad($"notes[{s}] must be an array of at most {maxNotes} [onset, pitch, duration] notes");
            var list = new List<PolyNote>();
            int k = 0;
            foreach (var note in seg.EnumerateArray())
            {
                int Part(int i, int min, int max) =>
                    note.ValueKind == JsonValueKind.Array && note.GetArrayLength() == 3 && note[i].ValueKind == JsonValueKind.Number
                    && note[i].TryGetInt32(out var v) && v >= min && v <= max ? v
                    : throw Bad($"notes[{s}][{k}] must be [onset 0..{PolyTree.Steps - 1}, pitch 0..127, duration 1..{PolyTree.MaxDuration}]");
                list.Add(new PolyNote(Part(0, 0, PolyTree.Steps - 1), Part(1, 0, 127), Part(2, 1, PolyTree.MaxDuration)));
                k++;
            }
            segments[s++] = list;
        }
        return segments;
    }

    /// <summary>The tokens and grid of a MIDI export: tokens (1..1,536 integers), grid 16 or 24.</summary>
    public static (int[] Tokens, bool Inpaint24) Tokens(JsonElement o)
    {
        int grid = RequestFields.Integer(o, "grid", 16, 16, 24);
        if (grid is not (16 or 24)) throw Bad($"grid must be 16 (melody tokens) or 24 (inpainting tokens); got {grid}");
        if (RequestFields.Get(o, "tokens") is not { ValueKind: JsonValueKind.Array } tv) throw Bad("tokens is required: an array of token ids");
        int n = tv.GetArrayLength();
        if (n < 1 || n > MusicLimits.MaxExportTokens) throw Bad($"tokens must hold 1..{MusicLimits.MaxExportTokens} ids; got {n}");
        int max = grid == 16 ? MelodyTokens.Count - 1 : InpaintTokens.Count - 1;
        var tokens = new int[n];
        int i = 0;
        foreach (var e in tv.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out var t) || t < 0 || t > max) throw Bad($"tokens[{i}] must be an integer in 0..{max} (grid {grid})");
            tokens[i++] = t;
        }
        return (tokens, grid == 24);
    }
}
