using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using ModMesh.TestSupport.Processes;

namespace ModMesh.TestSupport.Servers;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c> package, installed by scripts/test.sh) on a free loopback port with
/// its own storage in a temporary folder and a configuration written by the test. Never the system's instance: no
/// systemd unit, no default port, no /var/lib/prometheus. Its HTTP API (v1) answers the test's queries.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly Queue<string> _output = new();
    private readonly HttpClient _client;

    private PrometheusServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Url = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        _client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(30) };
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
    }

    /// <summary>Where the HTTP API and UI answer.</summary>
    public Uri Url { get; }

    /// <summary>The last lines Prometheus logged, for assertion messages.</summary>
    public string RecentOutput
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>The <c>prometheus</c> executable, or an error that says how to install it (nothing skips).</summary>
    public static string Executable(string name = "prometheus")
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin"))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"{name} is not installed: apt-get install -y prometheus (scripts/test.sh installs it).");
    }

    /// <summary>
    /// Writes <paramref name="configuration"/> (prometheus.yml; "{dir}" is replaced by the server's own folder, where
    /// <paramref name="files"/> are written too) and starts Prometheus; returns once <c>/-/ready</c> answers 200.
    /// </summary>
    public static async Task<PrometheusServer> StartAsync(string configuration, IReadOnlyDictionary<string, string>? files = null, TimeSpan? readyTimeout = null)
    {
        var directory = TempDirectory.CreateUnique("prometheus");
        foreach (var (name, content) in files ?? new Dictionary<string, string>())
        {
            await File.WriteAllTextAsync(Path.Combine(directory, name), content);
        }

        var configFile = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(configFile, configuration.Replace("{dir}", directory, StringComparison.Ordinal));
        var port = ServiceProcess.FreeLoopbackPort();
        var psi = new ProcessStartInfo(Executable())
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
                 {
                     $"--config.file={configFile}", $"--storage.tsdb.path={Path.Combine(directory, "data")}",
                     $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
                     "--storage.tsdb.retention.time=1h", "--log.level=info",
                 })
        {
            psi.ArgumentList.Add(arg);
        }

        var server = new PrometheusServer(new Process { StartInfo = psi }, directory, port);
        server._process.Start();
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        var timeout = readyTimeout ?? TimeSpan.FromSeconds(60);
        while (true)
        {
            if (server._process.HasExited)
            {
                var (code, output) = (server._process.ExitCode, server.RecentOutput);
                await server.DisposeAsync();
                throw new InvalidOperationException($"prometheus exited with {code}:\n{output}");
            }

            try
            {
                using var ready = await server._client.GetAsync("-/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            if (deadline.Elapsed > timeout)
            {
                var output = server.RecentOutput;
                await server.DisposeAsync();
                throw new TimeoutException($"prometheus was not ready within {timeout}:\n{output}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>GET <c>/api/v1/{path}</c>: the "data" element of a successful answer; throws with Prometheus' error otherwise.</summary>
    public async Task<JsonElement> ApiAsync(string path, CancellationToken cancellationToken = default)
    {
        using var response = await _client.GetAsync("api/v1/" + path, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        if (!response.IsSuccessStatusCode || body.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"GET api/v1/{path} answered {(int)response.StatusCode}: {body}");
        }

        return body.GetProperty("data").Clone();
    }

    /// <summary>An instant query: the result vector's samples (empty when nothing matches).</summary>
    public async Task<JsonElement[]> QueryAsync(string promQl, CancellationToken cancellationToken = default)
    {
        var data = await ApiAsync("query?query=" + Uri.EscapeDataString(promQl), cancellationToken);
        return data.GetProperty("result").ValueKind == JsonValueKind.Array ? [.. data.GetProperty("result").EnumerateArray()] : [data.GetProperty("result")];
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already gone
        }

        _process.Dispose();
        TempDirectory.Delete(_directory);
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > 200)
            {
                _output.Dequeue();
            }
        }
    }
}
