using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModMesh.Coordination;
using ModMesh.Coordination.Redis;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Redis coordination (the distributed mode).</summary>
public static class RedisCoordinationExtensions
{
    /// <summary>
    /// Registers one shared <see cref="IConnectionMultiplexer"/> for <paramref name="connectionString"/> (the Aspire
    /// <c>ConnectionStrings:redis</c> value; see <see cref="RedisConnection.CreateConfiguration"/> for the outage
    /// defaults applied) unless a multiplexer is already registered, and <see cref="RedisLockProvider"/>,
    /// <see cref="RedisFillEvents"/>, <see cref="RedisNegativeCache"/> and <see cref="RedisFillQueue"/> as the
    /// singletons for the four coordination contracts, replacing any earlier registration (the in-process ones).
    /// The multiplexer connects when first resolved: with Redis down that takes about the connect timeout (2 s) and
    /// the process starts anyway; the multiplexer keeps reconnecting in the background.
    /// The options must carry <see cref="RedisCoordinationOptions.JobSigningKey"/> (set by <paramref name="configure"/>
    /// or bound from configuration by the caller): without a valid key the host fails at start-up, naming the setting.
    /// </summary>
    public static IServiceCollection AddRedisCoordination(
        this IServiceCollection services, string connectionString, Action<RedisCoordinationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var configuration = RedisConnection.CreateConfiguration(connectionString); // a malformed string fails here, at start-up.

        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<RedisCoordinationOptions>()
            .Configure(o => configure?.Invoke(o))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisCoordinationOptions>, OptionsValidator>());
        services.TryAddSingleton<IConnectionMultiplexer>(sp =>
        {
            configuration.LoggerFactory ??= sp.GetService<ILoggerFactory>();
            return ConnectionMultiplexer.Connect(configuration);
        });

        services.RemoveAll<ILockProvider>();
        services.RemoveAll<IFillEvents>();
        services.RemoveAll<INegativeCache>();
        services.RemoveAll<IFillQueue>();
        services.AddSingleton<ILockProvider>(sp => new RedisLockProvider(Multiplexer(sp), Options(sp)));
        services.AddSingleton<IFillEvents>(sp => new RedisFillEvents(
            Multiplexer(sp), Options(sp), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<RedisFillEvents>>()));
        services.AddSingleton<INegativeCache>(sp => new RedisNegativeCache(Multiplexer(sp), Options(sp)));
        services.AddSingleton<IFillQueue>(sp => new RedisFillQueue(
            Multiplexer(sp), Options(sp), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILogger<RedisFillQueue>>(), sp.GetService<IMeterFactory>()));
        return services;

        static IConnectionMultiplexer Multiplexer(IServiceProvider sp) => sp.GetRequiredService<IConnectionMultiplexer>();

        static RedisCoordinationOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<RedisCoordinationOptions>>().Value;
    }

    private sealed class OptionsValidator : IValidateOptions<RedisCoordinationOptions>
    {
        public ValidateOptionsResult Validate(string? name, RedisCoordinationOptions options) =>
            options.ValidationError(requireSigningKey: true) is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
    }
}
