using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ModMesh.ServiceDefaults.Draining;

/// <summary>Readiness only (not tagged "live"): unhealthy while the service drains, so liveness stays healthy.</summary>
internal sealed class DrainingHealthCheck(IDrainState drain) : IHealthCheck
{
    public const string Name = "draining";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining
            ? HealthCheckResult.Unhealthy("draining: the service is shutting down")
            : HealthCheckResult.Healthy());
}
