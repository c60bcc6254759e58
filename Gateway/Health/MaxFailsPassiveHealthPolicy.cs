using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using ModMesh.Gateway.Forwarding;
using ModMesh.Gateway.Forwarding.Hedging;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace ModMesh.Gateway.Health;

/// <summary>
/// Passive health with nginx <c>max_fails</c>/<c>fail_timeout</c> semantics: a node whose requests fail
/// <c>MaxFails</c> times within <c>FailTimeout</c> is out for <c>FailTimeout</c>, then tried again. Like nginx, the
/// first request after that period is a trial: if it fails, the node is out again at once; if it succeeds, the
/// node's failure history is forgotten.
/// </summary>
/// <remarks>
/// Failures are the node's own: transport errors, timeouts and 502/503/504 answers (<see cref="ForwardingOutcomes.Classify"/>),
/// except a 502/504 the node blames on the module's upstream (<c>ModMesh-Failure: upstream</c>): an upstream outage
/// or a broken module ejects nobody. 404/410 are normal GOPROXY answers, and a client that hung up is never held
/// against the node. Failures that
/// arrive while the node is already out (requests sent before it was taken out) are not counted again.
/// Per-cluster settings: metadata <see cref="CountMetadataKey"/> and <see cref="FailTimeoutMetadataKey"/>;
/// defaults from <see cref="GatewayOptions.MaxFails"/> and <see cref="GatewayOptions.FailTimeout"/>.
/// </remarks>
internal sealed partial class MaxFailsPassiveHealthPolicy : IPassiveHealthCheckPolicy
{
    public const string PolicyName = "MaxFails";
    public const string CountMetadataKey = "MaxFails.Count";
    public const string FailTimeoutMetadataKey = "MaxFails.FailTimeout";

    private readonly ConditionalWeakTable<DestinationState, FailureWindow> _windows = new();
    private readonly IDestinationHealthUpdater _healthUpdater;
    private readonly IOptionsMonitor<GatewayOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<MaxFailsPassiveHealthPolicy> _logger;
    private readonly Counter<long> _ejections;

    public MaxFailsPassiveHealthPolicy(
        IDestinationHealthUpdater healthUpdater,
        IOptionsMonitor<GatewayOptions> options,
        TimeProvider timeProvider,
        IMeterFactory meterFactory,
        ILogger<MaxFailsPassiveHealthPolicy> logger)
    {
        _healthUpdater = healthUpdater;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _ejections = meterFactory.Create(GatewayTelemetry.MeterName)
            .CreateCounter<long>(GatewayTelemetry.PassiveEjections, description: "Nodes taken out by the max_fails passive health policy.");
    }

    public string Name => PolicyName;

    public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
    {
        // A client that hung up says nothing about the node.
        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        // The answer came from a hedge on another node: the first node's request is judged on its own
        // (HedgingHandler reports it through RecordFailure if it stays unanswered or fails).
        if (context.Features.Get<HedgeTicket>() is { HedgeWinner: not null })
        {
            return;
        }

        Record(cluster, destination, ForwardingOutcomes.Classify(context), context.Response.StatusCode);
    }

    /// <summary>
    /// A failed request of <paramref name="destination"/> that YARP did not see: the first request of a hedged pair,
    /// which stayed unanswered (<see cref="ForwardingOutcome.Timeout"/>) or failed after the hedge had won.
    /// </summary>
    public void RecordFailure(ClusterState cluster, DestinationState destination, ForwardingOutcome outcome) =>
        Record(cluster, destination, outcome, statusCode: 0);

    private void Record(ClusterState cluster, DestinationState destination, ForwardingOutcome outcome, int statusCode)
    {
        var options = _options.CurrentValue;
        var maxFails = ClusterMetadata.GetInt32(cluster, CountMetadataKey, options.MaxFails, minimum: 1, _logger);
        var failTimeout = ClusterMetadata.GetTimeSpan(cluster, FailTimeoutMetadataKey, options.FailTimeout, _logger);
        var now = _timeProvider.GetTimestamp();
        var window = _windows.GetValue(destination, static _ => new FailureWindow());

        var isOut = destination.Health.Passive == DestinationHealth.Unhealthy;
        var decision = window.Record(outcome.IsNodeFailure(), isOut, now, maxFails, ToTicks(failTimeout));
        switch (decision)
        {
            case WindowDecision.Counted:
                Log.FailureCounted(_logger, destination.DestinationId, outcome, statusCode);
                break;
            case WindowDecision.Eject:
                Log.Ejected(_logger, destination.DestinationId, cluster.ClusterId, maxFails, failTimeout, outcome);
                _ejections.Add(1);
                _healthUpdater.SetPassive(cluster, destination, DestinationHealth.Unhealthy, failTimeout);
                break;
        }
    }

    private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * _timeProvider.TimestampFrequency);

    internal enum WindowDecision
    {
        None,
        Counted,
        Eject,
    }

    /// <summary>One node's recent failures (timestamps of at most MaxFails of them) and its trial state.</summary>
    internal sealed class FailureWindow
    {
        private readonly Queue<long> _failures = new();
        private bool _onTrial;

        /// <param name="isOut">The node is out now (YARP brings it back when the reactivation period ends).</param>
        public WindowDecision Record(bool failed, bool isOut, long now, int maxFails, long failTimeoutTicks)
        {
            lock (_failures)
            {
                if (isOut)
                {
                    // Requests sent before the node was taken out finish now; they change nothing.
                    return WindowDecision.None;
                }

                if (!failed)
                {
                    if (_onTrial)
                    {
                        // The trial request after the out period succeeded: the node is back with a clean slate.
                        _onTrial = false;
                        _failures.Clear();
                    }

                    return WindowDecision.None;
                }

                while (_failures.Count > 0 && now - _failures.Peek() >= failTimeoutTicks)
                {
                    _failures.Dequeue();
                }

                _failures.Enqueue(now);
                if (!_onTrial && _failures.Count < maxFails)
                {
                    return WindowDecision.Counted;
                }

                _failures.Clear();
                _onTrial = true;
                return WindowDecision.Eject;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.PassiveFailureCounted, LogLevel.Debug,
            "Node {DestinationId}: request failed ({Outcome}, status {StatusCode}); counted towards max_fails.")]
        public static partial void FailureCounted(ILogger logger, string destinationId, ForwardingOutcome outcome, int statusCode);

        [LoggerMessage(EventIds.PassiveEjected, LogLevel.Warning,
            "Node {DestinationId} of cluster {ClusterId} is out for {FailTimeout}: {MaxFails} failed requests within fail_timeout (last: {Outcome}).")]
        public static partial void Ejected(ILogger logger, string destinationId, string clusterId, int maxFails, TimeSpan failTimeout, ForwardingOutcome outcome);
    }
}
