using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModMesh.ServiceDefaults.Draining;
using ModMesh.ServiceDefaults.Tracing;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every ModMesh service shares: OpenTelemetry, health checks, service discovery.
/// Shaped after the Aspire service-defaults template; written for ModMesh.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Path of the liveness endpoint: only checks tagged <see cref="LiveTag"/>.</summary>
    public const string LivenessPath = "/health/live";

    /// <summary>Path of the readiness endpoint: every registered check.</summary>
    public const string ReadinessPath = "/health/ready";

    /// <summary>The Prometheus scrape endpoint of every service.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>The OTLP export timeout when OTEL_EXPORTER_OTLP_TIMEOUT is not set: 3 s (the SDK's own default is 10 s).</summary>
    public const string DefaultExportTimeoutMilliseconds = "3000";

    /// <summary>Tag of the health checks that say "the process is alive" (used by <see cref="LivenessPath"/>).</summary>
    public const string LiveTag = "live";

    /// <summary>Prefix of every ModMesh <c>ActivitySource</c> and <c>Meter</c> name; all of them are collected.</summary>
    public const string TelemetryPrefix = "ModMesh";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.AddGracefulDrain();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // No standard resilience handler here on purpose: its total request timeout would cut
            // long streaming bodies (a cache node's upstream zip downloads). Clients that want it
            // opt in with AddDefaultResilience().
            http.AddServiceDiscovery();
        });

        return builder;
    }

    /// <summary>
    /// Opt-in: the standard resilience pipeline (retry, circuit breaker, timeouts) for a client with
    /// small, bounded responses. Do not use it for clients that stream large bodies.
    /// </summary>
    public static IHttpClientBuilder AddDefaultResilience(this IHttpClientBuilder builder)
    {
        builder.AddStandardResilienceHandler();
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(TelemetryPrefix + ".*")
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(TelemetryPrefix + ".*")
                .AddAspNetCoreInstrumentation(aspNetCore =>
                {
                    // Probes and scrapes hit /health/*, /alive and /metrics every few seconds: not traced.
                    aspNetCore.Filter = TracingRules.ShouldTrace;
                    aspNetCore.EnrichWithHttpRequest = TracingRules.RememberServerRequest;
                    aspNetCore.EnrichWithHttpResponse = TracingRules.JudgeServerAnswer;
                })
                .AddHttpClientInstrumentation(http =>
                {
                    // Nor are the probes this service sends (the gateway's active health checks of the nodes).
                    http.FilterHttpRequestMessage = TracingRules.ShouldTrace;
                    http.EnrichWithHttpRequestMessage = TracingRules.RememberClientSpan;
                    http.EnrichWithHttpResponseMessage = TracingRules.JudgeClientAnswer;
                })
                // Before the exporter's processor (added below): a request given up on purpose is not an error.
                .AddProcessor(new AbandonedRequestProcessor()));

        builder.AddOpenTelemetryExporters();

        return builder;
    }

    private static TBuilder AddOpenTelemetryExporters<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // The OTLP exporter reads its endpoint, protocol and headers from the standard OTEL_* variables
        // (the Aspire AppHost sets them); with no endpoint configured nothing is exported.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            // Bound each export (and so the final flush on shutdown): with the SDK's default of 10 s and retries on
            // (Aspire sets OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY), a collector that is down would hold a stopping
            // service past its drain and grace period. OTEL_EXPORTER_OTLP_TIMEOUT still overrides it.
            if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_TIMEOUT"]))
            {
                builder.Configuration["OTEL_EXPORTER_OTLP_TIMEOUT"] = DefaultExportTimeoutMilliseconds;
            }

            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

        return builder;
    }

    /// <summary>
    /// Graceful drain on SIGTERM (<see cref="IDrainState"/>): <c>/health/ready</c> fails at once (the "draining"
    /// check; liveness stays healthy), the service keeps serving for "Drain:Delay" (default 5 s in Production, 0 in
    /// Development) while <see cref="IDrainParticipant"/>s run, every answer meanwhile carrying
    /// <see cref="DrainSignal.HeaderName"/> and <c>Connection: close</c> (gateways take the node out on the first one),
    /// then Kestrel finishes the requests in flight within
    /// "Drain:ShutdownTimeout" (default 30 s) and the process exits.
    /// </summary>
    public static TBuilder AddGracefulDrain<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<DrainOptions>().BindConfiguration(DrainOptions.SectionName);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<DrainService>();
        builder.Services.TryAddSingleton<IDrainState>(sp => sp.GetRequiredService<DrainService>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DrainService>());
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<DrainOptions>, IHostEnvironment>((host, drain, environment) =>
            host.ShutdownTimeout = (drain.Value.Delay ?? DrainOptions.DefaultDelay(environment.IsDevelopment())) + drain.Value.ShutdownTimeout);
        builder.Services.AddHealthChecks().AddCheck<DrainingHealthCheck>(DrainingHealthCheck.Name);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, DrainSignalStartupFilter>());

        return builder;
    }

    /// <summary>
    /// Maps <c>/health/live</c> (checks tagged "live") and <c>/health/ready</c> (all checks), in every
    /// environment: probes and load balancers need them in production.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(LivenessPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LiveTag),
        });
        app.MapHealthChecks(ReadinessPath);

        // Prometheus text format for a scrape; OTLP export runs beside it when configured.
        app.MapPrometheusScrapingEndpoint(MetricsPath);

        return app;
    }
}
