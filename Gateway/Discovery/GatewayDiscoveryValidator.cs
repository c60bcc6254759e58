using Microsoft.Extensions.Options;
using ModMesh.Discovery;

namespace ModMesh.Gateway.Discovery;

/// <summary>Static discovery (the default) needs at least one node in "Gateway:Nodes"; the other modes need none.</summary>
internal sealed class GatewayDiscoveryValidator(IOptions<DiscoveryOptions> discovery) : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options) =>
        discovery.Value.Mode == DiscoveryMode.Static && options.Nodes.Length == 0
            ? ValidateOptionsResult.Fail(
                $"{GatewayOptions.SectionName}:Nodes needs at least one cache node URL when {GatewayDiscoveryExtensions.SectionPath}:Mode is Static (the default); " +
                $"or set {GatewayDiscoveryExtensions.SectionPath}:Mode to Consul or Dns.")
            : ValidateOptionsResult.Success;
}
