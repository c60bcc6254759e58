using Microsoft.Extensions.Options;
using ModMesh.Fetcher.Upstream;
using ModMesh.Fetcher.Verification;
using ModMesh.Protocol;
using ModMesh.Protocol.Sumdb;
using ModMesh.Storage;
using ModMesh.Coordination;

namespace ModMesh.CacheNode.Sumdb;

/// <summary>
/// The checksum-database proxy (go.dev/ref/mod#checksum-database): "/sumdb/$name/..." of the configured database
/// ("ModMesh:Sumdb") is asked of the upstream chain, so a go client with GOSUMDB on needs no direct route to it; any
/// other name (every name when verification is off) is 404, never forwarded, so the go command falls back to its own
/// settings. Nothing passes unchecked (rule 7): "latest" must verify with the key and not roll back the kept tree head;
/// lookups and tiles are kept in the store and served immutable only once authenticated against a verified signed
/// tree; ones that cannot be checked now are passed on uncached ("no-cache": the go command checks them itself), and
/// ones that contradict the signed tree are refused (502). A lookup of a private or no-sumdb module is never sent (rule 6).
/// </summary>
internal sealed class ChecksumDatabaseProxy(IBlobStore blobs, IUpstream upstream, ISumdbAnswerVerifier verifier, IOptions<UpstreamOptions> options)
{
    private const long MaxBodyBytes = 1L << 20;
    private readonly ModulePatternSet _noLookup = ModulePatternSet.Parse($"{options.Value.Private},{options.Value.NoSumdb}", ignoreCase: !options.Value.CaseSensitivePatterns);

    /// <summary>What the proxy produced: a body with its content type, or a status with a message.</summary>
    public sealed record Answer(int StatusCode, byte[]? Body, string ContentType, string? Message, bool Immutable);

    /// <summary>The store key of an authenticated lookup or tile ("checked/": nothing kept before answers were checked is served).</summary>
    internal static string CacheKey(string database, string sumdbPath) => Storage.Modules.ModuleStore.SumdbKeyOf(database, $"checked/{sumdbPath}");

    public async Task<Answer> GetAsync(ProxyRequest request, CancellationToken cancellationToken)
    {
        var database = verifier.DatabaseName;
        if (database is null || !string.Equals(request.SumdbName, database, StringComparison.Ordinal))
        {
            return new Answer(StatusCodes.Status404NotFound, null, "", $"{request.SumdbName} is not a configured checksum database", false);
        }

        if (request.Kind == ProxyRequestKind.SumdbLookup && _noLookup.Matches(request.ModulePath))
        {
            return new Answer(StatusCodes.Status404NotFound, null, "", $"{request.ModulePath} is private (or no-sumdb): it is not looked up in a public checksum database", false);
        }

        var keepable = request.Kind is ProxyRequestKind.SumdbLookup or ProxyRequestKind.SumdbTile;
        var cacheKey = CacheKey(database, request.SumdbPath!);
        if (keepable)
        {
            await using var cached = await blobs.OpenReadAsync(cacheKey, cancellationToken);
            if (cached is not null)
            {
                var kept = await ReadLimitedAsync(cached.Content, cancellationToken);
                if (kept is not null)
                {
                    return new Answer(StatusCodes.Status200OK, kept, ContentType(request), null, true);
                }
            }
        }

        byte[]? body;
        using (var response = await upstream.GetAsync(new SumdbUpstreamRequest(database, request.SumdbPath!), cancellationToken))
        {
            switch (response.Status)
            {
                case OutcomeKind.Ok:
                    try
                    {
                        body = response.ContentLength > MaxBodyBytes ? null : await ReadLimitedAsync(response.Content!, cancellationToken);
                    }
                    catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
                    {
                        return new Answer(StatusCodes.Status502BadGateway, null, "", $"reading the checksum database answer failed: {ex.Message}", false);
                    }

                    if (body is null)
                    {
                        return new Answer(StatusCodes.Status502BadGateway, null, "", $"checksum database answer larger than {MaxBodyBytes} bytes", false);
                    }

                    break;
                case OutcomeKind.NotFound:
                    return new Answer(StatusCodes.Status404NotFound, null, "", response.Message, false);
                case OutcomeKind.UpstreamTimeout:
                    return new Answer(StatusCodes.Status504GatewayTimeout, null, "", response.Message, false);
                default:
                    return new Answer(StatusCodes.Status502BadGateway, null, "", response.Message, false);
            }
        }

        var verdict = request.Kind switch
        {
            ProxyRequestKind.SumdbLatest => await verifier.VerifyLatestAsync(body, cancellationToken),
            ProxyRequestKind.SumdbLookup => await verifier.VerifyLookupAsync(request.ModulePath, request.Version!, body, cancellationToken),
            ProxyRequestKind.SumdbTile when Tile.TryParse(request.SumdbPath!, out var tile) => await verifier.VerifyTileAsync(tile, body, cancellationToken),
            ProxyRequestKind.SumdbTile => new SumdbAnswerVerdict(SumdbAnswerStatus.Unverifiable, $"{request.SumdbPath}: not a tile path this node checks"),
            _ => new SumdbAnswerVerdict(SumdbAnswerStatus.Unverifiable, ""), // supported: nothing to check
        };

        switch (verdict.Status)
        {
            case SumdbAnswerStatus.Verified when keepable:
                using (var content = new MemoryStream(body, writable: false))
                {
                    await blobs.PutAsync(cacheKey, content, cancellationToken);
                }

                return new Answer(StatusCodes.Status200OK, body, ContentType(request), null, true);
            case SumdbAnswerStatus.Refused:
                return new Answer(StatusCodes.Status502BadGateway, null, "", verdict.Message, false);
            default:
                return new Answer(StatusCodes.Status200OK, body, ContentType(request), null, false);
        }
    }

    private static string ContentType(ProxyRequest request) =>
        request.Kind == ProxyRequestKind.SumdbTile && !request.SumdbPath!.Contains("/data/", StringComparison.Ordinal)
            ? "application/octet-stream"
            : "text/plain; charset=utf-8";

    /// <summary>The whole body, or null when it is over the bound.</summary>
    private static async Task<byte[]?> ReadLimitedAsync(Stream source, CancellationToken cancellationToken)
    {
        try
        {
            return await BoundedRead.ReadAllAsync(source, MaxBodyBytes, "the checksum database answer", cancellationToken);
        }
        catch (FillRejectedException)
        {
            return null;
        }
    }
}
