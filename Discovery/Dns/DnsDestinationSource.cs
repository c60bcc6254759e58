using System.Net;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace ModMesh.Discovery.Dns;

/// <summary>
/// The addresses behind a DNS name, the shape of a Kubernetes headless service: A and AAAA records with the configured
/// port, or SRV records (target and port per instance). Re-resolved every <see cref="DnsDiscoveryOptions.RefreshInterval"/>,
/// sooner when the records' TTL is shorter. A failed lookup, and an answer with no records, keep the last good set
/// (a gateway with stale destinations still has its health checks; one with none can only fail).
/// </summary>
internal sealed partial class DnsDestinationSource : BackgroundService, IDestinationSource
{
    /// <summary>A TTL of 0 must not turn the refresh into a busy loop.</summary>
    internal static readonly TimeSpan MinimumRefresh = TimeSpan.FromSeconds(1);

    private readonly DestinationPublisher _publisher = new();
    private readonly DnsDiscoveryOptions _options;
    private readonly ILookupClient _lookup;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public DnsDestinationSource(IOptions<DiscoveryOptions> options, TimeProvider time, ILogger<DnsDestinationSource> logger)
        : this(options.Value.Dns, CreateLookupClient(options.Value.Dns), time, logger)
    {
    }

    internal DnsDestinationSource(DnsDiscoveryOptions options, ILookupClient lookup, TimeProvider time, ILogger logger)
    {
        _options = options;
        _lookup = lookup;
        _time = time;
        _logger = logger;
    }

    public string Name => nameof(DiscoveryMode.Dns);

    public DestinationSet Current => _publisher.Current;

    public IChangeToken GetChangeToken() => _publisher.GetChangeToken();

