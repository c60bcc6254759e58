using System.Diagnostics;
using System.Net;
using ModMesh.TestSupport.Processes;

namespace ModMesh.TestSupport.Servers;

/// <summary>
/// s3rver (like <see cref="S3rverServer"/>: same package, same preload, same settings) for outage tests: it listens on
/// a port fixed at construction and keeps its data folder across <see cref="StopAsync"/>/<see cref="StartAsync()"/>,
/// so a restarted server serves the same buckets and objects at the same address. Dispose stops it and deletes the
/// folder. A missing node or s3rver fails loudly; it never skips.
/// </summary>
public sealed class RestartableS3rverServer : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);

    private readonly string _node;
    private readonly List<string> _output = [];
    private Process? _process;

    private RestartableS3rverServer(string node, int port, string dataDirectory)
    {
        _node = node;
        Port = port;
        DataDirectory = dataDirectory;
    }

    /// <summary>The port, the same across restarts.</summary>
    public int Port { get; }

    /// <summary>"http://127.0.0.1:port" (no trailing slash).</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>The folder holding the buckets, kept across restarts.</summary>
    public string DataDirectory { get; }

    /// <summary>Whether the server process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>What s3rver printed (stdout and stderr) across every run.</summary>
    public string RecentOutput
    {
        get
        {
            lock (_output)
            {
                return string.Join(Environment.NewLine, _output.TakeLast(200));
            }
        }
    }

    /// <summary>Starts a server on a free loopback port with a fresh data folder and waits until it answers.</summary>
    public static async Task<RestartableS3rverServer> StartNewAsync(CancellationToken cancellationToken = default)
    {
        var node = FindOnPath("node") ?? throw new InvalidOperationException(
            $"node is not on PATH, so the S3 tests cannot start s3rver. Install Node.js 20 (Debian: apt-get install -y nodejs npm), then from {ServiceProcess.RepositoryRoot} run: {S3rverServer.InstallCommand}");
        if (!File.Exists(S3rverServer.ScriptPath))
        {
            throw new InvalidOperationException(
                $"s3rver is not installed ({S3rverServer.ScriptPath} is missing), so the S3 tests cannot run. From {ServiceProcess.RepositoryRoot} run: {S3rverServer.InstallCommand}");
        }

        if (!File.Exists(S3rverServer.SemanticsShimPath))
        {
            throw new InvalidOperationException($"The s3rver preload {S3rverServer.SemanticsShimPath} is missing from the repository.");
        }

        var server = new RestartableS3rverServer(node, ServiceProcess.FreeLoopbackPort(), TempDirectory.CreateUnique("s3rver"));
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts the server (again) on <see cref="Port"/> over <see cref="DataDirectory"/>; no-op when running.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            return;
        }

        _process?.Dispose();
        var psi = new ProcessStartInfo(_node)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = DataDirectory,
        };
        foreach (var arg in new[]
                 {
                     "-r", S3rverServer.SemanticsShimPath, S3rverServer.ScriptPath, "--address", "127.0.0.1",
                     "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--directory", DataDirectory, "--silent",
                 })
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider";
        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data is null ? null : "[stderr] " + e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {_node} {S3rverServer.ScriptPath}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var client = NewHttpClient();
        var stopwatch = Stopwatch.StartNew();
        var last = "no answer";
        while (stopwatch.Elapsed < ReadyTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"s3rver exited with code {process.ExitCode} on start (port {Port}).{Environment.NewLine}{RecentOutput}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(Url + "/"), cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"s3rver at {Url} did not answer within {ReadyTimeout} (last: {last}).{Environment.NewLine}{RecentOutput}");
    }

    /// <summary>Kills the server (like a crash) and keeps its data; later requests are refused. No-op when stopped.</summary>
    public Task StopAsync()
    {
        if (_process is { } process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Creates a bucket (anonymous PUT, which s3rver accepts) and returns its name.</summary>
    public async Task<string> CreateBucketAsync(string? name = null, CancellationToken cancellationToken = default)
    {
        name ??= "t" + Guid.NewGuid().ToString("N")[..20];
        using var client = NewHttpClient();
        using var response = await client.PutAsync(new Uri($"{Url}/{name}"), content: null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"s3rver did not create bucket '{name}': {(int)response.StatusCode}");
        }

        return name;
    }

    /// <summary>The Aspire-style connection string of a bucket here (what <c>ConnectionStrings__blobs</c> holds).</summary>
    public string ConnectionString(string bucket) =>
        $"Endpoint={Url};Bucket={bucket};Region=us-east-1;AccessKey={S3rverServer.AccessKey};SecretKey={S3rverServer.AccessKey};ForcePathStyle=true";

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _process?.Dispose();
        _process = null;
        TempDirectory.Delete(DataDirectory);
    }

    /// <inheritdoc />
    public override string ToString() => $"s3rver at {Url} ({(IsRunning ? "running" : "stopped")})";

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
            if (_output.Count > 400)
            {
                _output.RemoveRange(0, 200);
            }
        }
    }

    private static HttpClient NewHttpClient() => new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
