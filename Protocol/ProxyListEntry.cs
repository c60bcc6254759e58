namespace ModMesh.Protocol;

/// <summary>
/// One GOPROXY list entry. <see cref="FallThroughOnAnyError"/> is true when the separator after it was '|'
/// (try the next entry after any error), false for ',' (only after 404/410) and for the last entry.
/// </summary>
/// <param name="Kind">URL, direct or off.</param>
/// <param name="Value">The URL (scheme added when omitted, trailing '/' trimmed), or "direct" / "off".</param>
/// <param name="FallThroughOnAnyError">True when the separator after this entry was '|'.</param>
public sealed record ProxyListEntry(ProxyEntryKind Kind, string Value, bool FallThroughOnAnyError);
