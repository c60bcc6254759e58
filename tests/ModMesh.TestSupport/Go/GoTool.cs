using System.Diagnostics;
using System.Text;

namespace ModMesh.TestSupport.Go;

/// <summary>
/// The real <c>go</c> and <c>git</c> commands of the machine. A missing tool fails the test run loudly with the
/// Debian package to install: tests that need the real go client never skip.
/// </summary>
public sealed class GoTool
{
    private GoTool(string goPath, string gitPath, string version)
    {
        GoPath = goPath;
        GitPath = gitPath;
        Version = version;
    }

    /// <summary>Full path of the <c>go</c> executable.</summary>
    public string GoPath { get; }

    /// <summary>Full path of the <c>git</c> executable.</summary>
    public string GitPath { get; }

    /// <summary>Output of <c>go version</c>, e.g. "go version go1.19.8 linux/amd64".</summary>
    public string Version { get; }

    private static readonly Lazy<GoTool> Located = new(LocateCore, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Finds go and git on PATH (or the usual Debian locations); throws when either is missing.</summary>
    public static GoTool Locate() => Located.Value;

    private static GoTool LocateCore()
    {
        var go = FindExecutable("go", "/usr/lib/go/bin/go", "/usr/lib/go-1.19/bin/go", "/usr/local/go/bin/go")
            ?? throw new InvalidOperationException(
                "The real go client is required by these tests and was not found on PATH. " +
                "Install it: apt-get install -y golang-go   (Debian 12 gives go 1.19).");
        var git = FindExecutable("git")
            ?? throw new InvalidOperationException(
                "git is required by these tests (the go client fetches the local corpus with it) and was not found on PATH. " +
                "Install it: apt-get install -y git");

        var psi = new ProcessStartInfo(go, "version")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // go version must not try to switch toolchains (newer go) or read a stray go.env.
        psi.Environment.Remove("GOTOOLCHAIN");
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {go}.");
        var version = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{go} version' failed with exit code {process.ExitCode}: {process.StandardError.ReadToEnd()}");
        }

        return new GoTool(go, git, version);
    }

    private static string? FindExecutable(string name, params string[] fallbacks)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return fallbacks.FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// Runs an executable with exactly the given environment additions on top of a scrubbed copy of this process's
    /// environment (every GO*, GIT_* and proxy variable removed first), capturing output.
    /// </summary>
    internal static async Task<CommandResult> RunProcessAsync(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        IReadOnlyDictionary<string, string> environment,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(fileName)
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

        foreach (var key in psi.Environment.Keys.ToList())
        {
            if (IsScrubbed(key))
            {
                psi.Environment.Remove(key);
            }
        }

        foreach (var (key, value) in environment)
        {
            psi.Environment[key] = value;
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = psi };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {fileName}.");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutCts.CancelAfter(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(timeoutCts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            timedOut = !cancellationToken.IsCancellationRequested;
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }

            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            if (!timedOut)
            {
                throw;
            }
        }

        // Flush the asynchronous readers.
        process.WaitForExit();
        stopwatch.Stop();
        string outText, errText;
        lock (stdout) { outText = stdout.ToString(); }
        lock (stderr) { errText = stderr.ToString(); }
        var commandLine = fileName + " " + string.Join(' ', psi.ArgumentList);
        return new CommandResult(commandLine, timedOut ? -1 : process.ExitCode, outText, errText, stopwatch.Elapsed, timedOut);
    }

    private static bool IsScrubbed(string key) =>
        key.StartsWith("GO", StringComparison.Ordinal) ||
        key.StartsWith("GIT_", StringComparison.Ordinal) ||
        key.StartsWith("CGO_", StringComparison.Ordinal) ||
        key.Equals("HOME", StringComparison.Ordinal) ||
        key.Equals("XDG_CONFIG_HOME", StringComparison.Ordinal) ||
        key.Equals("XDG_CACHE_HOME", StringComparison.Ordinal) ||
        key.Equals("http_proxy", StringComparison.OrdinalIgnoreCase) ||
        key.Equals("https_proxy", StringComparison.OrdinalIgnoreCase) ||
        key.Equals("all_proxy", StringComparison.OrdinalIgnoreCase) ||
        key.Equals("no_proxy", StringComparison.OrdinalIgnoreCase);
}

/// <summary>What a finished command left behind.</summary>
public sealed record CommandResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed, bool TimedOut)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>Throws with the full output when the command failed.</summary>
    public CommandResult EnsureSuccess()
    {
        if (!Succeeded)
        {
            throw new InvalidOperationException($"Command failed: {this}");
        }

        return this;
    }

    public override string ToString() =>
        $"{CommandLine}{Environment.NewLine}exit code {ExitCode}{(TimedOut ? " (timed out)" : "")} after {Elapsed.TotalSeconds:F1} s" +
        $"{Environment.NewLine}--- stdout ---{Environment.NewLine}{Truncate(StandardOutput)}" +
        $"{Environment.NewLine}--- stderr ---{Environment.NewLine}{Truncate(StandardError)}";

    private static string Truncate(string text) => text.Length <= 20_000 ? text : text[..10_000] + $"{Environment.NewLine}…{Environment.NewLine}" + text[^10_000..];
}