    internal static ILookupClient CreateLookupClient(DnsDiscoveryOptions options)
    {
        var servers = options.Servers.Select(s => new NameServer(DiscoveryOptionsValidator.ParseServer(s))).ToArray();
        var lookupOptions = servers.Length > 0 ? new LookupClientOptions(servers) : new LookupClientOptions();
        lookupOptions.UseCache = false; // every refresh asks; TTLs steer the refresh instead
        lookupOptions.Timeout = options.QueryTimeout;
        lookupOptions.Retries = 1;
        lookupOptions.ThrowDnsErrors = false;
        lookupOptions.ContinueOnDnsError = false;
        lookupOptions.UseTcpFallback = true;
        return new LookupClient(lookupOptions);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = await RefreshAsync(stoppingToken).ConfigureAwait(false);
            try
            {
                await Task.Delay(next, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One lookup; publishes a changed set and returns how long to wait before the next one.</summary>
    internal async Task<TimeSpan> RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (destinations, ttl) = _options.Srv
                ? await ResolveSrvAsync(cancellationToken).ConfigureAwait(false)
                : await ResolveAddressesAsync(cancellationToken).ConfigureAwait(false);
            if (destinations.Count == 0)
            {
                Log.EmptyAnswer(_logger, _options.Name!, _publisher.Current.ToString());
                return _options.RefreshInterval;
            }

            var set = new DestinationSet(destinations);
            if (_publisher.Publish(set))
            {
                Log.DestinationsChanged(_logger, Name, set.Count, set.ToString());
            }

            var refresh = ttl is { } t && t < _options.RefreshInterval ? t : _options.RefreshInterval;
            return refresh < MinimumRefresh && _options.RefreshInterval >= MinimumRefresh ? MinimumRefresh : refresh;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is DnsResponseException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            Log.QueryFailed(_logger, _options.Name!, _publisher.Current.ToString(), e);
            return _options.RefreshInterval;
        }
    }

    private async Task<(List<Destination>, TimeSpan?)> ResolveAddressesAsync(CancellationToken cancellationToken)
    {
        var a = await QueryAsync(_options.Name!, QueryType.A, cancellationToken).ConfigureAwait(false);
        var aaaa = await QueryAsync(_options.Name!, QueryType.AAAA, cancellationToken).ConfigureAwait(false);
        var records = a.Answers.ARecords().Select(r => (r.Address, r.TimeToLive))
            .Concat(aaaa.Answers.AaaaRecords().Select(r => (r.Address, r.TimeToLive)))
            .ToList();
        var destinations = records.Select(r => ToDestination(r.Address, _options.Port)).ToList();
        return (destinations, MinTtl(records.Select(r => r.TimeToLive)));
    }

    private async Task<(List<Destination>, TimeSpan?)> ResolveSrvAsync(CancellationToken cancellationToken)
    {
        var srv = await QueryAsync(_options.Name!, QueryType.SRV, cancellationToken).ConfigureAwait(false);
        var ttls = new List<int>();
        var destinations = new List<Destination>();
        foreach (var record in srv.Answers.SrvRecords())
        {
            ttls.Add(record.TimeToLive);
            var target = record.Target.Value.TrimEnd('.');
            // Kubernetes (and most servers) put the targets' addresses in the additional section; ask when they are not.
            var addresses = srv.Additionals.ARecords().Where(r => SameName(r.DomainName, target)).Select(r => (r.Address, r.TimeToLive))
                .Concat(srv.Additionals.AaaaRecords().Where(r => SameName(r.DomainName, target)).Select(r => (r.Address, r.TimeToLive)))
                .ToList();
            if (addresses.Count == 0)
            {
                if (IPAddress.TryParse(target, out var literal))
                {
                    addresses.Add((literal, record.TimeToLive));
                }
                else
                {
                    var a = await QueryAsync(target, QueryType.A, cancellationToken).ConfigureAwait(false);
                    addresses.AddRange(a.Answers.ARecords().Select(r => (r.Address, r.TimeToLive)));
                }
            }

            ttls.AddRange(addresses.Select(x => x.TimeToLive));
            destinations.AddRange(addresses.Select(x => ToDestination(x.Address, record.Port)));
        }

        return (destinations, MinTtl(ttls));
    }

    private async Task<IDnsQueryResponse> QueryAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        var response = await _lookup.QueryAsync(name, type, QueryClass.IN, cancellationToken).ConfigureAwait(false);
        // NXDOMAIN for AAAA next to a good A answer is normal in some setups; any other error fails the refresh.
        if (response.HasError && !(type == QueryType.AAAA && response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain))
        {
            throw new DnsResponseException((DnsResponseCode)response.Header.ResponseCode);
        }

        return response;
    }

    private Destination ToDestination(IPAddress address, int port)
    {
        var url = new UriBuilder(_options.Scheme, address.ToString(), port).Uri.GetLeftPart(UriPartial.Authority);
        var id = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";
        return new Destination(id, url);
    }

    private static bool SameName(DnsString name, string target) =>
        string.Equals(name.Value.TrimEnd('.'), target, StringComparison.OrdinalIgnoreCase);

    private static TimeSpan? MinTtl(IEnumerable<int> ttls)
    {
        var min = ttls.DefaultIfEmpty(-1).Min();
        return min < 0 ? null : TimeSpan.FromSeconds(min);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.DestinationsChanged, LogLevel.Information, "{Source} discovery: {Count} destination(s): {Destinations}")]
        public static partial void DestinationsChanged(ILogger logger, string source, int count, string destinations);

        [LoggerMessage(EventIds.DnsQueryFailed, LogLevel.Warning, "DNS discovery: resolving '{Name}' failed; keeping {Current}")]
        public static partial void QueryFailed(ILogger logger, string name, string current, Exception exception);

        [LoggerMessage(EventIds.DnsEmptyAnswer, LogLevel.Warning, "DNS discovery: '{Name}' has no records; keeping {Current}")]
        public static partial void EmptyAnswer(ILogger logger, string name, string current);
    }
}
