using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModMesh.ServiceDefaults.Draining;

namespace ModMesh.Discovery.Consul;

/// <summary>
/// Registers this service with the Consul agent once the server listens (address and port from
/// <see cref="IServerAddressesFeature"/>), with an HTTP check of its readiness endpoint; retries in the background
/// while the agent is unreachable (the service runs on meanwhile). Deregisters at the draining moment (as an
/// <see cref="IDrainParticipant"/> when the service defaults' graceful drain runs; otherwise when the host starts
/// stopping), before the server stops accepting requests, so watchers stop sending traffic while in-flight requests
/// finish.
/// </summary>
internal sealed partial class ConsulRegistrationService(
    IConsulAgentClient consul,
    IServer server,
    IHostApplicationLifetime lifetime,
    IOptions<ConsulRegistrationOptions> options,
    TimeProvider time,
    ILogger<ConsulRegistrationService> logger) : IHostedLifecycleService, IDrainParticipant, IDisposable
{
    private readonly ConsulRegistrationOptions _options = options.Value;
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _gate = new();
    private Task _registration = Task.CompletedTask;
    private string? _registeredId;
    private bool _deregistered;

    /// <summary>The registration sent (or being sent); null until the server listens.</summary>
    internal ConsulServiceRegistration? Registration { get; private set; }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        // Hosted services start before the server binds; the addresses are known once the application started.
        _registration = RegisterWhenStartedAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    /// <summary>The draining moment: readiness fails, the server still serves for the drain delay.</summary>
    public Task DrainStartedAsync(CancellationToken cancellationToken) => DeregisterAsync(cancellationToken);

    /// <summary>Without a drain (or if it did not run): the host is stopping, the server still serves what is in flight.</summary>
    public Task StoppingAsync(CancellationToken cancellationToken) => DeregisterAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => DeregisterAsync(cancellationToken);

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _stopping.Dispose();

    /// <summary>Stops retrying and removes the registration (once). Safe to call more than once.</summary>
    public async Task DeregisterAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _registration.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        string? id;
        lock (_gate)
        {
            if (_deregistered || _registeredId is null)
            {
                return;
            }

            _deregistered = true;
            id = _registeredId;
        }

        try
        {
            await consul.DeregisterServiceAsync(id, cancellationToken).ConfigureAwait(false);
            Log.Deregistered(logger, id);
        }
        catch (Exception e) when (e is HttpRequestException or ConsulException or OperationCanceledException)
        {
            // The check turns critical once this process is gone and Consul removes the instance after
            // DeregisterCriticalServiceAfter.
            Log.DeregistrationFailed(logger, id, e);
        }
    }

    private async Task RegisterWhenStartedAsync(CancellationToken stopping)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stopping.Register(() => started.TrySetCanceled(stopping)))
        {
            await started.Task.ConfigureAwait(false);
        }

        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var registration = BuildRegistration(_options, addresses, Environment.MachineName);
        if (registration is null)
        {
            Log.NoServerAddress(logger, string.Join(", ", addresses));
            return;
        }

        Registration = registration;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await consul.RegisterServiceAsync(registration, stopping).ConfigureAwait(false);
                lock (_gate)
                {
                    _registeredId = registration.ID;
                }

                Log.Registered(logger, registration.Name, registration.ID!, registration.Address ?? "(agent node address)", registration.Port ?? 0, registration.Check?.HTTP ?? "");
                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or ConsulException or OperationCanceledException)
            {
                var factor = Math.Pow(2, Math.Min(attempt - 1, 16));
                var delay = TimeSpan.FromTicks((long)Math.Min(_options.RetryDelay.Ticks * factor, _options.MaxRetryDelay.Ticks));
                Log.RegistrationFailed(logger, registration.ID!, attempt, delay.TotalSeconds, e);
                await Task.Delay(delay, time, stopping).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The registration for the first http (else https) listening address: id "{name}-{host}-{port}", an HTTP check
    /// of the readiness path. Null when the server reports no usable address.
    /// </summary>
    internal static ConsulServiceRegistration? BuildRegistration(ConsulRegistrationOptions options, ICollection<string> addresses, string hostName)
    {
        var listening = addresses
            .Select(a => Uri.TryCreate(a.Replace("://+:", "://0.0.0.0:").Replace("://*:", "://0.0.0.0:"), UriKind.Absolute, out var u) ? u : null)
            .OfType<Uri>()
            .Where(u => u.Scheme is "http" or "https")
            .OrderBy(u => u.Scheme == "http" ? 0 : 1)
            .FirstOrDefault();
        if (listening is null)
        {
            return null;
        }

        var port = options.ServicePort ?? listening.Port;
        var wildcard = listening.Host is "0.0.0.0" or "[::]" or "::";
        var address = !string.IsNullOrWhiteSpace(options.ServiceAddress) ? options.ServiceAddress : wildcard ? null : listening.Host.Trim('[', ']');
        // The agent runs the check; when the service listens everywhere and names no address, the agent is taken to
        // be on this host (the usual local-agent deployment).
        var checkHost = address ?? "localhost";
        var meta = new Dictionary<string, string>(options.Meta, StringComparer.Ordinal);
        meta.TryAdd("scheme", listening.Scheme);

        return new ConsulServiceRegistration
        {
            ID = string.IsNullOrWhiteSpace(options.ServiceId) ? $"{options.ServiceName}-{hostName.ToLowerInvariant()}-{port}" : options.ServiceId,
            Name = options.ServiceName,
            Address = address,
            Port = port,
            Tags = options.Tags.Length == 0 ? null : options.Tags,
            Meta = meta,
            Check = new ConsulCheckDefinition
            {
                HTTP = new UriBuilder(listening.Scheme, checkHost, listening.Port, options.CheckPath).Uri.ToString(),
                Interval = GoDuration.Format(options.CheckInterval),
                Timeout = GoDuration.Format(options.CheckTimeout),
                DeregisterCriticalServiceAfter = GoDuration.Format(options.DeregisterCriticalServiceAfter),
            },
        };
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.ConsulRegistered, LogLevel.Information,
            "Registered with Consul as service '{Service}' id '{ServiceId}' at {Address}:{Port}, check {Check}")]
        public static partial void Registered(ILogger logger, string service, string serviceId, string address, int port, string check);

        [LoggerMessage(EventIds.ConsulRegistrationFailed, LogLevel.Warning,
            "Registering '{ServiceId}' with Consul failed (attempt {Attempt}); retrying in {DelaySeconds:F1} s")]
        public static partial void RegistrationFailed(ILogger logger, string serviceId, int attempt, double delaySeconds, Exception exception);

        [LoggerMessage(EventIds.ConsulDeregistered, LogLevel.Information, "Deregistered '{ServiceId}' from Consul")]
        public static partial void Deregistered(ILogger logger, string serviceId);

        [LoggerMessage(EventIds.ConsulDeregistrationFailed, LogLevel.Warning,
            "Deregistering '{ServiceId}' from Consul failed; Consul removes it once its check has been critical long enough")]
        public static partial void DeregistrationFailed(ILogger logger, string serviceId, Exception exception);

        [LoggerMessage(EventIds.ConsulNoServerAddress, LogLevel.Warning,
            "Not registering with Consul: the server reports no http(s) listening address ({Addresses})")]
        public static partial void NoServerAddress(ILogger logger, string addresses);
    }
}
