using Microsoft.Extensions.Options;
using ModMesh.Discovery;
using ModMesh.Gateway;
using ModMesh.Gateway.Discovery;

namespace Microsoft.Extensions.Hosting;

public static class GatewayDiscoveryExtensions
{
    /// <summary>"Gateway:Discovery": where the gateway's cache nodes come from.</summary>
    public const string SectionPath = GatewayOptions.SectionName + ":Discovery";

    /// <summary>
    /// The <see cref="IDestinationSource"/> chosen by "Gateway:Discovery:Mode": Static ("Gateway:Nodes", the
    /// default), Consul or Dns. The proxy configuration follows its changes without a restart.
    /// </summary>
    public static TBuilder AddGatewayDiscovery<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddDestinationSource(SectionPath, GatewayOptions.SectionName);
        builder.Services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayDiscoveryValidator>();
        return builder;
    }
}
