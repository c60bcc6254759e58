using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using ModMesh.TestSupport.Processes;

namespace ModMesh.TestSupport.Servers;

/// <summary>
/// A real s3rver (the npm package <c>s3rver@3.7.1</c>, an S3-compatible server over a folder) started as a node
/// process on 127.0.0.1 with a port of its own choosing and a fresh data folder. Dispose stops it and deletes the
/// folder. A missing node or s3rver fails loudly with the install command; it never skips.
/// </summary>
/// <remarks>
/// <para>
/// Run with <c>NODE_OPTIONS=--openssl-legacy-provider</c> (without it s3rver's ListObjectsV2 continuation tokens
/// answer 500 on node 17+). s3rver checks no signatures (any access key it knows, such as <see cref="AccessKey"/>,
/// is accepted) and accepts anonymous requests, which is how <see cref="CreateBucketAsync"/> makes buckets without
/// an S3 client.
/// </para>
/// <para>
/// s3rver 3.7.1 lacks two S3 behaviours the blob store relies on: its PUT writes the object file in place (a
/// concurrent GET can read a torn object, which the AWS SDK then rejects with an MD5 mismatch), and
/// AbortMultipartUpload answers 405. The preload <see cref="SemanticsShimPath"/> (<c>node -r</c>) restores exactly
/// those two: an atomic PUT (temporary file + rename, serialised per key) and the abort. Still missing, and not
/// relied on: ListMultipartUploads (501; see <see cref="PendingMultipartUploads"/>), binary key order inside a
/// listing page (s3rver walks folders: <c>a/b</c> before <c>a-b</c>), and conditional writes (<c>If-None-Match</c>).
/// </para>
/// </remarks>
public sealed partial class S3rverServer : IAsyncDisposable, IDisposable
{
    /// <summary>The package this fixture runs.</summary>
    public const string Package = "s3rver@3.7.1";

    /// <summary>The command (from the repository root) that installs it where this fixture looks.</summary>
    public const string InstallCommand = "npm install --prefix .tools " + Package;

    /// <summary>The access key and secret s3rver knows by default.</summary>
    public const string AccessKey = "S3RVER";

    private readonly Process _process;
    private readonly List<string> _output;
    private int _stopped;

    private S3rverServer(Process process, List<string> output, Uri endpoint, string dataDirectory)
    {
        _process = process;
        _output = output;
        Endpoint = endpoint;
        DataDirectory = dataDirectory;
    }

    /// <summary>"http://127.0.0.1:port/".</summary>
    public Uri Endpoint { get; }

    /// <summary>"http://127.0.0.1:port" (no trailing slash).</summary>
    public string Url => Endpoint.GetLeftPart(UriPartial.Authority);

    /// <summary>The folder s3rver keeps buckets and objects in.</summary>
    public string DataDirectory { get; }

    /// <summary>The node process id.</summary>
    public int Pid => _process.Id;

    /// <summary>Whether the process has exited (for example after <see cref="StopAsync"/>).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>What s3rver printed (stdout and stderr).</summary>
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

    /// <summary>Where the fixture expects s3rver's command-line script.</summary>
    public static string ScriptPath =>
        Path.Combine(ServiceProcess.RepositoryRoot, ".tools", "node_modules", "s3rver", "bin", "s3rver.js");

    /// <summary>The preload that gives s3rver S3's atomic PUT and AbortMultipartUpload (see the remarks).</summary>
    public static string SemanticsShimPath =>
        Path.Combine(ServiceProcess.RepositoryRoot, "scripts", "s3rver-s3-semantics.js");

    /// <summary>
    /// Starts s3rver and waits until it answers (default 20 s). Throws <see cref="InvalidOperationException"/> naming
    /// the install command when node or s3rver is missing.
    /// </summary>
    public static async Task<S3rverServer> StartAsync(TimeSpan? readyTimeout = null, CancellationToken cancellationToken = default)
    {
        string node = FindOnPath("node") ?? throw new InvalidOperationException(
            $"node is not on PATH, so the S3 tests cannot start s3rver. Install Node.js 20 (Debian: apt-get install -y nodejs npm), then from {ServiceProcess.RepositoryRoot} run: {InstallCommand}");
        string script = ScriptPath;
        if (!File.Exists(script))
        {
            throw new InvalidOperationException(
                $"s3rver is not installed ({script} is missing), so the S3 tests cannot run. From {ServiceProcess.RepositoryRoot} run: {InstallCommand}");
        }

        string shim = SemanticsShimPath;
        if (!File.Exists(shim))
        {
            throw new InvalidOperationException($"The s3rver preload {shim} is missing from the repository.");
        }

        string data = TempDirectory.CreateUnique("s3rver");
        var psi = new ProcessStartInfo(node)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = data,
        };
        foreach (string arg in new[] { "-r", shim, script, "--address", "127.0.0.1", "--port", "0", "--directory", data, "--silent" })
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider";

