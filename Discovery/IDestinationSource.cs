using Microsoft.Extensions.Primitives;

namespace ModMesh.Discovery;

/// <summary>
/// Where the gateway's cache nodes come from. <see cref="Current"/> is the latest known set; the token of
/// <see cref="GetChangeToken"/> fires once when a different set replaces it (take a new token after it fired).
/// A source never replaces a good set with nothing because its backend failed: it keeps the last good set.
/// Sources that watch a backend also implement <see cref="Microsoft.Extensions.Hosting.IHostedService"/>.
/// </summary>
public interface IDestinationSource
{
    /// <summary>"Static", "Consul" or "Dns".</summary>
    string Name { get; }

    DestinationSet Current { get; }

    IChangeToken GetChangeToken();
}
