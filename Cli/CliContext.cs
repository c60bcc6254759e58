using Spectre.Console;

namespace ModMesh.Cli;

/// <summary>What a command may touch besides the file system: its output streams, the environment and the network.</summary>
/// <param name="Out">Results (and, for <c>tokens issue</c>, the token itself).</param>
/// <param name="Error">Problems and notes.</param>
/// <param name="GetEnvironmentVariable">Reads an environment variable (MODMESH_TOKEN).</param>
/// <param name="HttpHandler">The HTTP handler of uploads; null for the default one.</param>
/// <param name="Terminal">
/// The terminal, when the output is one (progress bars and live lines are drawn on it); null when the output is
/// redirected to a file or a pipe, where commands print plain lines that scripts can read.
/// </param>
/// <param name="Confirm">Asks the person at the terminal a yes/no question; null when input is not a terminal (nobody to ask).</param>
internal sealed record CliContext(TextWriter Out, TextWriter Error, Func<string, string?> GetEnvironmentVariable, HttpMessageHandler? HttpHandler = null, IAnsiConsole? Terminal = null, Func<string, bool>? Confirm = null);
