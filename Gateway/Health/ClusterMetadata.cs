using System.Globalization;
using Yarp.ReverseProxy.Model;

namespace ModMesh.Gateway.Health;

/// <summary>Reads typed per-cluster settings from <c>ClusterConfig.Metadata</c>, falling back to a default.</summary>
internal static partial class ClusterMetadata
{
    public static int GetInt32(ClusterState cluster, string key, int fallback, int minimum, ILogger logger)
    {
        if (Raw(cluster, key) is not { } raw)
        {
            return fallback;
        }

        if (int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= minimum)
        {
            return value;
        }

        Log.InvalidClusterMetadata(logger, cluster.ClusterId, key, raw, fallback.ToString(CultureInfo.InvariantCulture));
        return fallback;
    }

    public static TimeSpan GetTimeSpan(ClusterState cluster, string key, TimeSpan fallback, ILogger logger)
    {
        if (Raw(cluster, key) is not { } raw)
        {
            return fallback;
        }

        if (TimeSpan.TryParse(raw, CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero)
        {
            return value;
        }

        Log.InvalidClusterMetadata(logger, cluster.ClusterId, key, raw, fallback.ToString("c", CultureInfo.InvariantCulture));
        return fallback;
    }

    private static string? Raw(ClusterState cluster, string key) =>
        cluster.Model?.Config.Metadata is { } metadata && metadata.TryGetValue(key, out var raw) && !string.IsNullOrWhiteSpace(raw)
            ? raw
            : null;

    private static partial class Log
    {
        [LoggerMessage(EventIds.InvalidClusterMetadata, LogLevel.Warning,
            "Cluster {ClusterId}: metadata {Key}='{Value}' is not valid; using {Fallback}.")]
        public static partial void InvalidClusterMetadata(ILogger logger, string clusterId, string key, string value, string fallback);
    }
}
