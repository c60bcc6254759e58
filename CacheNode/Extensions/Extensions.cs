using ModMesh.CacheNode.Queries;
using ModMesh.CacheNode.Sumdb;
using ModMesh.Coordination.InProcess;
using ModMesh.Fetcher;
using ModMesh.Storage;

namespace ModMesh.CacheNode.Extensions;

internal static class Extensions
{
    /// <summary>
    /// The node's services. Embedded default: folder blob store, in-process coordination, and the fill logic
    /// hosted in this process.
    /// </summary>
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddModMeshStorage();
        builder.Services.AddInProcessCoordination();
        builder.AddFetcher();

        builder.Services.AddOptions<QueryCacheOptions>()
            .Bind(builder.Configuration.GetSection(QueryCacheOptions.SectionName))
            .Validate(o => o.QueryTimeToLive >= TimeSpan.Zero && o.NotFoundTimeToLive >= TimeSpan.Zero && o.RefreshTimeout > TimeSpan.Zero,
                "ModMesh:Cache durations must not be negative (RefreshTimeout positive).")
            .ValidateOnStart();
        builder.Services.AddSingleton<ModuleQueries>();
        builder.Services.AddSingleton<ChecksumDatabaseProxy>();
        return builder;
    }
}
