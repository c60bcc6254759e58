using System.Diagnostics.CodeAnalysis;
using ModMesh.Coordination;
using ModMesh.Protocol;
using ModMesh.Storage.Modules;

namespace ModMesh.Fetcher.Filling;

/// <summary>
/// One file of a module version to fill: its real path and canonical version, their escaped forms, and which file.
/// Build it with <see cref="TryCreate"/> from untrusted text (a fill job, an API call): the escaped forms are always
/// derived, never taken from the caller.
/// </summary>
public sealed record FillRequest(string ModulePath, string Version, ModuleVersionKey Key, ModuleFile File)
{
    /// <summary>
    /// Validates <paramref name="modulePath"/>@<paramref name="version"/> (a valid module path and a canonical version
    /// that can belong to it) and derives the escaped forms. False, with a reason, when it is not a fillable file.
    /// </summary>
    public static bool TryCreate(string modulePath, string version, ModuleFile file, [NotNullWhen(true)] out FillRequest? request, out string? error)
    {
        request = null;
        if (!Semver.IsCanonical(version))
        {
            error = $"\"{ClientText.Escape(version, 80)}\" is not a canonical semantic version";
            return false;
        }

        if (!Protocol.ModulePath.IsValidModuleVersion(modulePath, version, out error) ||
            !CaseEncoding.TryEscapePath(modulePath, out var escapedPath, out error) ||
            !CaseEncoding.TryEscapeVersion(version, out var escapedVersion, out error))
        {
            return false;
        }

        request = new FillRequest(modulePath, version, new ModuleVersionKey(escapedPath, escapedVersion), file);
        return true;
    }

    /// <summary>The file's name for messages: "module@version.ext".</summary>
    public string What => $"{ModulePath}@{Version}{ModuleStore.Extension(File)}";

    /// <summary>The file's coordination key (lock, events, remembered outcomes): one per file cluster-wide.</summary>
    public string CoordinationKey => $"fill/{Key.EscapedPath}@{Key.EscapedVersion}{ModuleStore.Extension(File)}";

    /// <summary>The file's name in a fill job ("info", "mod", "zip").</summary>
    public string FileName => ModuleStore.Extension(File)[1..];

    /// <summary>Parses a file name of a fill job ("info", "mod", "zip").</summary>
    public static bool TryParseFile(string? name, out ModuleFile file)
    {
        switch (name)
        {
            case "info":
                file = ModuleFile.Info;
                return true;
            case "mod":
                file = ModuleFile.Mod;
                return true;
            case "zip":
                file = ModuleFile.Zip;
                return true;
            default:
                file = default;
                return false;
        }
    }
}

/// <summary>Makes one file of a module version present in the store, fetching it at most once cluster-wide.</summary>
public interface IModuleFiller
{
    /// <summary>
    /// Returns once the file is committed (<see cref="OutcomeKind.Ok"/>), known not to exist upstream, refused, failed,
    /// or the wait ran out (<see cref="OutcomeKind.Pending"/>; the fill goes on in the background).
    /// <paramref name="cancellationToken"/> cancels only this caller's wait, never the fill.
    /// </summary>
    Task<Outcome> EnsureFilledAsync(FillRequest request, CancellationToken cancellationToken);
}
