using Microsoft.Extensions.DependencyInjection.Extensions;
using ModMesh.Coordination;
using ModMesh.Coordination.InProcess;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers in-process coordination (the single-process embedded mode).</summary>
public static class InProcessCoordinationExtensions
{
    /// <summary>
    /// Registers <see cref="InProcessLockProvider"/>, <see cref="InProcessFillEvents"/>,
    /// <see cref="InProcessNegativeCache"/> and <see cref="InProcessFillQueue"/> as singletons for
    /// <see cref="ILockProvider"/>, <see cref="IFillEvents"/>, <see cref="INegativeCache"/> and <see cref="IFillQueue"/>,
    /// each only when nothing else is registered for it (so a distributed coordinator registered first wins), and <see cref="TimeProvider.System"/> unless a clock is registered.
    /// </summary>
    public static IServiceCollection AddInProcessCoordination(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ILockProvider>(sp => new InProcessLockProvider(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IFillEvents>(sp => new InProcessFillEvents(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<INegativeCache>(sp => new InProcessNegativeCache(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IFillQueue>(sp => new InProcessFillQueue(sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
