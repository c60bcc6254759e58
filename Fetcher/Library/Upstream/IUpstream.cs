namespace ModMesh.Fetcher.Upstream;

/// <summary>The upstream chain: asks each GOPROXY entry in turn, as the go command does.</summary>
public interface IUpstream
{
    /// <summary>
    /// Fetches <paramref name="request"/> from the first entry that has it. Private modules are never asked of a URL
    /// entry; checksum-database requests never go to "direct". The caller disposes the response.
    /// </summary>
    Task<UpstreamResponse> GetAsync(UpstreamRequest request, CancellationToken cancellationToken);
}
