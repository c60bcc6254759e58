using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.LoadBalancing;

namespace ModMesh.Gateway;

/// <summary>
/// What data annotations cannot say: every node is an absolute http(s) URL without query or fragment, and the
/// load-balancing policy is one that is registered.
/// </summary>
internal sealed class GatewayOptionsValidator(IEnumerable<ILoadBalancingPolicy> policies) : IValidateOptions<GatewayOptions>
{
    // "https+http" / "http+https" are service-discovery scheme lists ("prefer https, fall back to http").
    private static readonly string[] AllowedSchemes = ["http", "https", "https+http", "http+https"];

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.Nodes.Length; i++)
        {
            var node = options.Nodes[i];
            if (!Uri.TryCreate(node, UriKind.Absolute, out var uri)
                || !AllowedSchemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase)
                || uri.Query.Length > 0
                || uri.Fragment.Length > 0)
            {
                failures.Add($"{GatewayOptions.SectionName}:Nodes:{i} ('{node}') must be an absolute http(s) URL such as 'http://127.0.0.1:3000' or 'http://cachenode'.");
            }
        }

        if (!policies.Any(p => string.Equals(p.Name, options.LoadBalancingPolicy, StringComparison.OrdinalIgnoreCase)))
        {
            var known = string.Join(", ", policies.Select(p => p.Name).Order(StringComparer.Ordinal));
            failures.Add($"{GatewayOptions.SectionName}:LoadBalancingPolicy '{options.LoadBalancingPolicy}' is unknown; known policies: {known}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
