using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ModMesh.TestSupport.Servers;

/// <summary>
/// A real <c>redis-server</c> (Debian's, on PATH) on a free loopback port, without persistence
/// (<c>--save '' --appendonly no</c>), ready once it answers PING. <see cref="Stop"/> kills it (like a crash) and
/// <see cref="Start"/> brings it back on the same port, empty, for outage tests. Dispose kills it. A missing binary
/// throws, naming the package to install: tests never skip for want of it. With a password the server runs with
/// <c>--requirepass</c> (as deployed) and <see cref="ConnectionString"/> carries it.
/// </summary>
public sealed class RedisServer : IDisposable, IAsyncDisposable
{
    /// <summary>How long <see cref="Start"/> waits for PONG.</summary>
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(15);

    private readonly string _executable;
    private readonly string _directory;
    private readonly Queue<string> _output = new();
    private readonly Lock _gate = new();
    private Process? _process;

    /// <summary>
    /// Starts a server on a free loopback port and waits until it answers PING. With <paramref name="password"/>
    /// (letters and digits only: it goes into a connection string) clients must AUTH with it.
    /// </summary>
    public RedisServer(string? password = null)
    {
        if (password is not null && (password.Length == 0 || !password.All(char.IsAsciiLetterOrDigit)))
        {
            throw new ArgumentException("The test password must be ASCII letters and digits.", nameof(password));
        }

        Password = password;
        _executable = FindExecutable();
        _directory = TempDirectory.CreateUnique("redis");
        Port = FreeLoopbackPort();
        Start();
    }

    /// <summary>The port, the same across <see cref="Stop"/>/<see cref="Start"/>.</summary>
    public int Port { get; }

    /// <summary>The password clients must give, or <c>null</c> for an open server.</summary>
    public string? Password { get; }

    /// <summary>
    /// "127.0.0.1:port,abortConnect=false" (plus ",password=..." when the server has one): the Aspire-style
    /// <c>ConnectionStrings:redis</c> value.
    /// </summary>
    public string ConnectionString => Password is null ? AnonymousConnectionString : $"{AnonymousConnectionString},password={Password}";

    /// <summary>The connection string without the password (what a client that does not know it would use).</summary>
    public string AnonymousConnectionString => $"127.0.0.1:{Port},abortConnect=false";

    /// <summary>Makes a fresh random password for <see cref="RedisServer(string?)"/>.</summary>
    public static string NewPassword() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

    /// <summary>Whether the server process is running.</summary>
    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _process is { HasExited: false };
            }
        }
    }

    /// <summary>The last lines the server wrote.</summary>
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

    /// <summary>Starts the server (again) on <see cref="Port"/>, empty, and waits for PONG. No-op when running.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_process is { HasExited: false })
            {
                return;
            }

            _process?.Dispose();
            var psi = new ProcessStartInfo(_executable)
            {
                WorkingDirectory = _directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
                     {
                         "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                         "--save", "", "--appendonly", "no", "--dir", _directory, "--daemonize", "no",
                     })
            {
                psi.ArgumentList.Add(arg);
            }

            if (Password is not null)
            {
                psi.ArgumentList.Add("--requirepass");
                psi.ArgumentList.Add(Password);
            }

            var process = new Process { StartInfo = psi };
            process.OutputDataReceived += (_, e) => Remember(e.Data);
            process.ErrorDataReceived += (_, e) => Remember(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _process = process;
        }

        WaitForPong();
    }

    /// <summary>Kills the server (SIGKILL, like a crash) and waits until it is gone. No-op when not running.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            if (_process is null)
            {
                return;
            }

            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true); // SIGKILL is delivered to a stopped process too.
                }

                _process.WaitForExit(10_000);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            _process.Dispose();
            _process = null;
        }
    }

    /// <summary>
    /// Freezes the server (SIGSTOP): connections stay open but nothing answers, like a hung server or a silent network
    /// partition. <see cref="Resume"/> (or <see cref="Stop"/>, or dispose) ends it.
    /// </summary>
    public void Pause() => Signal("-STOP");

    /// <summary>Lets a paused server run again (SIGCONT).</summary>
    public void Resume() => Signal("-CONT");

    /// <inheritdoc />
    public void Dispose()
    {
        Stop();
        TempDirectory.Delete(_directory);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void Signal(string signal)
    {
        int pid;
        lock (_gate)
        {
            if (_process is not { HasExited: false })
            {
                throw new InvalidOperationException("redis-server is not running.");
            }

            pid = _process.Id;
        }

        using var kill = Process.Start(new ProcessStartInfo("kill", [signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("Could not run kill.");
        kill.WaitForExit(10_000);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill {signal} {pid} failed with exit code {kill.ExitCode}.");
        }
    }

    private void WaitForPong()
    {
        var deadline = Stopwatch.StartNew();
        Exception? last = null;
        while (deadline.Elapsed < ReadyTimeout)
        {
            if (!IsRunning)
            {
                throw new InvalidOperationException($"redis-server exited on start (port {Port}). Output:\n{RecentOutput}");
            }

            try
            {
                if (Ping())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                last = ex;
            }

            Thread.Sleep(50);
        }

        throw new TimeoutException($"redis-server on port {Port} did not answer PING within {ReadyTimeout} ({last?.Message}). Output:\n{RecentOutput}");
    }

    private bool Ping()
    {
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, Port);
        client.ReceiveTimeout = 2000;
        using var stream = client.GetStream();
        stream.Write(Encoding.ASCII.GetBytes(Password is null ? "PING\r\n" : $"AUTH {Password}\r\nPING\r\n"));
        var buffer = new byte[128];
        var answer = new StringBuilder();
        while (true)
        {
            int read = stream.Read(buffer, 0, buffer.Length);
            if (read == 0)
            {
                return false;
            }

            answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
            string text = answer.ToString();
            if (text.Contains("+PONG", StringComparison.Ordinal))
            {
                return true;
            }

            if (text.StartsWith('-') || text.Contains("\r\n-", StringComparison.Ordinal))
            {
                return false; // LOADING, or a refused AUTH
            }
        }
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

    private static string FindExecutable()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin").Append("/usr/local/bin"))
        {
            var candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "redis-server was not found on PATH; the Redis tests need a real server. Install it: apt-get install -y redis-server");
    }

    // Below the ephemeral range, so a restart on the same port finds it free (see ServiceProcess.FreeLoopbackPort).
    private static int FreeLoopbackPort() => Processes.ServiceProcess.FreeLoopbackPort();
}
