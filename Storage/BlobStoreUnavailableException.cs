namespace ModMesh.Storage;

/// <summary>
/// The blob store could not be reached or failed to answer (network error, timeout, server error). Retryable:
/// callers answer 503 with Retry-After, never 500, and nothing partial is ever visible.
/// </summary>
public sealed class BlobStoreUnavailableException(string message, Exception? innerException = null) : IOException(message, innerException);
