namespace ModMesh.TestSupport.Otlp;

/// <summary>The OTLP span kinds (opentelemetry.proto.trace.v1.Span.SpanKind).</summary>
public enum OtlpSpanKind
{
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

/// <summary>The OTLP status codes (opentelemetry.proto.trace.v1.Status.StatusCode).</summary>
public enum OtlpStatusCode
{
    Unset = 0,
    Ok = 1,
    Error = 2,
}

/// <summary>
/// One span as exported over OTLP, with what the tests look at: ids (lowercase hex, empty parent for a root), name,
/// kind, status, attributes (values as text), links, and the <c>service.name</c> and scope of its exporter.
/// </summary>
public sealed record OtlpSpan(
    string Service,
    string Scope,
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    OtlpSpanKind Kind,
    OtlpStatusCode Status,
    string StatusMessage,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<(string TraceId, string SpanId)> Links)
{
    /// <summary>The attribute's value as text, or null when the span has none.</summary>
    public string? this[string attribute] => Attributes.TryGetValue(attribute, out var value) ? value : null;

    /// <summary>Whether the span has no parent.</summary>
    public bool IsRoot => ParentSpanId.Length == 0;

    /// <inheritdoc />
    public override string ToString() =>
        $"{Service} {Kind} \"{Name}\" trace {TraceId} span {SpanId} parent {(IsRoot ? "-" : ParentSpanId)} status {Status}" +
        $" {{{string.Join(", ", Attributes.Select(a => $"{a.Key}={a.Value}"))}}}";
}
