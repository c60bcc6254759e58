using ModMesh.CacheNode.Admin;
using ModMesh.CacheNode.Queries;
using ModMesh.CacheNode.Retention;
using ModMesh.CacheNode.Sumdb;
using ModMesh.Coordination;
using ModMesh.Fetcher;
using Microsoft.Extensions.Options;
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
        builder.AddRetentionAndPurge();
        builder.Services.AddSingleton<ChecksumDatabaseProxy>();
        return builder;
    }

    /// <summary>
    /// Last-requested tracking, retention ("ModMesh:Retention", validated at start) and purge: <see cref="ModuleUsage"/>
    /// (a hosted marker writer), <see cref="RetentionService"/> (a hosted pass loop, idle unless enabled),
    /// <see cref="VersionRemover"/> and <see cref="ModulePurger"/>.
    /// </summary>
    private static void AddRetentionAndPurge(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RetentionOptions>()
            .Bind(builder.Configuration.GetSection(RetentionOptions.SectionName))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>();
        builder.Services.AddSingleton<ModuleUsage>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ModuleUsage>());
        builder.Services.AddSingleton<VersionRemover>();
        builder.Services.AddSingleton<ModulePurger>();
        builder.Services.AddSingleton<RetentionService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());
    }

    /// <summary>Names every problem of the retention settings at start.</summary>
    private sealed class RetentionOptionsValidator : IValidateOptions<RetentionOptions>
    {
        public ValidateOptionsResult Validate(string? name, RetentionOptions options) =>
            options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
