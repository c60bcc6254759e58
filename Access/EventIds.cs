namespace ModMesh.Access;

/// <summary>Every log event id of the access library, in one place.</summary>
internal static class EventIds
{
    // Watched files (tokens and rules): 5000-5019.
    public const int FileLoaded = 5000;
    public const int FileMissing = 5001;
    public const int FileRejected = 5002;
    public const int FileUnreadable = 5003;
    public const int WatcherUnavailable = 5004;
    public const int WatcherError = 5005;
}
