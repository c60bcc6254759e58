using System.Net;
using Microsoft.Extensions.Options;

namespace ModMesh.Discovery;

/// <summary>What data annotations cannot say: Dns mode needs a name, and DNS servers must be "ip[:port]".</summary>
internal sealed class DiscoveryOptionsValidator(string sectionPath) : IValidateOptions<DiscoveryOptions>
{
    public ValidateOptionsResult Validate(string? name, DiscoveryOptions options)
    {
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Mode))
        {
            failures.Add($"{sectionPath}:Mode '{options.Mode}' is unknown; use Static, Consul or Dns.");
        }

        if (options.Mode == DiscoveryMode.Dns && string.IsNullOrWhiteSpace(options.Dns.Name))
        {
            failures.Add($"{sectionPath}:Dns:Name is required when {sectionPath}:Mode is Dns (e.g. 'modmesh-cachenode.modmesh.svc.cluster.local').");
        }

        for (var i = 0; i < options.Dns.Servers.Length; i++)
        {
            if (!IPEndPoint.TryParse(options.Dns.Servers[i], out _))
            {
                failures.Add($"{sectionPath}:Dns:Servers:{i} ('{options.Dns.Servers[i]}') must be an IP address with an optional port, e.g. '10.96.0.10' or '127.0.0.1:5353'.");
            }
        }

        if (options.Consul.MaxRetryDelay < options.Consul.RetryDelay)
        {
            failures.Add($"{sectionPath}:Consul:MaxRetryDelay must not be below {sectionPath}:Consul:RetryDelay.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>"10.96.0.10" → port 53; "127.0.0.1:5353" → as written.</summary>
    internal static IPEndPoint ParseServer(string server)
    {
        var endpoint = IPEndPoint.Parse(server);
        return endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, 53) : endpoint;
    }
}
