using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ModMesh.Fetcher.Filling;
using ModMesh.Fetcher.Upstream;
using ModMesh.Storage.Modules;

namespace ModMesh.Fetcher;

/// <summary>Wiring of the fill path (upstream chain + filler), for the cache node (in-process) and the fetcher worker.</summary>
public static class FetcherHostingExtensions
{
    /// <summary>
    /// Registers the upstream chain ("ModMesh:Upstream", "ModMesh:Private"), the fill options ("ModMesh:Fill") and
    /// <see cref="IModuleFiller"/>. Needs an <see cref="Storage.IBlobStore"/> and the coordination services registered.
    /// </summary>
    public static IHostApplicationBuilder AddFetcher(this IHostApplicationBuilder builder)
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
                UseCookies = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                ConnectTimeout = TimeSpan.FromSeconds(10),
                MaxConnectionsPerServer = 64,
            });

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<ModuleStore>();
        builder.Services.TryAddSingleton<IUpstream, UpstreamChain>();
        builder.Services.TryAddSingleton<IModuleFiller, ModuleFiller>();
        return builder;
    }
}
