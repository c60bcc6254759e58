using Microsoft.Extensions.DependencyInjection.Extensions;
using ModMesh.Coordination;
using ModMesh.Coordination.InProcess;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers in-process coordination (the single-process embedded mode).</summary>
public static class InProcessCoordinationExtensions
{
    /// <summary>
    /// Registers <see cref="InProcessLockProvider"/>, <see cref="InProcessFillEvents"/> and
    /// <see cref="InProcessNegativeCache"/> as singletons for <see cref="ILockProvider"/>, <see cref="IFillEvents"/>
    /// and <see cref="INegativeCache"/>, each only when nothing else is registered for it (so a distributed
    /// coordinator registered first wins), and <see cref="TimeProvider.System"/> unless a clock is registered.
    /// </summary>
    public static IServiceCollection AddInProcessCoordination(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ILockProvider>(sp => new InProcessLockProvider(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IFillEvents>(sp => new InProcessFillEvents(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<INegativeCache>(sp => new InProcessNegativeCache(sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
