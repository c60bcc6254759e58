using Spectre.Console;

namespace ModMesh.Cli.Tests.Infrastructure;

/// <summary>Runs the modmesh command in process and captures what it prints.</summary>
internal static class CliRunner
{
    public static async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext(output, error, name => environment is not null && environment.TryGetValue(name, out var v) ? v : null);
        var exit = await CliApp.RunAsync(args, context, CancellationToken.None);
        return new CliRun(exit, output.ToString(), error.ToString());
    }

    public static Task<CliRun> RunAsync(params string[] args) => RunAsync(null, args);

    /// <summary>
    /// Runs it as on a terminal (an ANSI, interactive console of 120 columns writing into the captured output), so
    /// what a person at a terminal sees, progress bars included, can be checked.
    /// </summary>
    public static async Task<CliRun> RunOnTerminalAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var terminal = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(output),
        });
        terminal.Profile.Width = 120;
        var context = new CliContext(output, error, _ => null, Terminal: terminal);
        var exit = await CliApp.RunAsync(args, context, CancellationToken.None);
        return new CliRun(exit, output.ToString(), error.ToString());
    }
}
