using Microsoft.Extensions.Logging;

namespace ModMesh.Access;

internal sealed partial class WatchedFile<T>
{
    private static partial class Log
    {
        [LoggerMessage(EventIds.FileLoaded, LogLevel.Information, "Loaded the {Kind} {Path}: {Summary}")]
        public static partial void Loaded(ILogger logger, string kind, string path, string summary);

        [LoggerMessage(EventIds.FileMissing, LogLevel.Warning, "The {Kind} {Path} cannot be used now ({Failure}); keeping the version loaded at {LoadedAt:O}")]
        public static partial void Missing(ILogger logger, Exception? exception, string kind, string path, string failure, DateTimeOffset loadedAt);

        [LoggerMessage(EventIds.FileRejected, LogLevel.Warning, "The {Kind} {Path} has {Count} problem(s) and was not applied; keeping the version loaded at {LoadedAt:O}. {Problems}")]
        public static partial void Rejected(ILogger logger, string kind, string path, int count, string problems, DateTimeOffset loadedAt);

        [LoggerMessage(EventIds.FileUnreadable, LogLevel.Warning, "Checking the {Kind} {Path} failed; keeping the version loaded at {LoadedAt:O}")]
        public static partial void Unreadable(ILogger logger, Exception exception, string kind, string path, DateTimeOffset loadedAt);

        [LoggerMessage(EventIds.WatcherUnavailable, LogLevel.Warning, "Cannot watch {Folder} for changes of {Path}; relying on the periodic check (every {Interval})")]
        public static partial void WatcherUnavailable(ILogger logger, Exception exception, string folder, string path, TimeSpan interval);

        [LoggerMessage(EventIds.WatcherError, LogLevel.Warning, "The file system watcher of {Path} failed; checking the file now")]
        public static partial void WatcherError(ILogger logger, Exception exception, string path);
    }
}
