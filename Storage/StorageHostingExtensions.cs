using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ModMesh.Storage.Modules;
using ModMesh.Storage.Tiering;

namespace ModMesh.Storage;

/// <summary>Chooses the blob store from configuration.</summary>
public static class StorageHostingExtensions
{
    /// <summary>The configuration key of the folder store's root.</summary>
    public const string FolderPathKey = "ModMesh:Storage:Path";

    /// <summary>The connection-string name of the S3 store (Aspire convention: ConnectionStrings__blobs).</summary>
    public const string BlobsConnectionName = "blobs";

    /// <summary>
    /// Registers the blob store and <see cref="ModuleStore"/>. With <c>ConnectionStrings:blobs</c>: the S3 store,
    /// behind the node-local tier ("ModMesh:LocalTier"). Without it, the embedded default: a folder,
    /// "ModMesh:Storage:Path", by default "modmesh/storage" under the user's local application data folder
    /// (~/.local/share on Linux). Several nodes on one machine may share one folder.
    /// </summary>
    public static IHostApplicationBuilder AddModMeshStorage(this IHostApplicationBuilder builder)
    {
        var s3 = builder.Configuration.GetConnectionString(BlobsConnectionName);
        var remote = !string.IsNullOrWhiteSpace(s3);
        if (remote)
        {
            builder.Services.AddS3BlobStore(s3!);
        }
        else
        {
            var path = builder.Configuration[FolderPathKey];
            if (string.IsNullOrWhiteSpace(path))
            {
                path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "modmesh", "storage");
            }

            builder.Services.AddFolderBlobStore(Path.GetFullPath(path));
        }

        var tier = builder.Configuration.GetSection(LocalTierOptions.SectionName).Get<LocalTierOptions>() ?? new LocalTierOptions();
        if (tier.Enabled ?? remote)
        {
            if (tier.MemoryBytes < 0 || tier.DiskBytes < 0 || tier.MemoryMaxEntryBytes < 0)
            {
                throw new InvalidOperationException("ModMesh:LocalTier byte budgets must not be negative.");
            }

            var shared = builder.Services.Last(d => d.ServiceType == typeof(IBlobStore));
            builder.Services.Remove(shared);
            builder.Services.AddSingleton<IBlobStore>(sp => new TieredBlobStore(Create(shared, sp), tier));
        }

        builder.Services.TryAddSingleton<ModuleStore>();
        return builder;
    }

    private static IBlobStore Create(ServiceDescriptor descriptor, IServiceProvider sp) =>
        descriptor.ImplementationInstance as IBlobStore
        ?? (descriptor.ImplementationFactory is { } factory
            ? (IBlobStore)factory(sp)
            : (IBlobStore)ActivatorUtilities.CreateInstance(sp, descriptor.ImplementationType!));
}
