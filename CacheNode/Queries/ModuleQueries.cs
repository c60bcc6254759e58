using System.Text;
using Microsoft.Extensions.Options;
using ModMesh.Coordination;
using ModMesh.Fetcher;
using ModMesh.Fetcher.Upstream;
using ModMesh.Protocol;
using ModMesh.Storage.Modules;

namespace ModMesh.CacheNode.Queries;

/// <summary>
/// Answers the mutable questions (list, @latest, .info of a query such as "master") with rule 5 of the design:
/// cached in the store with a time to live; once stale, served stale while one background refresh runs; served
/// stale when the upstream fails; upstream "not found" remembered briefly. When the upstream has nothing, what
/// is committed in the store still answers.
/// </summary>
internal sealed partial class ModuleQueries(
    ModuleStore store,
    IUpstream upstream,
    INegativeCache negative,
    IOptions<QueryCacheOptions> options,
    TimeProvider time,
    ILogger<ModuleQueries> logger)
{
    private const long MaxQueryBytes = 16L << 20;
    private readonly SingleFlight<string, QueryAnswer> _refreshing = new();
    private readonly QueryCacheOptions _options = options.Value;

    public Task<QueryAnswer> ListAsync(ProxyRequest request, CancellationToken cancellationToken) =>
        AnswerAsync(request, "list", "@v/list",
            async (body, token) => Encoding.UTF8.GetBytes(FormatList(ParseList(body).Concat(await CommittedVersionsAsync(request, token).ConfigureAwait(false)))),
            async token =>
            {
                var committed = await CommittedVersionsAsync(request, token).ConfigureAwait(false);
                return committed.Count == 0 ? null : Encoding.UTF8.GetBytes(FormatList(committed));
            },
            cancellationToken);

    public Task<QueryAnswer> LatestAsync(ProxyRequest request, CancellationToken cancellationToken) =>
        AnswerAsync(request, "latest", "@latest", null, token => LatestFromStoreAsync(request, token), cancellationToken);

    public Task<QueryAnswer> InfoQueryAsync(ProxyRequest request, CancellationToken cancellationToken) =>
        AnswerAsync(request, $"info/{request.EscapedVersion}", $"@v/{request.EscapedVersion}.info", null, null, cancellationToken);

    private async Task<QueryAnswer> AnswerAsync(
        ProxyRequest request,
        string query,
        string relativePath,
        Func<byte[], CancellationToken, Task<byte[]>>? transform,
        Func<CancellationToken, Task<byte[]?>>? fromStore,
        CancellationToken cancellationToken)
    {
        var cacheKey = ModuleStore.QueryKeyOf(request.EscapedModulePath, query);
        var cached = await ReadCachedAsync(cacheKey, cancellationToken).ConfigureAwait(false);
        if (cached is { } hit)
        {
            if (time.GetUtcNow() - hit.WrittenAt <= _options.QueryTimeToLive)
            {
                return new QueryAnswer(QueryStatus.Ok, hit.Body, null);
            }

            // Stale: answer now, refresh behind (one refresh per key at a time).
            _ = Refresh(request, cacheKey, relativePath, transform);
            return new QueryAnswer(QueryStatus.Ok, hit.Body, null, Stale: true);
        }

        var notFound = await negative.GetAsync(NegativeKey(cacheKey), cancellationToken).ConfigureAwait(false);
        QueryAnswer answer = notFound is not null
            ? new QueryAnswer(QueryStatus.NotFound, null, notFound)
            : await Refresh(request, cacheKey, relativePath, transform).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (answer.Status == QueryStatus.Ok || fromStore is null)
        {
            return answer;
        }

        var fallback = await fromStore(cancellationToken).ConfigureAwait(false);
        return fallback is null ? answer : new QueryAnswer(QueryStatus.Ok, fallback, null, Stale: answer.Status != QueryStatus.NotFound);
    }

    private Task<QueryAnswer> Refresh(ProxyRequest request, string cacheKey, string relativePath, Func<byte[], CancellationToken, Task<byte[]>>? transform) =>
        _refreshing.Run(cacheKey, () => FetchAsync(request, cacheKey, relativePath, transform));

    private async Task<QueryAnswer> FetchAsync(ProxyRequest request, string cacheKey, string relativePath, Func<byte[], CancellationToken, Task<byte[]>>? transform)
    {
        using var bound = new CancellationTokenSource(_options.RefreshTimeout, time);
        try
        {
            using var response = await upstream.GetAsync(request.ModulePath, request.EscapedModulePath, relativePath, bound.Token).ConfigureAwait(false);
            switch (response.Status)
            {
                case UpstreamStatus.Ok:
                    using (var buffer = new MemoryStream())
                    {
                        await CopyLimitedAsync(response.Content!, buffer, bound.Token).ConfigureAwait(false);
                        var body = buffer.ToArray();
                        if (transform is not null)
                        {
                            body = await transform(body, bound.Token).ConfigureAwait(false);
                        }

                        using var content = new MemoryStream(body, writable: false);
                        await store.Blobs.PutAsync(cacheKey, content, bound.Token).ConfigureAwait(false);
                        return new QueryAnswer(QueryStatus.Ok, body, null);
                    }

                case UpstreamStatus.NotFound:
                    await negative.SetAsync(NegativeKey(cacheKey), response.Message, _options.NotFoundTimeToLive, bound.Token).ConfigureAwait(false);
                    return new QueryAnswer(QueryStatus.NotFound, null, response.Message);
                case UpstreamStatus.Timeout:
                    return new QueryAnswer(QueryStatus.UpstreamTimeout, null, response.Message);
                default:
                    return new QueryAnswer(QueryStatus.UpstreamError, null, response.Message);
            }
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
            return new QueryAnswer(QueryStatus.UpstreamTimeout, null, $"{request.ModulePath}: the upstream did not answer within {_options.RefreshTimeout}");
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or UnauthorizedAccessException)
        {
            Log.RefreshFailed(logger, cacheKey, ex.Message);
            return new QueryAnswer(QueryStatus.UpstreamError, null, $"{request.ModulePath}: {ex.Message}");
        }
    }

    private async Task<(byte[] Body, DateTimeOffset WrittenAt)?> ReadCachedAsync(string cacheKey, CancellationToken cancellationToken)
    {
        try
        {
            await using var reader = await store.Blobs.OpenReadAsync(cacheKey, cancellationToken).ConfigureAwait(false);
            if (reader is null)
            {
                return null;
            }

            using var buffer = new MemoryStream();
            await CopyLimitedAsync(reader.Content, buffer, cancellationToken).ConfigureAwait(false);
            return (buffer.ToArray(), reader.Properties.LastModified);
        }
        catch (IOException ex)
        {
            // A store hiccup on a cache read is a miss, not a failure.
            Log.RefreshFailed(logger, cacheKey, ex.Message);
            return null;
        }
    }

    private async Task<IReadOnlyList<string>> CommittedVersionsAsync(ProxyRequest request, CancellationToken cancellationToken)
    {
        var versions = new List<string>();
        await foreach (var escaped in store.ListCommittedVersionsAsync(request.EscapedModulePath, cancellationToken).ConfigureAwait(false))
        {
            if (CaseEncoding.TryUnescapeVersion(escaped, out var version, out _))
            {
                versions.Add(version);
            }
        }

        return versions;
    }

    private async Task<byte[]?> LatestFromStoreAsync(ProxyRequest request, CancellationToken cancellationToken)
    {
        var latest = VersionOrdering.SelectLatest(await CommittedVersionsAsync(request, cancellationToken).ConfigureAwait(false));
        if (latest is null || !CaseEncoding.TryEscapeVersion(latest, out var escaped, out _))
        {
            return null;
        }

        await using var reader = await store.OpenCommittedAsync(new ModuleVersionKey(request.EscapedModulePath, escaped), ModuleFile.Info, cancellationToken).ConfigureAwait(false);
        if (reader is null)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        await CopyLimitedAsync(reader.Content, buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private static IEnumerable<string> ParseList(byte[] body) =>
        Encoding.UTF8.GetString(body)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', 2)[0]);

    private static string FormatList(IEnumerable<string> versions)
    {
        var list = VersionOrdering.ForList(versions);
        return list.Count == 0 ? "" : string.Join('\n', list) + "\n";
    }

    private static string NegativeKey(string cacheKey) => $"query/{cacheKey}";

    private static async Task CopyLimitedAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
            if (total > MaxQueryBytes)
            {
                throw new IOException($"answer larger than {MaxQueryBytes} bytes");
            }

            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Query {CacheKey} could not be refreshed: {Reason}")]
        public static partial void RefreshFailed(ILogger logger, string cacheKey, string reason);
    }
}
