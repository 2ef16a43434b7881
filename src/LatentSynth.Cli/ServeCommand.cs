using System.CommandLine;
using LatentSynth.Web;
using Spectre.Console;

namespace LatentSynth.Cli;

/// <summary><c>latentsynth serve RUN [--port N] [--host ADDRESS]</c>: the latent synthesizer in the browser.</summary>
public static class ServeCommand
{
    /// <summary>The verb.</summary>
    public static Command Create()
    {
        var run = new Argument<string>("RUN") { Description = "Audio run folder (from `latentsynth audio train`)" };
        var port = new Option<int>("--port") { Description = "Port to listen on; 0 picks a free one [default: 8080]", DefaultValueFactory = _ => 8080 };
        var host = new Option<string>("--host") { Description = "Address to bind [default: 127.0.0.1, this machine only]; any other address lets other machines connect", DefaultValueFactory = _ => "127.0.0.1" };
        var workers = new Option<int?>("--workers") { Description = "Concurrent decodes, each with its own copy of the model [default: the processor count]" };
        var cmd = new Command("serve", "Serve the latent synthesizer: a page with the map of the run's notes; click to play a point, drag to play a path.")
        {
            run, port, host, workers,
        };
        cmd.SetAction(parse =>
        {
            var h = parse.GetValue(host)!;
            if (!SynthServer.IsLoopback(h))
                AnsiConsole.MarkupLine($"[yellow]warning:[/] binding to {Markup.Escape(h)}: other machines on the network can reach this server (it has no authentication)");
            int? w = parse.GetValue(workers);
            if (w is < 1 or > 64) throw new ArgumentException($"--workers must be in 1..64; got {w}");
            AnsiConsole.MarkupLine("opening the run and encoding the notes for the map…");
            var server = SynthServer.StartAsync(new SynthServerOptions { RunDirectory = parse.GetValue(run)!, Host = h, Port = parse.GetValue(port), Workers = w })
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
}
