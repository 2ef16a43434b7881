using LatentSynth.Cli;
using Spectre.Console;

// First thing, before the runtime installs its signal handling: a process started in the
// background (`cmd &`) by a non-interactive shell (a script, nohup, CI) inherits SIGINT ignored,
// and the runtime leaves an ignored signal alone, so `kill -INT` or Ctrl-C could never make
// train/benchmark save and stop. Restore the default (Linux; see StopSignal.RestoreDefaultInterrupt).
StopSignal.RestoreDefaultInterrupt();

// Redirected to a file or a pipe, Spectre.Console would wrap every line at 80 columns, cutting
// one-line errors and messages in two: let lines be as long as they are.
if (Console.IsOutputRedirected) AnsiConsole.Console.Profile.Width = 4096;

return Cli.Run(args);
