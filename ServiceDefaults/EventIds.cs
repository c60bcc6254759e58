namespace ModMesh.ServiceDefaults;

/// <summary>Every log event id of the shared service defaults, in one place.</summary>
internal static class EventIds
{
    public const int DrainStarted = 1;
    public const int DrainDelayFinished = 2;
    public const int DrainParticipantFailed = 3;
    public const int InternalCallRefused = 4;
}
