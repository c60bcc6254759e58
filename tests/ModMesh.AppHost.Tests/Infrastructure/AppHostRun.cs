using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using ModMesh.TestSupport.Processes;
using Xunit.Abstractions;

namespace ModMesh.AppHost.Tests.Infrastructure;

/// <summary>
/// The real AppHost (AppHost/Program.cs, the README's <c>dotnet run --project AppHost</c>) started in-process by
/// Aspire's <see cref="DistributedApplicationTestingBuilder"/> with command-line configuration, DCP starting every
/// resource as a real OS process. Records the processes it started so a test can prove that disposing stops them.
/// </summary>
internal sealed class AppHostRun : IAsyncDisposable
{
    /// <summary>
    /// An environment variable the test adds to every resource (nothing in ModMesh reads it): DCP detaches the
    /// processes it starts (their parent becomes init), so they are found by this mark in /proc/*/environ.
    /// </summary>
    public const string RunMarkVariable = "MODMESH_APPHOST_TEST_RUN";

    private readonly string _runMark;

    private readonly ITestOutputHelper _output;
    private readonly Stopwatch _sinceStart;
    private readonly Dictionary<int, ProcessInfo> _started = [];
    private bool _disposed;

    private AppHostRun(DistributedApplication app, CapturingLoggerProvider logs, ITestOutputHelper output, Stopwatch sinceStart, string runMark)
    {
        _runMark = runMark;
        App = app;
        Logs = logs;
        _output = output;
        _sinceStart = sinceStart;
    }

    public DistributedApplication App { get; }

    public CapturingLoggerProvider Logs { get; }

    public ResourceNotificationService Notifications => App.Services.GetRequiredService<ResourceNotificationService>();

    /// <summary>Time since <see cref="StartAsync"/> was called.</summary>
    public TimeSpan Elapsed => _sinceStart.Elapsed;

    /// <summary>
    /// Builds the AppHost with <paramref name="args"/> (exactly what follows <c>--</c> in
    /// <c>dotnet run --project AppHost -- …</c>) and starts it. The dashboard is off, as the testing builder has it by default.
    /// </summary>
    public static async Task<AppHostRun> StartAsync(string[] args, ITestOutputHelper output, CancellationToken cancellationToken)
    {
        var sinceStart = Stopwatch.StartNew();
        var logs = new CapturingLoggerProvider();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ModMesh_AppHost>(
            args,
            (options, _) =>
            {
                options.DisableDashboard = true;
                options.EnableResourceLogging = true;
            },
            cancellationToken);
        // The AppHost's, DCP's and every resource's log lines go to a buffer for assertion messages (not to the console).
        builder.Services.AddLogging(logging =>
        {
            logging.ClearProviders();
            logging.AddProvider(logs);
        });
        // Every resource gets this run's mark (DCP detaches the processes it starts; the mark finds them). The OTLP
        // settings Aspire gives the services stay as they are: with the dashboard disabled nothing listens on
        // OTEL_EXPORTER_OTLP_ENDPOINT, and the services must still stop on SIGTERM within DCP's grace period.
        var runMark = Guid.NewGuid().ToString("N");
        foreach (var resource in builder.Resources.OfType<IResourceWithEnvironment>().ToList())
        {
            builder.CreateResourceBuilder(resource)
                .WithEnvironment(RunMarkVariable, runMark);
        }

        var app = await builder.BuildAsync(cancellationToken);
        var run = new AppHostRun(app, logs, output, sinceStart, runMark);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }

