using ModMesh.Coordination;

namespace ModMesh.Fetcher.Upstream;

/// <summary>An upstream answer. Dispose it to release the connection.</summary>
public sealed class UpstreamResponse : IDisposable
{
    private readonly IDisposable? _owner;

    private UpstreamResponse(OutcomeKind status, string message, string source, Stream? content, long? length, IDisposable? owner)
    {
        Status = status;
        Message = message;
        Source = source;
        Content = content;
        ContentLength = length;
        _owner = owner;
    }

    /// <summary>
    /// The outcome: <see cref="OutcomeKind.Ok"/> (the body is in <see cref="Content"/>), <see cref="OutcomeKind.NotFound"/>
    /// (every entry said 404/410), <see cref="OutcomeKind.UpstreamFailed"/> or <see cref="OutcomeKind.UpstreamTimeout"/>.
    /// </summary>
    public OutcomeKind Status { get; }

    /// <summary>For failures and not-found: what the upstream (or the chain) said, fit for a client to read.</summary>
    public string Message { get; }

    /// <summary>Which upstream answered (its name without credentials), or "chain".</summary>
    public string Source { get; }

    /// <summary>The body, streamed, when <see cref="Status"/> is <see cref="OutcomeKind.Ok"/>.</summary>
    public Stream? Content { get; }

    /// <summary>The announced length of the body, when known.</summary>
    public long? ContentLength { get; }

    /// <summary>The answer as an outcome (Ok for a body).</summary>
    public Outcome ToOutcome() => Status == OutcomeKind.Ok ? Outcome.Ok : new Outcome(Status, Message);

    /// <summary>A successful answer.</summary>
    public static UpstreamResponse Ok(string source, Stream content, long? length, IDisposable owner) =>
        new(OutcomeKind.Ok, "", source, content, length, owner);

    /// <summary>A failure or not-found.</summary>
    public static UpstreamResponse Failure(OutcomeKind status, string source, string message) =>
        new(status, message, source, null, null, null);

    /// <inheritdoc />
    public void Dispose()
    {
        Content?.Dispose();
        _owner?.Dispose();
    }
}
