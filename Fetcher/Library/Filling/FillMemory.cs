using Microsoft.Extensions.Options;
using ModMesh.Coordination;
using ModMesh.Storage.Modules;

namespace ModMesh.Fetcher.Filling;

/// <summary>
/// What every filler asks before it fills (the opening checks, written once): is the file committed, or is an
/// outcome of it remembered ("not found" for <see cref="FillOptions.NotFoundTimeToLive"/>, "refused" for
/// <see cref="FillOptions.RejectedTimeToLive"/>)? And remembering those outcomes after a fill. Remembered outcomes
/// live in the coordinator's negative cache, shared by every node when it is Redis.
/// </summary>
internal sealed class FillMemory(ModuleStore store, INegativeCache negative, IOptions<FillOptions> options)
{
    private const char Separator = '|';
    private readonly FillOptions _options = options.Value;

    /// <summary>The outcome known without filling, or null when a fill is needed.</summary>
    public async Task<Outcome?> KnownAsync(FillRequest request, CancellationToken cancellationToken)
    {
        // A first look: a burst of misses shares one question; every filler looks again before it fetches.
        if (await store.IsCommittedAsync(request.Key, request.File, cancellationToken, firstLook: true).ConfigureAwait(false))
        {
            return Outcome.Ok;
        }

        var remembered = await negative.GetAsync(request.CoordinationKey, cancellationToken).ConfigureAwait(false);
        if (remembered is null)
        {
            return null;
        }

        var separator = remembered.IndexOf(Separator, StringComparison.Ordinal);
        var kind = separator > 0 && Enum.TryParse<OutcomeKind>(remembered.AsSpan(0, separator), out var parsed) && parsed is OutcomeKind.NotFound or OutcomeKind.Rejected
            ? parsed
            : OutcomeKind.NotFound;
        return new Outcome(kind, separator > 0 ? remembered[(separator + 1)..] : remembered);
    }

    /// <summary>True when <paramref name="file"/> of the request's version is committed.</summary>
    public ValueTask<bool> IsCommittedAsync(FillRequest request, CancellationToken cancellationToken) =>
        store.IsCommittedAsync(request.Key, request.File, cancellationToken);

    /// <summary>Remembers a "not found" or "refused" outcome for its time to live; other outcomes are not remembered.</summary>
    public Task RememberAsync(FillRequest request, Outcome outcome, CancellationToken cancellationToken)
    {
        var timeToLive = outcome.Kind switch
        {
            OutcomeKind.NotFound => _options.NotFoundTimeToLive,
            OutcomeKind.Rejected => _options.RejectedTimeToLive,
            _ => TimeSpan.Zero,
        };
        return timeToLive <= TimeSpan.Zero
            ? Task.CompletedTask
            : negative.SetAsync(request.CoordinationKey, $"{outcome.Kind}{Separator}{outcome.Message}", timeToLive, cancellationToken);
    }
}
