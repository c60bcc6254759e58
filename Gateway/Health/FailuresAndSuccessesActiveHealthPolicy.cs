using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using ModMesh.ServiceDefaults.Draining;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace ModMesh.Gateway.Health;

/// <summary>
/// Active health from readiness probes with three thresholds: <c>FailuresToEject</c> consecutive failed probes take a
/// node out, <c>TimeoutsToEject</c> consecutive unanswered ones take a node that was answering out sooner (a grey
/// failure: the node accepts connections and says nothing, so every request sent to it stalls), and <c>SuccessesToReadmit</c> consecutive
/// successful ones bring it back (YARP's "ConsecutiveFailures" re-admits on the first success, which lets a flapping
/// node straight back in). A probe answered with the drain signal (<see cref="DrainSignal.HeaderName"/>) takes the node
/// out at once: it is shutting down.
/// </summary>
/// <remarks>
/// A probe succeeds when it gets a 2xx answer within the probe timeout; it timed out when it got no answer at all
/// within it. A node never probed yet, or one below both thresholds, keeps its state. Per-cluster settings: metadata
/// <see cref="FailuresMetadataKey"/>, <see cref="TimeoutsMetadataKey"/> and <see cref="SuccessesMetadataKey"/>; defaults
/// from <see cref="GatewayOptions.HealthProbeFailuresToEject"/>, <see cref="GatewayOptions.HealthProbeTimeoutsToEject"/>
/// and <see cref="GatewayOptions.HealthProbeSuccessesToReadmit"/>.
/// </remarks>
internal sealed partial class FailuresAndSuccessesActiveHealthPolicy(
    IDestinationHealthUpdater healthUpdater,
    IOptionsMonitor<GatewayOptions> options,
    ILogger<FailuresAndSuccessesActiveHealthPolicy> logger,
    Status.ProbeLog? probeLog = null) : IActiveHealthCheckPolicy
{
    public const string PolicyName = "FailuresAndSuccesses";
    public const string FailuresMetadataKey = "FailuresAndSuccesses.FailuresToEject";
    public const string SuccessesMetadataKey = "FailuresAndSuccesses.SuccessesToReadmit";
    public const string TimeoutsMetadataKey = "FailuresAndSuccesses.TimeoutsToEject";

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
        var timeoutsToEject = ClusterMetadata.GetInt32(cluster, TimeoutsMetadataKey, current.HealthProbeTimeoutsToEject, minimum: 1, logger);
        var thresholds = new Thresholds(failuresToEject, timeoutsToEject, successesToReadmit);

        var updates = new NewActiveDestinationHealth[probingResults.Count];
        for (var i = 0; i < probingResults.Count; i++)
        {
            var result = probingResults[i];
            var destination = result.Destination;
            var probe = Classify(result);
            probeLog?.Record(destination.DestinationId, probe.ToString().ToLowerInvariant());
            var before = destination.Health.Active;
            var after = _streaks.GetValue(destination, static _ => new ProbeStreak()).Record(probe, before, thresholds);

            if (after == DestinationHealth.Unhealthy && before != DestinationHealth.Unhealthy)
            {
                Log.Ejected(logger, destination.DestinationId, cluster.ClusterId, probe,
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

    /// <summary>
    /// What one probe says: a 2xx answer, the drain signal (whatever the status), no answer within the timeout (the
    /// probe was cancelled by it), or any other failure (an error status, a refused or reset connection).
    /// </summary>
    internal static ProbeResult Classify(DestinationProbingResult result)
    {
        if (result.Response is { } response)
        {
            return response.Headers.Contains(DrainSignal.HeaderName) ? ProbeResult.Draining
                : response.IsSuccessStatusCode ? ProbeResult.Success
                : ProbeResult.Failure;
        }

        return result.Exception is OperationCanceledException or TimeoutException ? ProbeResult.Timeout : ProbeResult.Failure;
    }

    internal enum ProbeResult
    {
        Success,
        Failure,
        Timeout,
        Draining,
    }

    internal readonly record struct Thresholds(int FailuresToEject, int TimeoutsToEject, int SuccessesToReadmit);

    /// <summary>One node's run of consecutive probe results.</summary>
    internal sealed class ProbeStreak
    {
        private readonly Lock _gate = new();
        private int _failures;
        private int _timeouts;
        private int _successes;

        public DestinationHealth Record(ProbeResult probe, DestinationHealth current, Thresholds thresholds)
        {
            lock (_gate)
            {
                if (probe == ProbeResult.Success)
                {
                    _failures = 0;
                    _timeouts = 0;
                    _successes++;
                    return current == DestinationHealth.Unhealthy && _successes < thresholds.SuccessesToReadmit
                        ? DestinationHealth.Unhealthy
                        : DestinationHealth.Healthy;
                }

                _successes = 0;
                _failures++; // a timeout is a failure too: timeouts and failures mixed still eject at FailuresToEject
                _timeouts = probe == ProbeResult.Timeout ? _timeouts + 1 : 0;
                // Timeouts eject sooner only a node that was answering (a grey failure). A node not yet heard from
                // (the gateway just started, its first probes still paying for connections and JIT) needs
                // FailuresToEject, like any failure: a slow first round must not take every node out at once.
                return probe == ProbeResult.Draining
                    || _failures >= thresholds.FailuresToEject
                    || (_timeouts >= thresholds.TimeoutsToEject && current == DestinationHealth.Healthy)
                    ? DestinationHealth.Unhealthy
                    : current;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.ActiveEjected, LogLevel.Warning,
            "Node {DestinationId} of cluster {ClusterId} is out: readiness probes failed (last: {Probe}, {Last}).")]
        public static partial void Ejected(ILogger logger, string destinationId, string clusterId, ProbeResult probe, string last);

        [LoggerMessage(EventIds.ActiveReadmitted, LogLevel.Information,
            "Node {DestinationId} of cluster {ClusterId} is back: {Successes} consecutive successful readiness probes.")]
        public static partial void Readmitted(ILogger logger, string destinationId, string clusterId, int successes);
    }
}
