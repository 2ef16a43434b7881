using LatentSynth.Cli;
using Spectre.Console;

// Redirected to a file or a pipe, Spectre.Console would wrap every line at 80 columns, cutting
// one-line errors and messages in two: let lines be as long as they are.
if (Console.IsOutputRedirected) AnsiConsole.Console.Profile.Width = 4096;

return Cli.Run(args);
