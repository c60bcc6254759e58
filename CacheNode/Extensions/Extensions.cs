using ModMesh.CacheNode.Queries;
using ModMesh.CacheNode.Sumdb;
using ModMesh.Coordination;
using ModMesh.Fetcher;
using ModMesh.Storage;

namespace ModMesh.CacheNode.Extensions;

internal static class Extensions
{
    /// <summary>
    /// The node's services. Embedded default: folder blob store, in-process coordination, and the fill logic
    /// hosted in this process. Distributed (ConnectionStrings:blobs and :redis): S3 behind the node-local tier,
    /// Redis coordination, misses queued for the fetchers.
    /// </summary>
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddModMeshStorage();
        builder.AddModMeshCoordination();
        builder.AddModuleFilling(FillRole.CacheNode);
        builder.AddModulePublishing();

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
