using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using ModMesh.Gateway.Health;

namespace ModMesh.Gateway.Forwarding.Hedging;

/// <summary>
/// What every <see cref="HedgingHandler"/> of the gateway shares: the settings, the clock, the recent-latency delay,
/// the budget, the passive health policy (to which an unanswered first request is reported) and the telemetry.
/// </summary>
internal sealed class HedgingState
{
    private readonly IOptionsMonitor<GatewayOptions> _options;
    private readonly Counter<long> _hedges;

    public HedgingState(
        IOptionsMonitor<GatewayOptions> options,
        TimeProvider timeProvider,
        MaxFailsPassiveHealthPolicy passiveHealth,
        IMeterFactory meterFactory,
        ILogger<HedgingHandler> logger)
    {
        _options = options;
        Time = timeProvider;
        PassiveHealth = passiveHealth;
        Logger = logger;
        _hedges = meterFactory.Create(GatewayTelemetry.MeterName)
            .CreateCounter<long>(GatewayTelemetry.Hedges, description: "Requests also sent to a second node because the first had not answered.");
    }

    public HedgingOptions Options => _options.CurrentValue.Hedging;

    public TimeProvider Time { get; }

    public HedgeDelay Delay { get; } = new();

    public HedgeBudget Budget { get; } = new();

    public MaxFailsPassiveHealthPolicy PassiveHealth { get; }

    public ILogger Logger { get; }

    /// <param name="reason">"slow" (the delay passed, the budget allowed it) or "moved" (the first node was taken out).</param>
    /// <param name="winner">"hedge", "first" or "none" (neither answered well).</param>
    public void Count(string reason, string winner) =>
        _hedges.Add(1, new KeyValuePair<string, object?>("reason", reason), new KeyValuePair<string, object?>("winner", winner));
}
