namespace ModMesh.Cli;

/// <summary>The modmesh command: picks the subcommand, turns usage errors into exit code 2 with the usage text.</summary>
internal static class CliApp
{
    public const string Usage = """
        usage:
          modmesh publish --proxy <gateway URL> [--token <token>] [--dir <module root>] [--module <path>]
                          [--dry-run] [--output <file.zip>] <version>
              Zips the module in --dir (default .) as the go command would and uploads it with
              PUT <proxy>/<module>/@v/<version>.zip. The token comes from --token or MODMESH_TOKEN;
              --module is for a module root without go.mod. --dry-run zips and prints the h1 hash only.
          modmesh warm --proxy <URL> [--token <token>] [--concurrency <n>] <go.sum|go.mod|module@version>...
              Downloads every version named (go.sum: the whole build list, checked against its hashes) so
              the proxy holds it before a build needs it; a progress bar on a terminal (else one line
              per version), then a summary.
          modmesh verify --url <gateway or node URL> [--token <token>] [--prefix <path>] [--quarantine] [--json]
                         [module[@version]...]
              Re-hashes the stored versions named (all when none is) against their recorded h1 and the
              checksum database; one line per version, then a summary. --quarantine moves corrupt files
              aside so the next request fills them again. Admin only (through the gateway) or the node's
              internal key as --token.
          modmesh status --proxy <gateway URL>
              The gateway's status page in the terminal; exit code 0 when every cache node is in service.
          modmesh purge --proxy <URL> [--token <token>] [--yes] <module>[@<version>]
              Removes one version, or every version, of a module from the proxy's store and memory (admins only,
              audited); the next request fills it again from upstream. Asks first unless --yes.
          modmesh retention report --proxy <URL> [--token <token>] [--json]
              The last retention pass's report: what it removed (or, dry run, would remove).
          modmesh tokens issue <user> [--expires <RFC 3339>] --file <tokens file>
              Adds a token to the tokens file and prints it, once.
          modmesh tokens revoke <id> --file <tokens file>
          modmesh tokens list --file <tokens file>
          modmesh rules check <rules file>
              Prints every problem of a rules file with its line; exit code 0 when there is none.

        exit codes: 0 done, 1 failed, 2 bad command line, 3 version already published with other content (409),
                    4 authentication or permission refused (401/403), 5 zip refused (400), 6 module not publishable (404),
                    7 verify found corruption, 8 purge not confirmed
        """;

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            return args switch
            {
                ["publish", .. var rest] => await PublishCommand.RunAsync(rest, context, cancellationToken).ConfigureAwait(false),
                ["warm", .. var rest] => await WarmCommand.RunAsync(rest, context, cancellationToken).ConfigureAwait(false),
                ["verify", .. var rest] => await VerifyCommand.RunAsync(rest, context, cancellationToken).ConfigureAwait(false),
                ["status", .. var rest] => await StatusCommand.RunAsync(rest, context, cancellationToken).ConfigureAwait(false),
                ["purge", .. var rest] => await PurgeCommand.RunAsync(rest, context, cancellationToken).ConfigureAwait(false),
                ["retention", "report", .. var rest] => await RetentionCommand.ReportAsync(rest, context, cancellationToken).ConfigureAwait(false),
                ["tokens", "issue", .. var rest] => TokensCommand.Issue(rest, context),
                ["tokens", "revoke", .. var rest] => TokensCommand.Revoke(rest, context),
                ["tokens", "list", .. var rest] => TokensCommand.List(rest, context),
                ["rules", "check", .. var rest] => RulesCommand.Check(rest, context),
                ["help" or "--help" or "-h"] => Help(context),
                _ => throw new UsageException(args.Length == 0 ? "no command given" : $"unknown command '{string.Join(' ', args.Take(2))}'"),
            };
        }
        catch (UsageException ex)
        {
            await context.Error.WriteLineAsync($"modmesh: {ex.Message}").ConfigureAwait(false);
            await context.Error.WriteLineAsync(Usage).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
    }

    private static int Help(CliContext context)
    {
        context.Out.WriteLine(Usage);
        return ExitCodes.Success;
    }
}
