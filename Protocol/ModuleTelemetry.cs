using System.Diagnostics;

namespace ModMesh.Protocol;

/// <summary>
/// The span attributes that name the module a span works on, the same on every service (gateway, node, fetcher), so
/// one search for a module finds its spans everywhere.
/// </summary>
public static class ModuleTelemetry
{
    /// <summary>The module path, decoded (real case): "golang.org/x/text".</summary>
    public const string PathAttribute = "module.path";

    /// <summary>The version as asked for ("v0.3.0", or a query such as "latest" on <c>@v/latest.info</c> paths).</summary>
    public const string VersionAttribute = "module.version";

    /// <summary>The file of a version a fill writes: "info", "mod" or "zip".</summary>
    public const string FileAttribute = "module.file";

    /// <summary>Tags <paramref name="activity"/> (when it is recorded) with the module path and version (none when the path is null or empty).</summary>
    public static Activity? SetModule(this Activity? activity, string? modulePath, string? version)
    {
        if (activity is { IsAllDataRequested: true } && !string.IsNullOrEmpty(modulePath))
        {
            activity.SetTag(PathAttribute, modulePath);
            if (version is not null)
            {
                activity.SetTag(VersionAttribute, version);
            }
        }

        return activity;
    }

    /// <summary>Tags <paramref name="activity"/> with the module of a parsed GOPROXY request (nothing for a sumdb path that names none).</summary>
    public static Activity? SetModule(this Activity? activity, ProxyRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return activity.SetModule(request.ModulePath, request.Version);
    }
}
