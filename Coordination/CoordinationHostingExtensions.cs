using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ModMesh.Coordination.InProcess;
using ModMesh.Coordination.Resilience;
using ModMesh.Coordination.Redis;

namespace ModMesh.Coordination;

/// <summary>Chooses the coordinator from configuration.</summary>
public static class CoordinationHostingExtensions
{
    /// <summary>The connection-string name of Redis (Aspire convention: ConnectionStrings__redis).</summary>
    public const string RedisConnectionName = "redis";

    /// <summary>True when a Redis connection string is configured (the distributed mode).</summary>
    public static bool HasSharedCoordinator(this IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration.GetConnectionString(RedisConnectionName));

    /// <summary>
    /// Registers the coordination services. With <c>ConnectionStrings:redis</c>: Redis locks, events, negative cache
    /// and queue, each falling back to the in-process implementation while Redis is unreachable (hits keep being
    /// served, fills become node-local single-flight, and everything goes back to Redis by itself when it answers).
    /// The Redis mode needs <c>ModMesh:Coordination:JobSigningKey</c> (base64, at least 32 bytes, the same on every node and
    /// fetcher): without it the host refuses to start, naming the setting.
    /// Without a Redis connection string: the in-process implementations (the single-process embedded mode).
    /// </summary>
    public static IHostApplicationBuilder AddModMeshCoordination(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var redis = builder.Configuration.GetConnectionString(RedisConnectionName);
        services.TryAddSingleton(TimeProvider.System);
        if (string.IsNullOrWhiteSpace(redis))
        {
            services.AddInProcessCoordination();
            services.TryAddSingleton(new CoordinationFailover(_ => false));
            return builder;
        }

        // ModMesh:Coordination: the job-signing key (required here) and the heartbeat and naming settings.
        services.AddOptions<RedisCoordinationOptions>().BindConfiguration(RedisCoordinationOptions.SectionName);
        services.AddRedisCoordination(redis);
        var failover = new CoordinationFailover(ex => RedisConnection.IsUnavailable(ex) || ex is TimeoutException or IOException);
        services.AddSingleton(failover);
        services.AddSingleton(sp => new InProcessLockProvider(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new InProcessFillEvents(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new InProcessNegativeCache(sp.GetRequiredService<TimeProvider>()));
        Wrap<ILockProvider>(services, (shared, sp) => new FailoverLockProvider(shared, sp.GetRequiredService<InProcessLockProvider>(), failover));
        Wrap<IFillEvents>(services, (shared, sp) => new FailoverFillEvents(shared, sp.GetRequiredService<InProcessFillEvents>(), failover));
        Wrap<INegativeCache>(services, (shared, sp) => new FailoverNegativeCache(shared, sp.GetRequiredService<InProcessNegativeCache>(), failover));
        return builder;
    }

    private static void Wrap<TService>(IServiceCollection services, Func<TService, IServiceProvider, TService> wrap)
        where TService : class
    {
        var inner = services.Last(d => d.ServiceType == typeof(TService));
        services.Remove(inner);
        services.AddSingleton(sp => wrap(Create<TService>(inner, sp), sp));
    }

    private static TService Create<TService>(ServiceDescriptor descriptor, IServiceProvider sp) where TService : class =>
        descriptor.ImplementationInstance as TService
        ?? (descriptor.ImplementationFactory is { } factory
            ? (TService)factory(sp)
            : (TService)ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!));
}
