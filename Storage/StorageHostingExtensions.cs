using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using ModMesh.Storage.Folder;
using ModMesh.Storage.Modules;

namespace ModMesh.Storage;

/// <summary>Chooses the blob store from configuration.</summary>
public static class StorageHostingExtensions
{
    /// <summary>The configuration key of the folder store's root.</summary>
    public const string FolderPathKey = "ModMesh:Storage:Path";

    /// <summary>
    /// Registers the blob store and <see cref="ModuleStore"/>. The embedded default is a folder:
    /// "ModMesh:Storage:Path", by default "modmesh/storage" under the user's local application data folder
    /// (~/.local/share on Linux). Several nodes on one machine may share one folder.
    /// </summary>
    public static IHostApplicationBuilder AddModMeshStorage(this IHostApplicationBuilder builder)
    {
        var path = builder.Configuration[FolderPathKey];
        if (string.IsNullOrWhiteSpace(path))
        {
            path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "modmesh", "storage");
        }

        builder.Services.AddFolderBlobStore(Path.GetFullPath(path));
        builder.Services.TryAddSingleton<ModuleStore>();
        return builder;
    }
}
