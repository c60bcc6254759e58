using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace ModMesh.Gateway.Health;

/// <summary>
/// Active health from readiness probes with two thresholds: <c>FailuresToEject</c> consecutive failed probes take a
/// node out, <c>SuccessesToReadmit</c> consecutive successful ones bring it back (YARP's "ConsecutiveFailures"
/// re-admits on the first success, which lets a flapping node straight back in).
/// </summary>
/// <remarks>
/// A probe succeeds when it gets a 2xx answer within the probe timeout. A node never probed yet, or one that failed
/// fewer than <c>FailuresToEject</c> probes, keeps its state. Per-cluster settings: metadata
/// <see cref="FailuresMetadataKey"/> and <see cref="SuccessesMetadataKey"/>; defaults from
/// <see cref="GatewayOptions.HealthProbeFailuresToEject"/> and <see cref="GatewayOptions.HealthProbeSuccessesToReadmit"/>.
/// </remarks>
internal sealed partial class FailuresAndSuccessesActiveHealthPolicy(
    IDestinationHealthUpdater healthUpdater,
    IOptionsMonitor<GatewayOptions> options,
    ILogger<FailuresAndSuccessesActiveHealthPolicy> logger) : IActiveHealthCheckPolicy
{
    public const string PolicyName = "FailuresAndSuccesses";
    public const string FailuresMetadataKey = "FailuresAndSuccesses.FailuresToEject";
    public const string SuccessesMetadataKey = "FailuresAndSuccesses.SuccessesToReadmit";

    private readonly ConditionalWeakTable<DestinationState, ProbeStreak> _streaks = new();

    public string Name => PolicyName;

    public void ProbingCompleted(ClusterState cluster, IReadOnlyList<DestinationProbingResult> probingResults)
    {
        if (probingResults.Count == 0)
        {
            return;
        }

        var current = options.CurrentValue;
        var failuresToEject = ClusterMetadata.GetInt32(cluster, FailuresMetadataKey, current.HealthProbeFailuresToEject, minimum: 1, logger);
        var successesToReadmit = ClusterMetadata.GetInt32(cluster, SuccessesMetadataKey, current.HealthProbeSuccessesToReadmit, minimum: 1, logger);

        var updates = new NewActiveDestinationHealth[probingResults.Count];
        for (var i = 0; i < probingResults.Count; i++)
        {
            var result = probingResults[i];
            var destination = result.Destination;
            var succeeded = result.Exception is null && result.Response is { IsSuccessStatusCode: true };
            var before = destination.Health.Active;
            var after = _streaks.GetValue(destination, static _ => new ProbeStreak())
                .Record(succeeded, before, failuresToEject, successesToReadmit);

            if (after == DestinationHealth.Unhealthy && before != DestinationHealth.Unhealthy)
            {
                Log.Ejected(logger, destination.DestinationId, cluster.ClusterId, failuresToEject,
                    result.Response is { } r ? ((int)r.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) : result.Exception?.GetType().Name ?? "no answer");
            }
            else if (after == DestinationHealth.Healthy && before == DestinationHealth.Unhealthy)
            {
                Log.Readmitted(logger, destination.DestinationId, cluster.ClusterId, successesToReadmit);
            }

            updates[i] = new NewActiveDestinationHealth(destination, after);
        }

        healthUpdater.SetActive(cluster, updates);
    }

    /// <summary>One node's run of consecutive probe results.</summary>
    internal sealed class ProbeStreak
    {
        private readonly Lock _gate = new();
        private int _failures;
        private int _successes;

        public DestinationHealth Record(bool succeeded, DestinationHealth current, int failuresToEject, int successesToReadmit)
        {
            lock (_gate)
            {
                if (succeeded)
                {
                    _failures = 0;
                    _successes++;
                    return current == DestinationHealth.Unhealthy && _successes < successesToReadmit
                        ? DestinationHealth.Unhealthy
                        : DestinationHealth.Healthy;
                }

                _successes = 0;
                _failures++;
                return _failures >= failuresToEject ? DestinationHealth.Unhealthy : current;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.ActiveEjected, LogLevel.Warning,
            "Node {DestinationId} of cluster {ClusterId} is out: {Failures} consecutive failed readiness probes (last: {Last}).")]
        public static partial void Ejected(ILogger logger, string destinationId, string clusterId, int failures, string last);

        [LoggerMessage(EventIds.ActiveReadmitted, LogLevel.Information,
            "Node {DestinationId} of cluster {ClusterId} is back: {Successes} consecutive successful readiness probes.")]
        public static partial void Readmitted(ILogger logger, string destinationId, string clusterId, int successes);
    }
}
