using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModMesh.Gateway;
using ModMesh.Gateway.Access;
using ModMesh.Gateway.Caching;
using ModMesh.Gateway.Forwarding;
using ModMesh.Gateway.Forwarding.Hedging;
using ModMesh.Gateway.Health;
using ModMesh.Gateway.LoadBalancing;
using ModMesh.Gateway.Routing;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;

namespace Microsoft.Extensions.Hosting;

public static class GatewayExtensions
{
    /// <summary>
    /// The gateway's services: validated <see cref="GatewayOptions"/>, the YARP proxy with routes built from them,
    /// destinations resolved through service discovery, and the pooled forwarder client.
    /// </summary>
    public static TBuilder AddGateway<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<GatewayOptions>()
            .BindConfiguration(GatewayOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        builder.AddGatewayDiscovery();

        builder.Services.AddSingleton<CacheNodeProxyConfigProvider>();
        builder.Services.AddSingleton<IProxyConfigProvider>(sp => sp.GetRequiredService<CacheNodeProxyConfigProvider>());

        builder.Services.AddReverseProxy()
            .AddTransforms<RetryResponseTransform>()
            .AddTransforms<DrainSignalTransform>()
            .AddTransforms<HedgeTicketTransform>()
            .AddTransforms<InternalKeyTransform>()
            .AddServiceDiscoveryDestinationResolver();
        builder.AddGatewayHealthAndBalancing();

        builder.Services.AddHostedService<GoProxyUrlLogger>();
        builder.Services.AddOptions<GatewayAccessOptions>().BindConfiguration(GatewayAccessOptions.SectionName)
            .Validate(o => string.IsNullOrWhiteSpace(o.Private) || !string.IsNullOrWhiteSpace(o.TokensFile),
                "Gateway:Access:Private is set but Gateway:Access:TokensFile is not: private modules would be served to anyone.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton<GatewayAccess>();
        builder.Services.TryAddSingleton(sp => new ImmutableAnswerStore(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Cache.MaxBytes));
        builder.Services.TryAddSingleton(sp => new PendingAnswers(sp.GetRequiredService<IOptions<GatewayOptions>>().Value.Cache.MaxCaptureBytes));

        return builder;
    }
    /// <summary>
    /// Health, balancing and the forwarder's connection pool: the "MaxFails" passive and "FailuresAndSuccesses" active
    /// health policies, the "Rendezvous" load-balancing policy (chosen by name in the cluster configuration) and
    /// <see cref="ForwarderClient"/> as YARP's HTTP client factory.
    /// </summary>
    private static void AddGatewayHealthAndBalancing<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<MaxFailsPassiveHealthPolicy>();
        builder.Services.TryAddSingleton<ModMesh.Gateway.Status.ProbeLog>();
        builder.Services.TryAddSingleton<ModMesh.Gateway.Status.GatewayStatus>();
        builder.Services.TryAddSingleton<ModMesh.Gateway.Status.ClusterStatus>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IPassiveHealthCheckPolicy, MaxFailsPassiveHealthPolicy>(sp => sp.GetRequiredService<MaxFailsPassiveHealthPolicy>()));
        builder.Services.TryAddSingleton<HedgingState>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IActiveHealthCheckPolicy, FailuresAndSuccessesActiveHealthPolicy>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoadBalancingPolicy, RendezvousLoadBalancingPolicy>());
        // Replaces YARP's default factory (registered with TryAdd by AddReverseProxy).
        builder.Services.Replace(ServiceDescriptor.Singleton<IForwarderHttpClientFactory, ForwarderClient>());
        builder.Services.DecorateProbingRequests();
    }

    /// <summary>Wraps YARP's probing-request factory (registered by AddReverseProxy) so probes are never traced.</summary>
    private static void DecorateProbingRequests(this IServiceCollection services)
    {
        var inner = services.LastOrDefault(d => d.ServiceType == typeof(IProbingRequestFactory))
            ?? throw new InvalidOperationException("AddReverseProxy registers an IProbingRequestFactory; none was found.");
        services.Remove(inner);
        services.AddSingleton<IProbingRequestFactory>(sp => new UntracedProbingRequestFactory(inner switch
        {
            { ImplementationInstance: IProbingRequestFactory instance } => instance,
            { ImplementationFactory: { } factory } => (IProbingRequestFactory)factory(sp),
            { ImplementationType: { } type } => (IProbingRequestFactory)ActivatorUtilities.CreateInstance(sp, type),
            _ => throw new InvalidOperationException("The registered IProbingRequestFactory cannot be built."),
        }));
    }

    /// <summary>
    /// The memory cache of immutable answers first (a hit never reaches the proxy), then the proxy pipeline: retry on
    /// another node first (it re-runs what follows), then YARP's session affinity, load
    /// balancing and passive health checks; the forwarder runs last.
    /// </summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        // Kind, status and time of every answer, for the status page (/, /status, /status.json).
        app.UseMiddleware<ModMesh.Gateway.Status.StatusRecordingMiddleware>();

        // Admin calls (/admin/...): admins only, audited; a purge drops this gateway's cached answers of the module.
        app.UseMiddleware<ModMesh.Gateway.Admin.AdminGate>();

        // Who is asking, and may they read this module: before the memory cache, so no answer bypasses it.
        app.UseMiddleware<AccessControlMiddleware>();

        // Immutable answers the gateway already holds never reach the proxy.
        app.UseMiddleware<ImmutableAnswerCache>();
        ModMesh.Gateway.Status.StatusEndpoints.MapStatus(app);
        app.MapReverseProxy(pipeline =>
        {
            pipeline.UseMiddleware<RetryOnAnotherNodeMiddleware>();
            pipeline.UseSessionAffinity();
            pipeline.UseLoadBalancing();
            pipeline.UsePassiveHealthChecks();
        });
        return app;
    }
}
