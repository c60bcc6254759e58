using Microsoft.Extensions.Options;
using ModMesh.Gateway;
using ModMesh.Gateway.Routing;
using Yarp.ReverseProxy.Configuration;

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

        builder.Services.AddSingleton<CacheNodeProxyConfigProvider>();
        builder.Services.AddSingleton<IProxyConfigProvider>(sp => sp.GetRequiredService<CacheNodeProxyConfigProvider>());

        builder.Services.AddReverseProxy()
            .ConfigureHttpClient(ForwarderClient.Configure)
            .AddServiceDiscoveryDestinationResolver();

        builder.Services.AddHostedService<GoProxyUrlLogger>();

        return builder;
    }
}
