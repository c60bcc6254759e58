using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ModMesh.Coordination;
using ModMesh.Fetcher.Direct;
using ModMesh.Fetcher.Filling;
using ModMesh.Fetcher.Forgetting;
using ModMesh.Fetcher.Integrity;
using ModMesh.Fetcher.Publishing;
using ModMesh.Fetcher.Queueing;
using ModMesh.Fetcher.Upstream;
using ModMesh.Fetcher.Verification;
using ModMesh.Storage.Modules;

namespace ModMesh.Fetcher;

/// <summary>Which process hosts the fill path.</summary>
public enum FillRole
{
    /// <summary>
    /// A cache node: "ModMesh:Fill:Mode" decides whether a miss is filled here ("Local", the default without Redis)
    /// or queued for the fetchers ("Queue", the default with Redis).
    /// </summary>
    CacheNode,

    /// <summary>A fetcher: it fills (the jobs it takes, and its own API's requests).</summary>
    Fetcher,
}

/// <summary>
/// Wiring of the module fill path (upstream chain, checks, fetch-check-commit of one file, once-cluster-wide filler,
/// and the queued decorator), for the cache node (in-process by default) and the fetcher service.
/// </summary>
public static class FetcherHostingExtensions
{
    /// <summary>
    /// Registers the upstream chain ("ModMesh:Upstream", "ModMesh:Private", "ModMesh:Direct"), checksum-database
    /// verification ("ModMesh:Sumdb", "ModMesh:NoSumdb"), the fill options ("ModMesh:Fill") and
    /// <see cref="IModuleFiller"/> for <paramref name="role"/>. Needs an <see cref="Storage.IBlobStore"/> and the
    /// coordination services registered.
    /// </summary>
    public static IHostApplicationBuilder AddModuleFilling(this IHostApplicationBuilder builder, FillRole role)
    {
        builder.Services.AddOptions<UpstreamOptions>()
            .Bind(builder.Configuration.GetSection(UpstreamOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<FillOptions>()
            .Bind(builder.Configuration.GetSection(FillOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddHttpClient(UpstreamChain.HttpClientName, client =>
            {
                // Per-request bounds are applied by the chain (headers) and the fill (whole transfer).
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.DefaultRequestHeaders.UserAgent.ParseAdd("ModMesh/1.0");
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AutomaticDecompression = DecompressionMethods.None,
                // Redirects are followed by the chain itself: http(s) only, same host unless configured, a few times.
                AllowAutoRedirect = false,
                UseCookies = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                ConnectTimeout = TimeSpan.FromSeconds(10),
                MaxConnectionsPerServer = 64,
            });

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<ModuleStore>();
        // The shared module index: every version whose zip a fill commits (and every published one) gets an entry.
        builder.Services.TryAddSingleton<ModuleIndex>();
        // "direct" in ModMesh:Upstream: version control through the go command ("ModMesh:Direct" settings).
        builder.Services.TryAddSingleton<DirectSource>();
        builder.Services.TryAddSingleton<IUpstream, UpstreamChain>();
        builder.Services.TryAddSingleton<ChecksumDatabaseVerifier>();
        builder.Services.TryAddSingleton<IChecksumVerifier>(sp => sp.GetRequiredService<ChecksumDatabaseVerifier>());
        builder.Services.TryAddSingleton<ISumdbAnswerVerifier>(sp => sp.GetRequiredService<ChecksumDatabaseVerifier>());
        // modmesh verify: re-hashing stored versions (a quarantine is announced with the purge's forget notices).
        builder.Services.TryAddSingleton<StoredVersionVerifier>();
        builder.Services.TryAddSingleton<FillMemory>();
        // What the status page shows of the fill path, and the fill queue's gauges.
        builder.Services.TryAddSingleton<Status.FillActivity>();
        builder.Services.TryAddSingleton<Status.FillQueueSampler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Status.FillQueueSampler>());
        // Purges and retention announce deleted versions: every process that fills forgets what it remembered of them.
        builder.AddForgetNotices();
        builder.Services.TryAddSingleton<FileFetcher>();
        builder.Services.TryAddSingleton<ModuleFiller>();
        var mode = builder.Configuration[$"{FillOptions.SectionName}:Mode"];
        var queued = role == FillRole.CacheNode && (string.IsNullOrWhiteSpace(mode)
            ? builder.Configuration.HasSharedCoordinator()
            : mode.Trim().ToLowerInvariant() switch
            {
                "queue" => true,
                "local" => false,
                _ => throw new InvalidOperationException($"ModMesh:Fill:Mode must be \"Local\" or \"Queue\", not \"{mode}\"."),
            });
        if (queued)
        {
            builder.Services.TryAddSingleton<IModuleFiller, QueuedModuleFiller>();
        }
        else
        {
            builder.Services.TryAddSingleton<IModuleFiller>(sp => sp.GetRequiredService<ModuleFiller>());
        }

        return builder;
    }

    /// <summary>
    /// Registers publishing of private module versions ("ModMesh:Publish"): <see cref="ModulePublisher"/>, the shared
    /// <see cref="ModuleIndex"/> and the webhooks. Needs <see cref="AddModuleFilling"/> first.
    /// </summary>
    public static IHostApplicationBuilder AddModulePublishing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PublishOptions>()
            .Bind(builder.Configuration.GetSection(PublishOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHttpClient(PublishWebhooks.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, ConnectTimeout = TimeSpan.FromSeconds(10) });
        builder.Services.TryAddSingleton<ModuleIndex>();
        builder.Services.TryAddSingleton<PublishWebhooks>();
        builder.Services.TryAddSingleton<ModulePublisher>();
        return builder;
    }

    /// <summary>
    /// Runs the fill-job consumer ("ModMesh:Fetcher" settings) in this process: the fetcher service's main loop.
    /// </summary>
    public static IHostApplicationBuilder AddFillJobConsumer(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FillJobConsumerOptions>()
            .Bind(builder.Configuration.GetSection(FillJobConsumerOptions.SectionName))
            .Validate(o => o.Concurrency is > 0 and <= 256 && o.ReclaimAfter > TimeSpan.Zero && o.PollWait > TimeSpan.Zero,
                "ModMesh:Fetcher: Concurrency must be 1-256, ReclaimAfter and PollWait positive.")
            .ValidateOnStart();
        builder.Services.AddHostedService<FillJobConsumer>();
        return builder;
    }
}
