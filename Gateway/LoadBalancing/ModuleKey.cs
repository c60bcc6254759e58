namespace ModMesh.Gateway.LoadBalancing;

/// <summary>The affinity key of a GOPROXY request: its module path.</summary>
internal static class ModuleKey
{
    /// <summary>
    /// "/github.com/!azure/sdk/@v/v1.2.3.zip" and "/github.com/!azure/sdk/@latest" give "github.com/!azure/sdk"
    /// (still case-encoded: the key only has to be stable). Any other path (sumdb, health) is its own key.
    /// </summary>
    public static ReadOnlySpan<char> FromPath(ReadOnlySpan<char> path)
    {
        var version = path.IndexOf("/@v/", StringComparison.Ordinal);
        if (version >= 0)
        {
            path = path[..version];
        }
        else if (path.EndsWith("/@latest", StringComparison.Ordinal))
        {
            path = path[..^"/@latest".Length];
        }

        return path.TrimStart('/');
    }
}
