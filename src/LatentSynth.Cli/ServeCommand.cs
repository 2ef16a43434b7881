using System.CommandLine;
using LatentSynth.Web;
using Spectre.Console;

namespace LatentSynth.Cli;

/// <summary>
/// <c>latentsynth serve RUN [RUN…] [--port N] [--host ADDRESS]</c>: an audio run opens the latent synthesizer; symbolic runs open the
/// music page, each run in the role its model gives it (musicvae / musicvae-hier: interpolate and sample; sketchnet: inpaint;
/// inpaintnet: the comparison fill). A tool whose run is missing is shown disabled with the command that would provide it.
/// </summary>
public static class ServeCommand
{
    /// <summary>The verb.</summary>
    public static Command Create()
    {
        var run = new Argument<string[]>("RUN")
        {
            Description = "An audio run (from `latentsynth audio train`), or one or more symbolic runs for the music page: musicvae, sketchnet, inpaintnet, and one polyphonic run (pianotree, pianoroll-vae or midi-event-vae) for sampling (at most one of each)",
            Arity = ArgumentArity.OneOrMore,
        };
        var port = new Option<int>("--port") { Description = "Port to listen on; 0 picks a free one [default: 8080]", DefaultValueFactory = _ => 8080 };
        var host = new Option<string>("--host") { Description = "Address to bind [default: 127.0.0.1, this machine only]; any other address lets other machines connect", DefaultValueFactory = _ => "127.0.0.1" };
        var workers = new Option<int?>("--workers") { Description = "Concurrent decodes, each with its own copy of the model [default: the processor count]" };
        var tunes = new Option<string?>("--tunes") { Description = "Music page: dataset whose test tunes it offers [default: the runs' own]" };
        var cmd = new Command("serve", "Serve a run in the browser: an audio run opens the latent synthesizer (the map of its notes); symbolic runs open the music page (interpolate, inpaint, sample).")
        {
            run, port, host, workers, tunes,
        };
        cmd.SetAction(parse =>
        {
            var h = parse.GetValue(host)!;
            if (!SynthServer.IsLoopback(h))
                AnsiConsole.MarkupLine($"[yellow]warning:[/] binding to {Markup.Escape(h)}: other machines on the network can reach this server (it has no authentication)");
            int? w = parse.GetValue(workers);
            if (w is < 1 or > 64) throw new ArgumentException($"--workers must be in 1..64; got {w}");
            var runs = parse.GetValue(run)!;
            PolySampler.Register();   // pianotree, pianoroll-vae, midi-event-vae runs: polyphonic sampling on the music page
            if (runs.Any(r => MusicRuns.RoleOf(r) is not null))
                return ServeMusic(MusicRuns.FromRuns(runs), h, parse.GetValue(port), w, parse.GetValue(tunes));
            if (runs.Length > 1) throw new ArgumentException($"RUN: an audio run is served alone; got {runs.Length} runs");
            AnsiConsole.MarkupLine("opening the run and encoding the notes for the map…");
            var server = SynthServer.StartAsync(new SynthServerOptions { RunDirectory = runs[0], Host = h, Port = parse.GetValue(port), Workers = w })
                .GetAwaiter().GetResult();
            try
            {
                AnsiConsole.MarkupLine($"[green]serving[/] {server.Engine.Notes.Count} notes, {server.Engine.Workers} decoder(s) at [link]{Markup.Escape(server.Url.ToString())}[/]");
                Console.WriteLine(server.Url);
                AnsiConsole.MarkupLine("press Ctrl+C to stop");
                // The host's console lifetime stops the server on Ctrl+C (SIGINT) and on SIGTERM.
                server.WaitForShutdownAsync().GetAwaiter().GetResult();
            }
            finally { server.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
            return 0;
        });
        return cmd;
    }

    private static int ServeMusic(MusicRuns runs, string host, int port, int? workers, string? tunes)
    {
        AnsiConsole.MarkupLine("opening the runs and reading the test tunes…");
        var server = MusicServer.StartAsync(new MusicServerOptions { Runs = runs, Host = host, Port = port, Workers = workers, TunesData = tunes })
            .GetAwaiter().GetResult();
        try
        {
            var e = server.Engine;
            string Role(string name, string? dir) => $"{name}: {(dir is null ? "[grey]none[/]" : Markup.Escape(dir))}";
            AnsiConsole.MarkupLine($"[green]serving the music page[/] ({Role("musicvae", runs.Melody)}; {Role("sketchnet", runs.SketchNet)}; {Role("inpaintnet", runs.InpaintNet)}; {Role(e.SamplerName ?? "polyphonic sampler", runs.Sampler)}), " +
                $"{e.Tunes.Count} test tunes{(e.TunesData is null ? "" : " of " + Markup.Escape(e.TunesData))}, {e.Workers} worker(s) at [link]{Markup.Escape(server.Url.ToString())}[/]");
            if (e.AudioProblem is { } why) AnsiConsole.MarkupLine($"[yellow]warning:[/] no sound on the page: {Markup.Escape(why)}");
            Console.WriteLine(server.Url);
            AnsiConsole.MarkupLine("press Ctrl+C to stop");
            server.WaitForShutdownAsync().GetAwaiter().GetResult();
        }
        finally { server.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        return 0;
    }
}
