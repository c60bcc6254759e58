using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModMesh.Coordination.InProcess;
using ModMesh.Coordination.Redis;
using StackExchange.Redis;

namespace ModMesh.Coordination;

/// <summary>Registers <see cref="IClusterNotices"/> beside the coordinator <see cref="CoordinationHostingExtensions.AddModMeshCoordination"/> chose.</summary>
public static class ClusterNoticesHostingExtensions
{
    /// <summary>
    /// With <c>ConnectionStrings:redis</c>: <see cref="RedisClusterNotices"/> on the shared multiplexer; without it,
    /// <see cref="InProcessClusterNotices"/>. Call after <see cref="CoordinationHostingExtensions.AddModMeshCoordination"/>.
    /// </summary>
    public static IHostApplicationBuilder AddClusterNotices(this IHostApplicationBuilder builder)
    {
        if (builder.Configuration.HasSharedCoordinator())
        {
            builder.Services.TryAddSingleton<IClusterNotices>(sp => new RedisClusterNotices(
                sp.GetRequiredService<IConnectionMultiplexer>(),
                sp.GetRequiredService<IOptions<RedisCoordinationOptions>>().Value,
                sp.GetService<ILogger<RedisClusterNotices>>()));
        }
        else
        {
            builder.Services.TryAddSingleton<IClusterNotices, InProcessClusterNotices>();
        }

        return builder;
    }
}
