using System.Diagnostics;
using System.Text;

namespace ModMesh.Fetcher.Direct;

/// <summary>What one go command left behind.</summary>
/// <param name="ExitCode">The exit code (-1 when killed).</param>
/// <param name="Output">Standard output.</param>
/// <param name="Error">Standard error.</param>
/// <param name="TimedOut">True when it was killed for running longer than its time limit.</param>
/// <param name="Elapsed">How long it ran.</param>
internal sealed record GoRun(int ExitCode, string Output, string Error, bool TimedOut, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;
}

/// <summary>Runs the go command with an argument list (never a shell string) and an allow-listed environment.</summary>
internal static class GoProcess
{
    /// <summary>
    /// The only variables of this process that reach the go command (and the git it runs): where programs are, the
    /// locale, the trusted certificates, and the outbound proxy settings. Everything else (storage and Redis
    /// connection strings, cloud keys, tokens, <c>SSH_AUTH_SOCK</c>, this process's GO*, GIT_* and HOME) stays here.
    /// </summary>
    internal static readonly IReadOnlySet<string> Inherited = new HashSet<string>(StringComparer.Ordinal)
    {
        "PATH", "LANG", "LC_ALL", "TZ",
        "SSL_CERT_FILE", "SSL_CERT_DIR",
        "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
    };

    /// <summary>
    /// Runs <paramref name="goBinary"/> with <paramref name="arguments"/> and an allow-listed environment: the
    /// <see cref="Inherited"/> variables of this process plus <paramref name="environment"/>, nothing else. Killed (whole
    /// tree) after <paramref name="timeout"/> (then <see cref="GoRun.TimedOut"/>) or when <paramref name="cancellationToken"/> fires (then it throws).
    /// </summary>
    public static async Task<GoRun> RunAsync(
        string goBinary,
        IReadOnlyList<string> arguments,
        string workingDirectory,
        IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(goBinary)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        foreach (var key in psi.Environment.Keys.Where(k => !Inherited.Contains(k)).ToList())
        {
            psi.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            psi.Environment[key] = value;
        }

        var started = Stopwatch.GetTimestamp();
        using var process = new Process { StartInfo = psi };
        process.Start();
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            timedOut = !cancellationToken.IsCancellationRequested;
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            if (!timedOut)
            {
                throw;
            }
        }

        // The readers end when every holder of the pipes (go's git children too) has exited.
        var text = await output.ConfigureAwait(false);
        var errorText = await error.ConfigureAwait(false);
        return new GoRun(timedOut ? -1 : process.ExitCode, text, errorText, timedOut, Stopwatch.GetElapsedTime(started));
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}