        output.WriteLine($"[{run.Elapsed.TotalSeconds,6:F1} s] AppHost started (DCP running, resources starting)");
        return run;
    }

    /// <summary>
    /// Waits until every resource in <paramref name="healthy"/> reports Healthy (its /health/ready check passes) and
    /// every one in <paramref name="running"/> (executables with no health check) is Running. Fails at once, with the
    /// logs, when one of them ends in a terminal state (FailedToStart, Exited…), and after <paramref name="timeout"/>.
    /// </summary>
    public async Task WaitForResourcesAsync(IEnumerable<string> healthy, IEnumerable<string> running, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        var waits = healthy.Select(name => WaitForAsync(name, s => s.HealthStatus == HealthStatus.Healthy, "Healthy", cts.Token))
            .Concat(running.Select(name => WaitForAsync(name, s => s.State?.Text == KnownResourceStates.Running, KnownResourceStates.Running, cts.Token)))
            .ToList();
        try
        {
            await Task.WhenAll(waits);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Resources not ready after {timeout.TotalSeconds:F0} s.{Environment.NewLine}{Diagnostics()}");
        }
    }

    private async Task WaitForAsync(string name, Func<CustomResourceSnapshot, bool> ready, string what, CancellationToken cancellationToken)
    {
        var resourceEvent = await Notifications.WaitForResourceAsync(
            name,
            e => ready(e.Snapshot) || (e.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state)),
            cancellationToken);
        if (!ready(resourceEvent.Snapshot))
        {
            throw new InvalidOperationException($"Resource '{name}' ended in state '{resourceEvent.Snapshot.State?.Text}' instead of becoming {what}.{Environment.NewLine}{Diagnostics()}");
        }

        _output.WriteLine($"[{Elapsed.TotalSeconds,6:F1} s] {name}: {what}");
    }

    /// <summary>The URL of a resource's endpoint, with "localhost" pinned to 127.0.0.1 (tests use IPv4 loopback only).</summary>
    public Uri Endpoint(string resource, string endpoint = "http")
    {
        var uri = App.GetEndpoint(resource, endpoint);
        return uri.Host == "localhost" ? new UriBuilder(uri) { Host = "127.0.0.1" }.Uri : uri;
    }

    /// <summary>
    /// Records the processes this AppHost started: those carrying this run's mark (every resource and its children,
    /// e.g. the service under <c>dotnet run</c>), DCP itself (<c>dcp … --monitor {this process}</c>) and its
    /// children, and the process ids the resources report. Call once everything is up.
    /// </summary>
    public IReadOnlyCollection<ProcessInfo> RecordProcesses()
    {
        foreach (var process in ProcessTree.WithEnvironment(RunMarkVariable, _runMark))
        {
            _started[process.Pid] = process;
        }

        var monitor = $"--monitor {Environment.ProcessId} ";
        foreach (var dcp in ProcessTree.Snapshot().Values.Where(p => (p.CommandLine + " ").Contains(monitor, StringComparison.Ordinal)))
        {
            _started[dcp.Pid] = dcp;
            foreach (var child in ProcessTree.Descendants(dcp.Pid))
            {
                _started[child.Pid] = child;
            }
        }

        foreach (var resource in App.Services.GetRequiredService<DistributedApplicationModel>().Resources)
        {
            if (Notifications.TryGetCurrentState(resource.Name, out var resourceEvent))
            {
                foreach (var property in resourceEvent.Snapshot.Properties.Where(p => p.Name.EndsWith(".pid", StringComparison.Ordinal)))
                {
                    if (int.TryParse(property.Value?.ToString(), out var pid) && ProcessTree.Read(pid) is { } info)
                    {
                        _started[pid] = info;
                    }
                }
            }
        }

        return _started.Values.OrderBy(p => p.Pid).ToList();
    }

    /// <summary>The state of every resource and the last log lines, for assertion messages.</summary>
    public string Diagnostics(int logLines = 200)
    {
        var text = new StringBuilder();
        text.AppendLine("--- resources ---");
        foreach (var resource in App.Services.GetRequiredService<DistributedApplicationModel>().Resources)
        {
            if (Notifications.TryGetCurrentState(resource.Name, out var e))
            {
                text.AppendLine($"{resource.Name}: state={e.Snapshot.State?.Text} health={e.Snapshot.HealthStatus?.ToString() ?? "-"} exit={e.Snapshot.ExitCode?.ToString() ?? "-"} urls={string.Join(' ', e.Snapshot.Urls.Select(u => u.Url))}");
            }
        }

        text.AppendLine("--- AppHost and resource logs (tail) ---");
        text.AppendLine(Logs.Tail(logLines));
        return text.ToString();
    }

    /// <summary>
    /// Disposes the app (stops every resource) and returns the recorded processes still alive
    /// <paramref name="grace"/> later (empty when the AppHost stopped everything it started).
    /// </summary>
    public async Task<IReadOnlyList<ProcessInfo>> DisposeAndFindSurvivorsAsync(TimeSpan grace)
    {
        var stopwatch = Stopwatch.StartNew();
        await DisposeAsync();
        var disposed = stopwatch.Elapsed;
        var aliveAtReturn = Survivors();
        List<ProcessInfo> alive;
        while ((alive = Survivors()).Count > 0 && stopwatch.Elapsed < disposed + grace)
        {
            await Task.Delay(200);
        }

        _output.WriteLine($"AppHost disposed in {disposed.TotalSeconds:F1} s; {_started.Count - alive.Count} of {_started.Count} recorded processes gone {(stopwatch.Elapsed - disposed).TotalSeconds:F1} s later");
        if (aliveAtReturn.Count > 0)
        {
            _output.WriteLine($"  still running when DisposeAsync returned:{Environment.NewLine}    {string.Join(Environment.NewLine + "    ", aliveAtReturn)}");
        }
        return alive;
    }

    /// <summary>Disposes after a failed assertion without hiding it: a failure to stop is only written to the output.</summary>
    public async Task DisposeAfterFailureAsync(ITestOutputHelper output)
    {
        try
        {
            await DisposeAsync();
        }
        catch (Exception e)
        {
            output.WriteLine($"disposing the AppHost after a failure failed too: {e}");
        }
    }

    /// <summary>Recorded processes still alive, and any process still carrying this run's mark (one started later).</summary>
    private List<ProcessInfo> Survivors() =>
        _started.Values.Where(ProcessTree.IsAlive)
            .Concat(ProcessTree.WithEnvironment(RunMarkVariable, _runMark).Where(p => p.State is not ('Z' or 'X')))
            .DistinctBy(p => p.Pid)
            .ToList();

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        // Bounded: a hung stop must fail the test, not the whole run.
        await App.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>A free loopback port for a setting such as ModMesh:GatewayPort.</summary>
    public static int FreePort() => ServiceProcess.FreeLoopbackPort();
}
