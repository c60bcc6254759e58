namespace ModMesh.Protocol;

/// <summary>Outcome of parsing a request path: a request, a "malformed" (400) or "no such route" (404).</summary>
public enum ProxyPathStatus
{
    /// <summary>Parsed.</summary>
    Ok,
    /// <summary>Shaped like a protocol request but malformed (bad escape, invalid path or version): answer 400.</summary>
    BadRequest,
    /// <summary>Not a protocol route at all: answer 404.</summary>
    NotFound,
}
