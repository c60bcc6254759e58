using Microsoft.Extensions.Options;
using ModMesh.Fetcher.Upstream;
using ModMesh.Protocol;
using ModMesh.Storage;
using ModMesh.Coordination;

namespace ModMesh.CacheNode.Sumdb;

/// <summary>
/// The checksum-database proxy (go.dev/ref/mod#checksum-database): "/sumdb/$name/..." is asked of the upstream
/// chain, so a go client with GOSUMDB on needs no direct route to sum.golang.org. Tiles and lookups never change
/// once served, so they are kept in the store; "latest" and "supported" always go upstream. A lookup of a private
/// or no-sumdb module is never sent (rule 6).
/// </summary>
internal sealed class ChecksumDatabaseProxy(IBlobStore blobs, IUpstream upstream, IOptions<UpstreamOptions> options)
{
    private const long MaxBodyBytes = 1L << 20;
    private readonly ModulePatternSet _noLookup = ModulePatternSet.Parse($"{options.Value.Private},{options.Value.NoSumdb}");

    /// <summary>What the proxy produced: a body with its content type, or a status with a message.</summary>
    public sealed record Answer(int StatusCode, byte[]? Body, string ContentType, string? Message, bool Immutable);

    public async Task<Answer> GetAsync(ProxyRequest request, CancellationToken cancellationToken)
    {
        if (request.Kind == ProxyRequestKind.SumdbLookup && _noLookup.Matches(request.ModulePath))
        {
            return new Answer(StatusCodes.Status404NotFound, null, "", $"{request.ModulePath} is private (or no-sumdb): it is not looked up in a public checksum database", false);
        }

        var immutable = request.Kind is ProxyRequestKind.SumdbLookup or ProxyRequestKind.SumdbTile;
        var cacheKey = $"sumdb/{request.SumdbName}/{request.SumdbPath}";
        if (immutable)
        {
            await using var cached = await blobs.OpenReadAsync(cacheKey, cancellationToken);
            if (cached is not null)
            {
                return new Answer(StatusCodes.Status200OK, await ReadAllAsync(cached.Content, cancellationToken), ContentType(request), null, true);
            }
        }

        using var response = await upstream.GetAsync(new SumdbUpstreamRequest(request.SumdbName!, request.SumdbPath!), cancellationToken);
        switch (response.Status)
        {
            case OutcomeKind.Ok:
                var body = await ReadAllAsync(response.Content!, cancellationToken);
                if (immutable)
                {
                    using var content = new MemoryStream(body, writable: false);
                    await blobs.PutAsync(cacheKey, content, cancellationToken);
                }

                return new Answer(StatusCodes.Status200OK, body, ContentType(request), null, immutable);
            case OutcomeKind.NotFound:
                return new Answer(StatusCodes.Status404NotFound, null, "", response.Message, false);
            case OutcomeKind.UpstreamTimeout:
                return new Answer(StatusCodes.Status504GatewayTimeout, null, "", response.Message, false);
            default:
                return new Answer(StatusCodes.Status502BadGateway, null, "", response.Message, false);
        }
    }

    private static string ContentType(ProxyRequest request) =>
        request.Kind == ProxyRequestKind.SumdbTile ? "application/octet-stream" : "text/plain; charset=utf-8";

    private static async Task<byte[]> ReadAllAsync(Stream source, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await source.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw new IOException($"checksum database answer larger than {MaxBodyBytes} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
