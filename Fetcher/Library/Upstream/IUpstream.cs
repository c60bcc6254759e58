namespace ModMesh.Fetcher.Upstream;

/// <summary>The upstream chain: asks each GOPROXY entry in turn, as the go command does.</summary>
public interface IUpstream
{
    /// <summary>
    /// Fetches <c>{entry}/{escapedPath}/{relativePath}</c> (relativePath like "@v/list", "@latest" or
    /// "@v/v1.2.3.zip", already escaped) from the first entry that has it. Private modules are never asked of a
    /// URL entry. The caller disposes the response.
    /// </summary>
    Task<UpstreamResponse> GetAsync(string modulePath, string escapedPath, string relativePath, CancellationToken cancellationToken);
}
