using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModMesh.Discovery;
using ModMesh.Discovery.Consul;
using ModMesh.Discovery.Dns;
using ModMesh.Discovery.Static;
using ModMesh.ServiceDefaults.Draining;

namespace Microsoft.Extensions.Hosting;

public static class DiscoveryExtensions
{
    /// <summary>
    /// Registers this service with Consul when "Consul:Address" is configured (nothing otherwise): registration on
    /// start with an HTTP check of /health/ready, background retries while the agent is unreachable, deregistration
    /// when the graceful drain starts (or, without one, when the host starts stopping). <paramref name="serviceName"/> is the default of "Consul:ServiceName".
    /// </summary>
    public static TBuilder AddConsulRegistration<TBuilder>(this TBuilder builder, string serviceName) where TBuilder : IHostApplicationBuilder
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration[$"{ConsulOptions.SectionName}:{nameof(ConsulOptions.Address)}"]))
        {
            return builder;
        }

        builder.AddConsulClient();
        builder.Services.AddOptions<ConsulRegistrationOptions>()
            .Configure(o => o.ServiceName = serviceName)
            .BindConfiguration(ConsulOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ConsulRegistrationService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ConsulRegistrationService>());
        // Deregister when the graceful drain starts (AddServiceDefaults), while the node still serves.
        builder.Services.AddSingleton<IDrainParticipant>(sp => sp.GetRequiredService<ConsulRegistrationService>());
        return builder;
    }

    /// <summary>
    /// The <see cref="IDestinationSource"/> chosen by "{<paramref name="sectionPath"/>}:Mode" (Static, Consul, Dns),
    /// with its options validated at start. Static mode reads its nodes from <paramref name="staticNodesSectionPath"/>
    /// (key "Nodes"). Sources that watch a backend run as hosted services.
    /// </summary>
    public static TBuilder AddDestinationSource<TBuilder>(this TBuilder builder, string sectionPath, string staticNodesSectionPath)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<DiscoveryOptions>()
            .BindConfiguration(sectionPath)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DiscoveryOptions>>(new DiscoveryOptionsValidator(sectionPath));
        builder.Services.TryAddSingleton(TimeProvider.System);

        // An unknown mode falls through to Static here and fails the options validation at start.
        _ = Enum.TryParse<DiscoveryMode>(builder.Configuration[$"{sectionPath}:{nameof(DiscoveryOptions.Mode)}"], ignoreCase: true, out var mode);
        switch (mode)
        {
            case DiscoveryMode.Consul:
                builder.AddConsulClient();
                AddHostedSource<ConsulDestinationSource>(builder.Services);
                break;
            case DiscoveryMode.Dns:
                AddHostedSource<DnsDestinationSource>(builder.Services);
                break;
            default:
                builder.Services.AddOptions<StaticDestinationOptions>().BindConfiguration(staticNodesSectionPath);
                builder.Services.AddSingleton<IDestinationSource, StaticDestinationSource>();
                break;
        }

        return builder;
    }

    private static void AddHostedSource<TSource>(IServiceCollection services) where TSource : class, IDestinationSource, IHostedService
    {
        services.AddSingleton<TSource>();
        services.AddSingleton<IDestinationSource>(sp => sp.GetRequiredService<TSource>());
        services.AddHostedService(sp => sp.GetRequiredService<TSource>());
    }

    private static void AddConsulClient(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConsulOptions>()
            .BindConfiguration(ConsulOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton(sp => new ConsulClient(ConsulClient.CreateHttpClient(), sp.GetRequiredService<IOptions<ConsulOptions>>()));
        builder.Services.TryAddSingleton<IConsulAgentClient>(sp => sp.GetRequiredService<ConsulClient>());
        builder.Services.TryAddSingleton<IConsulHealthClient>(sp => sp.GetRequiredService<ConsulClient>());
    }
}
