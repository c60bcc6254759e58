using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModMesh.Storage;
using ModMesh.Storage.Folder;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the folder blob store.</summary>
public static class FolderStorageExtensions
{
    /// <summary>
    /// Registers <see cref="FolderBlobStore"/> over <paramref name="rootPath"/> as the <see cref="IBlobStore"/>
    /// (a singleton, added only when no other <see cref="IBlobStore"/> is registered), with its options validated
    /// at start-up.
    /// </summary>
    public static IServiceCollection AddFolderBlobStore(this IServiceCollection services, string rootPath)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(rootPath);

        services.AddOptions<FolderBlobStoreOptions>()
            .Configure(options => options.RootPath = rootPath)
            .Validate(options => !string.IsNullOrWhiteSpace(options.RootPath), "FolderBlobStoreOptions.RootPath is required.")
            .ValidateOnStart();
        services.TryAddSingleton(sp => new FolderBlobStore(sp.GetRequiredService<IOptions<FolderBlobStoreOptions>>()));
        services.TryAddSingleton<IBlobStore>(sp => sp.GetRequiredService<FolderBlobStore>());
        return services;
    }
}
