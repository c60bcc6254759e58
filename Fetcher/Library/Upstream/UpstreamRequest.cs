using ModMesh.Protocol;

namespace ModMesh.Fetcher.Upstream;

/// <summary>
/// What is asked of the upstream chain: a module's file or query (<see cref="ModuleUpstreamRequest"/>) or a
/// checksum-database path (<see cref="SumdbUpstreamRequest"/>). Typed, so nothing is built from strings and parsed
/// back; the relative URL is made in one place.
/// </summary>
public abstract record UpstreamRequest
{
    /// <summary>The path below an upstream's base URL, already escaped (e.g. "golang.org/x/text/@v/v0.3.0.mod").</summary>
    public abstract string RelativeUrl { get; }

    /// <summary>The module whose privacy rules apply, or null for a checksum-database request.</summary>
    public abstract string? ModulePath { get; }
}

/// <summary>
/// A module request: <see cref="ProxyRequestKind.List"/>, <see cref="ProxyRequestKind.Latest"/>, or
/// <see cref="ProxyRequestKind.Info"/>/<see cref="ProxyRequestKind.Mod"/>/<see cref="ProxyRequestKind.Zip"/> of
/// <see cref="EscapedVersion"/> (a canonical version or, for .info, a query such as "master").
/// </summary>
public sealed record ModuleUpstreamRequest : UpstreamRequest
{
    /// <summary>A module request; the escaped forms come from the protocol layer (validated).</summary>
    public ModuleUpstreamRequest(string modulePath, string escapedPath, ProxyRequestKind kind, string? escapedVersion = null)
    {
        if (kind is not (ProxyRequestKind.List or ProxyRequestKind.Latest or ProxyRequestKind.Info or ProxyRequestKind.Mod or ProxyRequestKind.Zip))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a module request");
        }

        if (kind is ProxyRequestKind.Info or ProxyRequestKind.Mod or ProxyRequestKind.Zip && string.IsNullOrEmpty(escapedVersion))
        {
            throw new ArgumentException("a version file needs a version", nameof(escapedVersion));
        }

        Module = modulePath;
        EscapedPath = escapedPath;
        Kind = kind;
        EscapedVersion = escapedVersion;
    }

    /// <summary>The module path, real case.</summary>
    public string Module { get; }

    /// <summary>The module path, case-encoded.</summary>
    public string EscapedPath { get; }

    /// <summary>What is asked.</summary>
    public ProxyRequestKind Kind { get; }

    /// <summary>The version (case-encoded) for .info/.mod/.zip.</summary>
    public string? EscapedVersion { get; }

    /// <inheritdoc />
    public override string? ModulePath => Module;

    /// <summary>The path below the module ("@v/list", "@latest", "@v/v1.2.3.zip").</summary>
    public string ModuleRelativePath => Kind switch
    {
        ProxyRequestKind.List => "@v/list",
        ProxyRequestKind.Latest => "@latest",
        ProxyRequestKind.Info => $"@v/{EscapedVersion}.info",
        ProxyRequestKind.Mod => $"@v/{EscapedVersion}.mod",
        _ => $"@v/{EscapedVersion}.zip",
    };

    /// <inheritdoc />
    public override string RelativeUrl => $"{EscapedPath}/{ModuleRelativePath}";

    /// <inheritdoc />
    public override string ToString() => RelativeUrl;
}

/// <summary>A checksum-database request: "sumdb/{Name}/{Path}" (Path like "latest", "lookup/m@v", "tile/8/0/1").</summary>
public sealed record SumdbUpstreamRequest(string Name, string Path) : UpstreamRequest
{
    /// <inheritdoc />
    public override string RelativeUrl => $"sumdb/{Name}/{Path}";

    /// <inheritdoc />
    public override string? ModulePath => null;

    /// <inheritdoc />
    public override string ToString() => RelativeUrl;
}
