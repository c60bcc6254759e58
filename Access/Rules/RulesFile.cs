using Microsoft.Extensions.Logging;

namespace ModMesh.Access;

/// <summary>
/// The rules file (its format: <see cref="AccessRules"/>), loaded and kept current while it changes. An edit with
/// problems is not applied: the last good rules stay in force and the problems are logged, each with its line.
/// </summary>
public sealed class RulesFile : IAccessRulesSource, IDisposable
{
    private readonly WatchedFile<AccessRules> file;

    /// <summary>Loads the rules file at <paramref name="path"/> and starts watching it.</summary>
    /// <exception cref="AccessFileException">The file is missing, unreadable or has problems.</exception>
    public RulesFile(string path, TimeProvider timeProvider, ILogger<RulesFile> logger, FileWatchOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        file = new WatchedFile<AccessRules>(path, "rules file", AccessRules.Parse, r => r.ToString(), timeProvider, options ?? new(), logger);
    }

    /// <inheritdoc/>
    public AccessRules Current => file.Current;

    /// <summary>1 after the first load, one more for every version of the file applied since.</summary>
    public long Generation => file.Generation;

    /// <summary>When the rules in force were loaded.</summary>
    public DateTimeOffset LoadedAt => file.LoadedAt;

    /// <summary>Reads the file now instead of waiting for the watcher or the periodic check.</summary>
    public void CheckNow() => file.CheckNow();

    /// <summary>Stops watching the file.</summary>
    public void Dispose() => file.Dispose();
}
