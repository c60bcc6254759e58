using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ModMesh.AppHost;

internal static class ResourceBuilderExtensions
{
    /// <summary>Sets the variable only when <paramref name="value"/> is not empty.</summary>
    public static IResourceBuilder<T> WithEnvironmentIfSet<T>(this IResourceBuilder<T> builder, string name, string? value)
        where T : IResourceWithEnvironment =>
        string.IsNullOrEmpty(value) ? builder : builder.WithEnvironment(name, value);

    /// <summary>Sets ModMesh__InternalKey from a secret parameter (masked in the dashboard) when there is one.</summary>
    public static IResourceBuilder<ProjectResource> WithInternalKey(this IResourceBuilder<ProjectResource> builder, IResourceBuilder<ParameterResource>? key) =>
        key is null ? builder : builder.WithEnvironment("ModMesh__InternalKey", key);

    /// <summary>
    /// The "http" endpoint on a fixed port that the service binds itself: no orchestrator proxy in between, so the
    /// URL is predictable and bodies stream through one hop less.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithFixedHttpPort(this IResourceBuilder<ProjectResource> builder, int port) =>
        builder.WithEndpoint("http", endpoint =>
        {
            endpoint.Port = port;
            endpoint.TargetPort = port;
            endpoint.IsProxied = false;
        });

    /// <summary>Once the gateway is healthy, tells the developer the GOPROXY value to use and where the status page is.</summary>
    public static IResourceBuilder<ProjectResource> LogGoProxyWhenReady(this IResourceBuilder<ProjectResource> builder) =>
        builder.OnResourceReady((resource, ready, cancellationToken) =>
        {
            // ResourceReadyEvent comes after endpoint allocation and after the health checks first pass.
            var url = resource.GetEndpoint("http").Url;
            var logger = ready.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ModMesh");
            logger.LogInformation("ModMesh is ready: export GOPROXY={GoProxy} (status page: {StatusPage}/)", url, url);
            return Task.CompletedTask;
        });
}
