using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace ModMesh.Discovery.Static;

/// <summary>
/// Destinations from configuration, "node0", "node1", ... in the configured order. A reloaded configuration replaces
/// them; a reload that leaves no valid URL (an empty list, a typo) is rejected and the last good list is kept.
/// </summary>
internal sealed partial class StaticDestinationSource : IDestinationSource, IDisposable
{
    private static readonly string[] AllowedSchemes = ["http", "https", "https+http", "http+https"];

    private readonly DestinationPublisher _publisher = new();
    private readonly ILogger _logger;
    private readonly IDisposable? _subscription;

    public StaticDestinationSource(IOptionsMonitor<StaticDestinationOptions> options, ILogger<StaticDestinationSource> logger)
    {
        _logger = logger;
        Apply(options.CurrentValue);
        _subscription = options.OnChange(Apply);
    }

    public string Name => nameof(DiscoveryMode.Static);

    public DestinationSet Current => _publisher.Current;

    public IChangeToken GetChangeToken() => _publisher.GetChangeToken();

    public void Dispose() => _subscription?.Dispose();

    private void Apply(StaticDestinationOptions options)
    {
        var nodes = options.Nodes ?? [];
        var invalid = nodes.Where(n => !IsValid(n)).ToArray();
        if (nodes.Length == 0 || invalid.Length > 0)
        {
            Log.NodesRejected(_logger, invalid.Length == 0 ? "(empty list)" : string.Join(", ", invalid), _publisher.Current.ToString());
            return;
        }

        var set = new DestinationSet(nodes.Select((address, i) => new Destination($"node{i}", address)));
        if (_publisher.Publish(set))
        {
            Log.DestinationsChanged(_logger, Name, set.Count, set.ToString());
        }
    }

    internal static bool IsValid(string? node) =>
        Uri.TryCreate(node, UriKind.Absolute, out var uri)
        && AllowedSchemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase)
        && uri.Query.Length == 0
        && uri.Fragment.Length == 0;

    private static partial class Log
    {
        [LoggerMessage(EventIds.DestinationsChanged, LogLevel.Information, "{Source} discovery: {Count} destination(s): {Destinations}")]
        public static partial void DestinationsChanged(ILogger logger, string source, int count, string destinations);

        [LoggerMessage(EventIds.StaticNodesRejected, LogLevel.Warning, "Static discovery: the reloaded node list is not usable ({Invalid}); keeping {Current}")]
        public static partial void NodesRejected(ILogger logger, string invalid, string current);
    }
}
