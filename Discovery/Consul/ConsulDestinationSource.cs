using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace ModMesh.Discovery.Consul;

/// <summary>
/// Passing instances of one Consul service, watched with blocking queries (<c>index</c>/<c>wait</c> with the
/// X-Consul-Index of the previous answer). A failed query is retried with a doubling pause and the last good set is
/// kept meanwhile; an answer of Consul's (even an empty one: no instance passes) is the truth.
/// </summary>
internal sealed partial class ConsulDestinationSource(
    IConsulHealthClient consul,
    IOptions<DiscoveryOptions> options,
    TimeProvider time,
    ILogger<ConsulDestinationSource> logger) : BackgroundService, IDestinationSource
{
    private readonly DestinationPublisher _publisher = new();
    private readonly ConsulDiscoveryOptions _options = options.Value.Consul;

    public string Name => nameof(DiscoveryMode.Consul);

    public DestinationSet Current => _publisher.Current;

    public IChangeToken GetChangeToken() => _publisher.GetChangeToken();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ulong index = 0;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var result = await consul.GetPassingServiceAsync(_options.Service, index, _options.Wait, stoppingToken).ConfigureAwait(false);
                failures = 0;
                index = NextIndex(index, result.Index);
                var set = ToDestinations(result.Value, _options.Scheme);
                if (_publisher.Publish(set))
                {
                    Log.DestinationsChanged(logger, Name, set.Count, set.ToString());
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or ConsulException or OperationCanceledException or System.Text.Json.JsonException)
            {
                failures++;
                var delay = RetryDelay(failures);
                Log.QueryFailed(logger, _options.Service, failures, delay.TotalSeconds, _publisher.Current.ToString(), e);
                try
                {
                    await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Consul's rules for the next index: reset when it went backwards, never block on 0.</summary>
    internal static ulong NextIndex(ulong previous, ulong returned) => returned < previous ? 0 : Math.Max(returned, 1);

    internal TimeSpan RetryDelay(int failures)
    {
        var factor = Math.Pow(2, Math.Min(failures - 1, 16));
        var delay = TimeSpan.FromTicks((long)Math.Min(_options.RetryDelay.Ticks * factor, _options.MaxRetryDelay.Ticks));
        return delay;
    }

    /// <summary>Entry → "scheme://address:port"; the service address falls back to the node's, as Consul documents.</summary>
    internal static DestinationSet ToDestinations(IReadOnlyList<ConsulServiceEntry> entries, string defaultScheme)
    {
        var destinations = new List<Destination>(entries.Count);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in entries)
        {
            var host = string.IsNullOrEmpty(entry.Service.Address) ? entry.Node.Address : entry.Service.Address;
            if (string.IsNullOrEmpty(host) || entry.Service.Port is <= 0 or > 65535)
            {
                continue;
            }

            var declared = entry.Service.Meta?.GetValueOrDefault("scheme");
            var scheme = declared is "http" or "https" ? declared : defaultScheme;
            var address = new UriBuilder(scheme, host, entry.Service.Port).Uri.GetLeftPart(UriPartial.Authority);
            var id = seen.Add(entry.Service.ID) ? entry.Service.ID : $"{entry.Service.ID}@{entry.Node.Node}";
            destinations.Add(new Destination(id, address));
        }

        return new DestinationSet(destinations);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.DestinationsChanged, LogLevel.Information, "{Source} discovery: {Count} destination(s): {Destinations}")]
        public static partial void DestinationsChanged(ILogger logger, string source, int count, string destinations);

        [LoggerMessage(EventIds.ConsulQueryFailed, LogLevel.Warning,
            "Consul discovery: querying service '{Service}' failed ({Failures} in a row); retrying in {DelaySeconds:F1} s, keeping {Current}")]
        public static partial void QueryFailed(ILogger logger, string service, int failures, double delaySeconds, string current, Exception exception);
    }
}