        var output = new List<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.Add(e.Data);
            }

            if (ListeningLine().Match(e.Data) is { Success: true } m)
            {
                listening.TrySetResult(new Uri($"http://127.0.0.1:{m.Groups[1].Value}/"));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.Add("[stderr] " + e.Data);
                }
            }
        };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("s3rver exited before it listened."));

        if (!process.Start())
        {
            TempDirectory.Delete(data);
            throw new InvalidOperationException($"Could not start {node} {script}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var timeout = readyTimeout ?? TimeSpan.FromSeconds(20);
        S3rverServer? server = null;
        try
        {
            var endpoint = await listening.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            server = new S3rverServer(process, output, endpoint, data);
            await server.WaitAnsweringAsync(timeout, cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or HttpRequestException)
        {
            string text;
            lock (output)
            {
                text = string.Join(Environment.NewLine, output);
            }

            Stop(process);
            process.Dispose();
            TempDirectory.Delete(data);
            throw new InvalidOperationException(
                $"s3rver ({script}) did not start answering within {timeout.TotalSeconds:F0} s: {ex.Message}{Environment.NewLine}--- output ---{Environment.NewLine}{text}", ex);
        }
    }

    /// <summary>Creates a bucket (a unique name when none is given) and returns its name.</summary>
    public async Task<string> CreateBucketAsync(string? name = null, CancellationToken cancellationToken = default)
    {
        name ??= "t" + Guid.NewGuid().ToString("N")[..20];
        using var client = NewHttpClient();
        using var response = await client.PutAsync(new Uri(Endpoint, name), content: null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException(
                $"s3rver did not create bucket '{name}': {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }

        return name;
    }

    /// <summary>
    /// The Aspire-style connection string of a bucket here (what <c>ConnectionStrings__blobs</c> holds), optionally
    /// with a key prefix.
    /// </summary>
    public string ConnectionString(string bucket, string? prefix = null) =>
        $"Endpoint={Url};Bucket={bucket};Region=us-east-1;AccessKey={AccessKey};SecretKey={AccessKey};ForcePathStyle=true" +
        (string.IsNullOrEmpty(prefix) ? "" : $";Prefix={prefix}");

    /// <summary>
    /// The multipart uploads of <paramref name="bucket"/> that were initiated and neither completed nor aborted (what
    /// ListMultipartUploads would list), read from s3rver's data folder: s3rver does not implement ListMultipartUploads.
    /// </summary>
    public IReadOnlyList<string> PendingMultipartUploads(string bucket)
    {
        string uploads = Path.Combine(DataDirectory, bucket, "._S3rver_uploads");
        return Directory.Exists(uploads)
            ? Directory.GetDirectories(uploads).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray()
            : [];
    }

    /// <summary>Stops the server (kills the process) but keeps its data folder; later requests are refused.</summary>
    public Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            Stop(_process);
        }

        return Task.CompletedTask;
    }

    /// <summary>Stops the server and deletes its data folder.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _process.Dispose();
        TempDirectory.Delete(DataDirectory);
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override string ToString() => $"s3rver pid {Pid} at {Url}";

    private async Task WaitAnsweringAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var client = NewHttpClient();
        var stopwatch = Stopwatch.StartNew();
        string last = "no answer";
        while (stopwatch.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"s3rver exited with code {_process.ExitCode}.");
            }

            try
            {
                using var response = await client.GetAsync(Endpoint, cancellationToken).ConfigureAwait(false);
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

        throw new TimeoutException($"s3rver at {Url} did not answer GET / (last: {last}).");
    }

    private static HttpClient NewHttpClient() =>
        new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

    private static void Stop(Process process)
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

    private static string? FindOnPath(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    [GeneratedRegex(@"S3rver listening on [^:\s]+:(\d+)")]
    private static partial Regex ListeningLine();
}
