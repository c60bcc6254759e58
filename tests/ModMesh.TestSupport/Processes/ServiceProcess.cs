using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace ModMesh.TestSupport.Processes;

/// <summary>
/// A built ModMesh service (CacheNode, Gateway, Fetcher) started as a real OS process with <c>dotnet &lt;dll&gt;</c>,
/// listening on a free loopback port, ready once GET /health/ready answers 200. Its stdout/stderr go to a ring
/// buffer for diagnostics; dispose stops the whole process tree.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable, IDisposable
{
    /// <summary>The service projects: folder and assembly name.</summary>
    public static class Services
    {
        public const string CacheNode = "CacheNode/ModMesh.CacheNode";
        public const string Gateway = "Gateway/ModMesh.Gateway";
        public const string Fetcher = "Fetcher/Worker/ModMesh.Fetcher.Worker";
    }

    private readonly Process _process;
    private readonly RingBuffer _output;

    private ServiceProcess(string name, Process process, RingBuffer output, Uri baseAddress)
    {
        Name = name;
        _process = process;
        _output = output;
        BaseAddress = baseAddress;
    }

    /// <summary>The proxy every service process gets by default: a closed loopback port (see <see cref="StartAsync"/>).</summary>
    public const string OutboundGuardProxy = "http://127.0.0.1:9";

    public string Name { get; }

    public int Pid => _process.Id;

    /// <summary>"http://127.0.0.1:port/".</summary>
    public Uri BaseAddress { get; }

    /// <summary>"http://127.0.0.1:port" (no trailing slash): what GOPROXY and ModMesh's own settings want.</summary>
    public string Url => BaseAddress.GetLeftPart(UriPartial.Authority);

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the process wrote (stdout and stderr interleaved).</summary>
    public string RecentOutput => _output.ToString();

    /// <summary>The build configuration this test assembly was built with ("Debug"/"Release").</summary>
    public static string Configuration =>
        typeof(ServiceProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } c ? c : "Debug";

    /// <summary>The folder holding ModMesh.sln, found by walking up from the test assembly.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Path of a service's built dll, e.g. <c>Dll(Services.CacheNode)</c>.</summary>
    public static string Dll(string service)
    {
        // "Folder/Sub/Assembly": the project folder is everything before the last '/'.
        var slash = service.LastIndexOf('/');
        var folder = service[..slash];
        var assembly = service[(slash + 1)..];
        return Path.Combine([RepositoryRoot, .. folder.Split('/'), "bin", Configuration, "net10.0", assembly + ".dll"]);
    }

    /// <summary>
    /// Starts <paramref name="service"/> (see <see cref="Services"/>) with <paramref name="environment"/> on a free
    /// loopback port and waits for /health/ready (default 30 s). Throws with the process output when it does not get ready.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(
        string service,
        IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? readyTimeout = null,
        int? port = null,
        CancellationToken cancellationToken = default)
    {
        var dll = Dll(service);
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException(
                $"{Path.GetFileName(dll)} is not built ({dll}). Build first: dotnet build {Path.Combine(RepositoryRoot, "ModMesh.sln")} -c {Configuration}", dll);
        }

        var name = Path.GetFileNameWithoutExtension(dll);
        port ??= FreeLoopbackPort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var psi = new ProcessStartInfo(DotnetHost(), [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // No inherited proxy or go settings; a predictable, production-like host.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) ||
                     k.StartsWith("DOTNET_", StringComparison.Ordinal) || k.StartsWith("ModMesh", StringComparison.Ordinal) ||
                     k.StartsWith("Gateway", StringComparison.Ordinal) || k.StartsWith("OTEL_", StringComparison.Ordinal) ||
                     k.EndsWith("_proxy", StringComparison.OrdinalIgnoreCase) || k.StartsWith("GO", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        psi.Environment["ASPNETCORE_URLS"] = baseAddress.GetLeftPart(UriPartial.Authority);
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["Logging__Console__FormatterName"] = "simple";
        // Outbound guard: anything the service would send off the machine goes to a closed loopback port instead
        // (loopback destinations bypass it). A test that sets its own proxy variables overrides this.
        psi.Environment["HTTP_PROXY"] = OutboundGuardProxy;
        psi.Environment["HTTPS_PROXY"] = OutboundGuardProxy;
        psi.Environment["NO_PROXY"] = "127.0.0.1,localhost,::1";
        // No graceful-drain delay (5 s in Production) unless a test asks for one: stopping a test's service is instant.
        psi.Environment["Drain__Delay"] = "00:00:00";
        // Test upstreams have no entry in the public checksum database: verification is off unless a test asks.
        psi.Environment["ModMesh__Sumdb"] = "off";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }

        var output = new RingBuffer(400);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { output.Add(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.Add("[stderr] " + e.Data); } };
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {name}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var started = new ServiceProcess(name, process, output, baseAddress);
        try
        {
            await started.WaitReadyAsync(readyTimeout ?? TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await started.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return started;
    }

    /// <summary>Waits until GET /health/ready answers 200.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var stopwatch = Stopwatch.StartNew();
        var last = "no answer";
        while (stopwatch.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                // Let the output readers drain.
                _process.WaitForExit();
                throw new InvalidOperationException(
                    $"{Name} exited with code {_process.ExitCode} before it was ready.{Environment.NewLine}--- output ---{Environment.NewLine}{RecentOutput}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(BaseAddress, "health/ready"), cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = "timed out";
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException(
            $"{Name} (pid {Pid}) was not ready at {BaseAddress}health/ready after {timeout.TotalSeconds:F0} s (last: {last}).{Environment.NewLine}--- output ---{Environment.NewLine}{RecentOutput}");
    }

    /// <summary>Kills the process (and its children) at once, like a crash.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>
    /// SIGSTOP: the process stops running but its listening socket still accepts connections (the kernel completes the
    /// handshakes), so callers see a grey failure: connected, never answered. <see cref="Thaw"/> resumes it.
    /// </summary>
    public void Freeze() => Signal(SigStop);

    /// <summary>SIGCONT: resumes a process stopped by <see cref="Freeze"/>.</summary>
    public void Thaw() => Signal(SigCont);

    private void Signal(int signal)
    {
        if (OperatingSystem.IsWindows() || _process.HasExited || SysKill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"could not send signal {signal} to {this}");
        }
    }

    /// <summary>
    /// Stops the process the way an orchestrator does: SIGTERM, then SIGKILL (whole tree) if it has not exited
    /// within <paramref name="grace"/>. Returns true when it exited on its own.
    /// </summary>
    public async Task<bool> StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return true;
        }

        if (!OperatingSystem.IsWindows() && SysKill(_process.Id, SigTerm) == 0)
        {
            SysKill(_process.Id, SigCont); // a frozen process cannot act on SIGTERM until it runs again
            using var cts = new CancellationTokenSource(grace);
            try
            {
                await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException)
            {
                // Fall through to the hard kill.
            }
        }

        Kill();
        return false;
    }

    /// <summary>Stops the process (SIGTERM, SIGKILL after 5 s) and releases it.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        Kill(); // children, if any survived
        _process.Dispose();
    }

    private const int SigTerm = 15;
    private const int SigStop = 19;
    private const int SigCont = 18;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public override string ToString() => $"{Name} pid {Pid} at {BaseAddress}";

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> HandedOut = new();

    /// <summary>
    /// A free TCP port on 127.0.0.1 for a service to listen on, chosen at random below the kernel's ephemeral range
    /// (32768-60999) and never one this test process handed out before. Below that range neither another socket's
    /// bind to port 0 nor an outgoing connection's local port can take it between this check and the service's bind,
    /// or while a killed node is down before its restart on the same port (a port from bind(0) could be taken by any
    /// client connection in that window); and test classes running in parallel are never told the same port.
    /// </summary>
    public static int FreeLoopbackPort()
    {
        while (true)
        {
            var port = Random.Shared.Next(20000, 32768);
            if (!HandedOut.TryAdd(port, true))
            {
                continue;
            }

            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                listener.Stop();
                return port;
            }
            catch (SocketException)
            {
                // In use by someone else: try another.
            }
        }
    }

    private static string DotnetHost()
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        var main = Environment.ProcessPath;
        if (main is not null && Path.GetFileNameWithoutExtension(main) == "dotnet")
        {
            return main;
        }

        return "dotnet";
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModMesh.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"ModMesh.sln not found above {AppContext.BaseDirectory}.");
    }

    private sealed class RingBuffer(int capacity)
    {
        private readonly Queue<string> _lines = new();

        public void Add(string line)
        {
            lock (_lines)
            {
                _lines.Enqueue(line);
                while (_lines.Count > capacity)
                {
                    _lines.Dequeue();
                }
            }
        }

        public override string ToString()
        {
            lock (_lines)
            {
                return string.Join(Environment.NewLine, _lines);
            }
        }
    }
}
