using Spectre.Console;

namespace LatentSynth.TestSupport;

/// <summary>What one in-process run of the command line returned and printed.</summary>
/// <param name="Code">The exit code returned by <c>LatentSynth.Cli.Cli.Run</c>.</param>
/// <param name="Output">Everything written to <see cref="Console.Out"/> and to Spectre's <see cref="AnsiConsole"/>.</param>
/// <param name="Error">Everything written to <see cref="Console.Error"/>.</param>
public readonly record struct CliResult(int Code, string Output, string Error)
{
    /// <summary>Deconstructs into the exit code and the output, for tests that do not look at stderr.</summary>
    /// <param name="code">The exit code.</param>
    /// <param name="output">Console.Out and AnsiConsole output.</param>
    public void Deconstruct(out int code, out string output) => (code, output) = (Code, Output);
}

/// <summary>
/// Runs <c>latentsynth</c> in-process (<c>LatentSynth.Cli.Cli.Run</c>) as a user would from a shell, capturing
/// <see cref="Console.Out"/>, <see cref="Console.Error"/> and Spectre's <see cref="AnsiConsole"/> (no ANSI codes,
/// not interactive). The console is process-wide state: callers belong in a non-parallel test collection. Runs
/// through this class are serialised, and the previous consoles are restored afterwards.
/// </summary>
public static class CliRunner
{
    private static readonly object Gate = new();

    /// <summary>Runs the command line with <paramref name="args"/> at Spectre's default width for redirected output.</summary>
    /// <param name="args">The arguments, as after <c>latentsynth</c> on a command line.</param>
    /// <returns>The exit code and what was printed.</returns>
    public static CliResult Run(params string[] args) => Run(width: null, args);

    /// <summary>Runs the command line with <paramref name="args"/>, Spectre's console <paramref name="width"/> columns wide
    /// (a large width keeps long messages on one line, so they can be checked whole).</summary>
    /// <param name="width">Console width in columns given to Spectre's profile.</param>
    /// <param name="args">The arguments, as after <c>latentsynth</c> on a command line.</param>
    /// <returns>The exit code and what was printed.</returns>
    public static CliResult Run(int width, params string[] args) => Run((int?)width, args);

    private static CliResult Run(int? width, string[] args)
    {
        lock (Gate)
        {
            var (previousOut, previousError, previousAnsi) = (Console.Out, Console.Error, AnsiConsole.Console);
            var output = new StringWriter();
            var error = new StringWriter();
            Console.SetOut(output);
            Console.SetError(error);
            try
            {
                AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
                {
                    Out = new AnsiConsoleOutput(output),
                    Ansi = AnsiSupport.No,
                    Interactive = InteractionSupport.No,
                });
                if (width is int w) AnsiConsole.Console.Profile.Width = w;
                int code = LatentSynth.Cli.Cli.Run(args);
                return new CliResult(code, output.ToString(), error.ToString());
            }
            finally
            {
                Console.SetOut(previousOut);
                Console.SetError(previousError);
                AnsiConsole.Console = previousAnsi;
            }
        }
    }
}
