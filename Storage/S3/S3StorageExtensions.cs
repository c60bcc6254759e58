using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using ModMesh.Storage;
using ModMesh.Storage.S3;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the S3 blob store.</summary>
public static class S3StorageExtensions
{
    /// <summary>
    /// Registers <see cref="S3BlobStore"/> over <paramref name="options"/> as the <see cref="IBlobStore"/> (a singleton,
    /// added only when no other <see cref="IBlobStore"/> is registered). The options are validated now, so a bad
    /// configuration stops the start-up with every problem named.
    /// </summary>
    public static IServiceCollection AddS3BlobStore(this IServiceCollection services, S3BlobStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();

        services.TryAddSingleton(sp => new S3BlobStore(
            options,
            sp.GetService<ILogger<S3BlobStore>>(),
            sp.GetService<TimeProvider>()));
        services.TryAddSingleton<IBlobStore>(sp => sp.GetRequiredService<S3BlobStore>());
        return services;
    }

    /// <summary>
    /// Registers <see cref="S3BlobStore"/> from an Aspire-style connection string (the value of
    /// <c>ConnectionStrings:blobs</c>; see <see cref="S3ConnectionString"/>). Throws <see cref="FormatException"/>
    /// when it is invalid.
    /// </summary>
    public static IServiceCollection AddS3BlobStore(this IServiceCollection services, string connectionString) =>
        services.AddS3BlobStore(S3ConnectionString.Parse(connectionString));
}
