namespace ModMesh.Fetcher.Upstream;

/// <summary>How an upstream answered.</summary>
public enum UpstreamStatus
{
    /// <summary>200: the body is in <see cref="UpstreamResponse.Content"/>.</summary>
    Ok,

    /// <summary>Every entry of the chain said 404/410 (or the chain has nothing to ask).</summary>
    NotFound,

    /// <summary>The chain stopped on an error (status, transport failure).</summary>
    Error,

    /// <summary>The chain stopped because an upstream did not answer in time.</summary>
    Timeout,
}

/// <summary>An upstream answer. Dispose it to release the connection.</summary>
public sealed class UpstreamResponse : IDisposable
{
    private readonly IDisposable? _owner;

    private UpstreamResponse(UpstreamStatus status, string message, string source, Stream? content, long? length, IDisposable? owner)
    {
        Status = status;
        Message = message;
        Source = source;
        Content = content;
        ContentLength = length;
        _owner = owner;
    }

    /// <summary>The outcome.</summary>
    public UpstreamStatus Status { get; }

    /// <summary>For failures and not-found: what the upstream (or the chain) said, fit for a client to read.</summary>
    public string Message { get; }

    /// <summary>Which upstream answered (its base URL), or "chain".</summary>
    public string Source { get; }

    /// <summary>The body, streamed, when <see cref="Status"/> is <see cref="UpstreamStatus.Ok"/>.</summary>
    public Stream? Content { get; }

    /// <summary>The announced length of the body, when known.</summary>
    public long? ContentLength { get; }

    /// <summary>A successful answer.</summary>
    public static UpstreamResponse Ok(string source, Stream content, long? length, IDisposable owner) =>
        new(UpstreamStatus.Ok, "", source, content, length, owner);

    /// <summary>A failure or not-found.</summary>
    public static UpstreamResponse Failure(UpstreamStatus status, string source, string message) =>
        new(status, message, source, null, null, null);

    /// <inheritdoc />
    public void Dispose()
    {
        Content?.Dispose();
        _owner?.Dispose();
    }
}
