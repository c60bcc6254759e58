namespace ModMesh.Protocol;

/// <summary>
/// A parsed GOPROXY request. Module paths and versions are decoded (real case); the Escaped* forms are as they
/// appear in URLs. For sumdb requests, <see cref="SumdbName"/> is the database name and <see cref="SumdbPath"/>
/// the rest of the path after "sumdb/$name/" (e.g. "lookup/golang.org/x/text@v0.3.0"); module fields are empty
/// except for lookups, where they hold the looked-up module and version.
/// </summary>
public sealed record ProxyRequest(
    ProxyRequestKind Kind,
    string ModulePath,
    string EscapedModulePath,
    string? Version,
    string? EscapedVersion,
    string? SumdbName = null,
    string? SumdbPath = null)
{
    /// <summary>True for .info/.mod/.zip of a canonical semantic version (immutable answers).</summary>
    public bool IsCanonicalVersion => Version is not null && Semver.IsCanonical(Version);

    /// <summary>True for sumdb/... requests.</summary>
    public bool IsSumdb => SumdbName is not null;
}
