using System.Text;
using Microsoft.Extensions.Options;
using ModMesh.Coordination;
using ModMesh.Fetcher;
using ModMesh.Fetcher.Upstream;
using ModMesh.Protocol;
using ModMesh.Storage.Modules;
using ModMesh.Storage.Tiering;

namespace ModMesh.CacheNode.Queries;

/// <summary>
/// Answers the mutable questions (list, @latest, .info of a query such as "master") with rule 5 of the design:
/// cached in the store with a time to live; once stale, served stale while one background refresh runs; served
/// stale when the upstream fails; upstream "not found" remembered briefly. When the upstream has nothing, what
/// is committed in the store still answers. Nothing is cached before it is checked: list lines must be canonical
/// versions that fit the module path (others are dropped), @latest and .info query answers must be .info JSON naming
/// such a version with an RFC 3339 time (else 502, nothing cached). list and @latest are kept in the store (one each
/// per module that exists upstream); .info queries, which anyone can invent, only in a memory budget.
/// </summary>
internal sealed partial class ModuleQueries(
    ModuleStore store,
    IUpstream upstream,
    INegativeCache negative,
    IOptions<QueryCacheOptions> options,
    TimeProvider time,
    ILogger<ModuleQueries> logger,
    IOptions<UpstreamOptions> upstreamOptions)
{
    // Published versions of private modules show in list and @latest at once, on every node: for these paths the
    // committed versions are merged in at read time, whatever the cached answer says.
    private readonly ModulePatternSet _private = ModulePatternSet.Parse(upstreamOptions.Value.Private, ignoreCase: !upstreamOptions.Value.CaseSensitivePatterns);
    private const long MaxQueryBytes = 16L << 20;
    private readonly SingleFlight<string, QueryAnswer> _refreshing = new();
    private readonly QueryCacheOptions _options = options.Value;
    private readonly ByteBudgetLru<(byte[] Body, DateTimeOffset WrittenAt)> _infoQueries =
        new(Math.Max(0, options.Value.InfoQueryBudgetBytes), e => e.Body.Length + 128);

    public async Task<QueryAnswer> ListAsync(ProxyRequest request, CancellationToken cancellationToken)
    {
        var answer = await CachedListAsync(request, cancellationToken).ConfigureAwait(false);
        if (answer.Status != OutcomeKind.Ok || !_private.Matches(request.ModulePath))
        {
            return answer;
        }

        var committed = await CommittedVersionsAsync(request, cancellationToken, ModuleFile.Info).ConfigureAwait(false);
        return committed.Count == 0
            ? answer
            : answer with { Body = Encoding.UTF8.GetBytes(FormatList(ParseList(answer.Body!, request.ModulePath).Concat(committed))) };
    }

    public async Task<QueryAnswer> LatestAsync(ProxyRequest request, CancellationToken cancellationToken)
    {
        var answer = await CachedLatestAsync(request, cancellationToken).ConfigureAwait(false);
        if (answer.Status != OutcomeKind.Ok || !_private.Matches(request.ModulePath))
        {
            return answer;
        }

        var fromStore = await LatestFromStoreAsync(request, cancellationToken).ConfigureAwait(false);
        if (fromStore is null)
        {
            return answer;
        }

        var cachedVersion = ModuleInfo.VersionOf(answer.Body);
        var storeVersion = ModuleInfo.VersionOf(fromStore);
        return VersionOrdering.SelectLatest([cachedVersion, storeVersion]) == storeVersion && storeVersion != cachedVersion
            ? answer with { Body = fromStore }
            : answer;
    }

    private Task<QueryAnswer> CachedListAsync(ProxyRequest request, CancellationToken cancellationToken) =>
        AnswerAsync(request, "list", ProxyRequestKind.List,
            async (body, token) => Encoding.UTF8.GetBytes(FormatList(ParseList(body, request.ModulePath).Concat(await CommittedVersionsAsync(request, token).ConfigureAwait(false)))),
            async token =>
            {
                var committed = await CommittedVersionsAsync(request, token).ConfigureAwait(false);
                return committed.Count == 0 ? null : Encoding.UTF8.GetBytes(FormatList(committed));
            },
            cancellationToken);

    private Task<QueryAnswer> CachedLatestAsync(ProxyRequest request, CancellationToken cancellationToken) =>
        AnswerAsync(request, "latest", ProxyRequestKind.Latest, CheckedInfo(request), token => LatestFromStoreAsync(request, token), cancellationToken);

    public Task<QueryAnswer> InfoQueryAsync(ProxyRequest request, CancellationToken cancellationToken) =>
        AnswerAsync(request, request.EscapedVersion!, ProxyRequestKind.Info, CheckedInfo(request), null, cancellationToken);

    // An @latest or query answer is passed on only when it is .info JSON naming a valid version of the module.
    private static Func<byte[], CancellationToken, Task<byte[]>> CheckedInfo(ProxyRequest request) =>
        (body, _) => ModuleInfo.Check(body, request.ModulePath, null) is { } problem
            ? throw new FillRejectedException($"{request.ModulePath}: the upstream answer is unusable: {problem}")
            : Task.FromResult(body);

    /// <summary>
    /// Answers a query: <paramref name="query"/> is "list" or "latest" (cached in the store), or the escaped version of
    /// a .info query (<see cref="ProxyRequestKind.Info"/>: cached in memory only).
    /// </summary>
    private async Task<QueryAnswer> AnswerAsync(
        ProxyRequest request,
        string query,
        ProxyRequestKind kind,
        Func<byte[], CancellationToken, Task<byte[]>>? transform,
        Func<CancellationToken, Task<byte[]?>>? fromStore,
        CancellationToken cancellationToken)
    {
        var upstreamRequest = new ModuleUpstreamRequest(request.ModulePath, request.EscapedModulePath, kind, kind == ProxyRequestKind.Info ? query : null);
        var cacheKey = InMemoryOnly(upstreamRequest) ? upstreamRequest.RelativeUrl : ModuleStore.QueryKeyOf(request.EscapedModulePath, query);
        var cached = await ReadCachedAsync(upstreamRequest, cacheKey, cancellationToken).ConfigureAwait(false);
        if (cached is { } hit)
        {
            if (time.GetUtcNow() - hit.WrittenAt <= _options.QueryTimeToLive)
            {
                return new QueryAnswer(OutcomeKind.Ok, hit.Body, null);
            }

            // Stale: answer now, refresh behind (one refresh per key at a time).
            _ = Refresh(upstreamRequest, cacheKey, transform);
            return new QueryAnswer(OutcomeKind.Ok, hit.Body, null, Stale: true);
        }

        var notFound = await negative.GetAsync(NegativeKey(cacheKey), cancellationToken).ConfigureAwait(false);
        QueryAnswer answer = notFound is not null
            ? new QueryAnswer(OutcomeKind.NotFound, null, notFound)
            : await Refresh(upstreamRequest, cacheKey, transform).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (answer.Status == OutcomeKind.Ok || fromStore is null)
        {
            return answer;
        }

        var fallback = await fromStore(cancellationToken).ConfigureAwait(false);
        return fallback is null ? answer : new QueryAnswer(OutcomeKind.Ok, fallback, null, Stale: answer.Status != OutcomeKind.NotFound);
    }

    private Task<QueryAnswer> Refresh(ModuleUpstreamRequest request, string cacheKey, Func<byte[], CancellationToken, Task<byte[]>>? transform) =>
        _refreshing.Run(cacheKey, () => FetchAsync(request, cacheKey, transform));

    private async Task<QueryAnswer> FetchAsync(ModuleUpstreamRequest request, string cacheKey, Func<byte[], CancellationToken, Task<byte[]>>? transform)
    {
        using var bound = new CancellationTokenSource(_options.RefreshTimeout, time);
        try
        {
            using var response = await upstream.GetAsync(request, bound.Token).ConfigureAwait(false);
            switch (response.Status)
            {
                case OutcomeKind.Ok:
                {
                    var body = await BoundedRead.ReadAllAsync(response.Content!, MaxQueryBytes, "the answer", bound.Token).ConfigureAwait(false);
                    if (transform is not null)
                    {
                        body = await transform(body, bound.Token).ConfigureAwait(false);
                    }

                    await WriteCachedAsync(request, cacheKey, body, bound.Token).ConfigureAwait(false);
                    return new QueryAnswer(OutcomeKind.Ok, body, null);
                }

                case OutcomeKind.NotFound:
                    await negative.SetAsync(NegativeKey(cacheKey), response.Message, _options.NotFoundTimeToLive, bound.Token).ConfigureAwait(false);
                    return new QueryAnswer(OutcomeKind.NotFound, null, response.Message);
                default:
                    return new QueryAnswer(response.Status, null, response.Message);
            }
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
            return new QueryAnswer(OutcomeKind.UpstreamTimeout, null, $"{request.Module}: the upstream did not answer within {_options.RefreshTimeout}");
        }
        catch (FillRejectedException ex)
        {
            Log.RefreshFailed(logger, cacheKey, ex.Message);
            return new QueryAnswer(OutcomeKind.Rejected, null, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or UnauthorizedAccessException)
        {
            // The full text goes to the log; the client learns whose failure it is.
            Log.RefreshFailed(logger, cacheKey, ex.Message);
            return new QueryAnswer(OutcomeKind.UpstreamFailed, null, $"{request.Module}: the upstream answer could not be read or stored");
        }
    }

    private async Task WriteCachedAsync(ModuleUpstreamRequest request, string cacheKey, byte[] body, CancellationToken cancellationToken)
    {
        if (InMemoryOnly(request))
        {
            _infoQueries.Set(cacheKey, (body, time.GetUtcNow()));
            return;
        }

        using var content = new MemoryStream(body, writable: false);
        await store.Blobs.PutAsync(cacheKey, content, cancellationToken).ConfigureAwait(false);
    }

    // .info queries ("@v/master.info") can be invented by anyone: they are kept in the memory budget, never in the store.
    private static bool InMemoryOnly(ModuleUpstreamRequest request) => request.Kind == ProxyRequestKind.Info;

    private async Task<(byte[] Body, DateTimeOffset WrittenAt)?> ReadCachedAsync(ModuleUpstreamRequest request, string cacheKey, CancellationToken cancellationToken)
    {
        if (InMemoryOnly(request))
        {
            return _infoQueries.TryGet(cacheKey, out var entry) ? entry : null;
        }

        try
        {
            await using var reader = await store.Blobs.OpenReadAsync(cacheKey, cancellationToken).ConfigureAwait(false);
            if (reader is null)
            {
                return null;
            }

            return (await BoundedRead.ReadAllAsync(reader.Content, MaxQueryBytes, cacheKey, cancellationToken).ConfigureAwait(false), reader.Properties.LastModified);
        }
        catch (Exception ex) when (ex is IOException or FillRejectedException)
        {
            // A store hiccup (or a blob that is not ours) on a cache read is a miss, not a failure.
            Log.RefreshFailed(logger, cacheKey, ex.Message);
            return null;
        }
    }

    private async Task<IReadOnlyList<string>> CommittedVersionsAsync(ProxyRequest request, CancellationToken cancellationToken, ModuleFile? file = null)
    {
        var versions = new List<string>();
        await foreach (var escaped in store.ListCommittedVersionsAsync(request.EscapedModulePath, file, cancellationToken).ConfigureAwait(false))
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
        var latest = VersionOrdering.SelectLatest(await CommittedVersionsAsync(request, cancellationToken, ModuleFile.Info).ConfigureAwait(false));
        if (latest is null || !CaseEncoding.TryEscapeVersion(latest, out var escaped, out _))
        {
            return null;
        }

        await using var reader = await store.OpenCommittedAsync(new ModuleVersionKey(request.EscapedModulePath, escaped), ModuleFile.Info, cancellationToken).ConfigureAwait(false);
        if (reader is null)
        {
            return null;
        }

        return await BoundedRead.ReadAllAsync(reader.Content, MaxQueryBytes, "a committed .info", cancellationToken).ConfigureAwait(false);
    }

    // Lines whose first field is a version of this module; anything else an upstream sends is dropped.
    private static IEnumerable<string> ParseList(byte[] body, string modulePath) =>
        Encoding.UTF8.GetString(body)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', 2)[0])
            .Where(v => v.Length <= 256 && Semver.IsCanonical(v) && ModulePath.IsValidModuleVersion(modulePath, v, out _));

    private static string FormatList(IEnumerable<string> versions)
    {
        var list = VersionOrdering.ForList(versions);
        return list.Count == 0 ? "" : string.Join('\n', list) + "\n";
    }

    private static string NegativeKey(string cacheKey) => $"query/{cacheKey}";

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Query {CacheKey} could not be refreshed: {Reason}")]
        public static partial void RefreshFailed(ILogger logger, string cacheKey, string reason);
    }
}
