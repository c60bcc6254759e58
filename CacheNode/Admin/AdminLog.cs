namespace ModMesh.CacheNode.Admin;

/// <summary>The log events of the node's admin endpoints (3221-3229): the audit lines of purges, and refusals.</summary>
internal static partial class AdminLog
{
    [LoggerMessage(EventId = 3221, Level = LogLevel.Warning, Message = "Purge by user '{User}' from {Remote}: {ModulePath}@{Version}: removed {Versions} versions, {Files} files, {Bytes} bytes, queries [{Queries}]")]
    public static partial void Purged(ILogger logger, string user, string remote, string modulePath, string version, int versions, int files, long bytes, string queries);

    [LoggerMessage(EventId = 3222, Level = LogLevel.Warning, Message = "Refused an admin call from {Remote}: {Method} {Path} (no internal key is set, so admin calls are taken from loopback only)")]
    public static partial void Refused(ILogger logger, string remote, string method, string path);

    [LoggerMessage(EventId = 3223, Level = LogLevel.Warning, Message = "The forget notice of {Version} could not be sent: {Reason}")]
    public static partial void NoticeFailed(ILogger logger, string version, string reason);

    [LoggerMessage(EventId = 3224, Level = LogLevel.Information, Message = "Retention pass run on request by user '{User}' from {Remote} (dry run: {DryRun})")]
    public static partial void PassRequested(ILogger logger, string user, string remote, bool dryRun);
}
