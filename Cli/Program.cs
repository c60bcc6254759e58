using ModMesh.Cli;
using Spectre.Console;

// The modmesh command: publish module versions, manage the tokens file, check the rules file. See CliApp.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

// Questions (purge's confirmation) only when someone can answer them.
Func<string, bool>? confirm = Console.IsInputRedirected
    ? null
    : question =>
    {
        Console.Error.Write($"{question} [y/N] ");
        return Console.ReadLine()?.Trim().ToLowerInvariant() is "y" or "yes";
    };
return await CliApp.RunAsync(args, new CliContext(Console.Out, Console.Error, Environment.GetEnvironmentVariable, Terminal: Console.IsOutputRedirected ? null : AnsiConsole.Console, Confirm: confirm), cancel.Token).ConfigureAwait(false);
