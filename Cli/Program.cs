using ModMesh.Cli;
using Spectre.Console;

// The modmesh command: publish module versions, manage the tokens file, check the rules file. See CliApp.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

return await CliApp.RunAsync(args, new CliContext(Console.Out, Console.Error, Environment.GetEnvironmentVariable,
    Terminal: Console.IsOutputRedirected ? null : AnsiConsole.Console), cancel.Token).ConfigureAwait(false);
