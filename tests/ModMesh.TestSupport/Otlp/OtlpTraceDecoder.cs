using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ModMesh.TestSupport.Otlp;

/// <summary>
/// A minimal decoder of an OTLP <c>ExportTraceServiceRequest</c> in protobuf binary form, written from the message
/// definitions of opentelemetry-proto (collector/trace/v1, trace/v1, resource/v1, common/v1): only the fields the tests
/// read are kept, everything else is skipped by its wire type.
/// </summary>
public static class OtlpTraceDecoder
{
    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    /// <summary>Every span of the request.</summary>
    public static IReadOnlyList<OtlpSpan> Decode(ReadOnlySpan<byte> request)
    {
        var spans = new List<OtlpSpan>();
        var reader = new Reader(request);
        while (reader.Next(out var field, out var wire))
        {
            if (field == 1 && wire == WireLengthDelimited)
            {
                DecodeResourceSpans(reader.Bytes(), spans);
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return spans;
    }

    // ResourceSpans: 1 resource, 2 scope_spans.
    private static void DecodeResourceSpans(ReadOnlySpan<byte> message, List<OtlpSpan> spans)
    {
        var service = "";
        var scopes = new List<byte[]>();
        var reader = new Reader(message);
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, WireLengthDelimited):
                    // Resource: 1 attributes.
                    var resource = new Reader(reader.Bytes());
                    while (resource.Next(out var f, out var w))
                    {
                        if (f == 1 && w == WireLengthDelimited)
                        {
                            var (key, value) = DecodeKeyValue(resource.Bytes());
                            if (key == "service.name")
                            {
                                service = value;
                            }
                        }
                        else
                        {
                            resource.Skip(w);
                        }
                    }

                    break;
                case (2, WireLengthDelimited):
                    scopes.Add(reader.Bytes().ToArray());
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        foreach (var scope in scopes)
        {
            DecodeScopeSpans(scope, service, spans);
        }
    }

    // ScopeSpans: 1 scope (InstrumentationScope: 1 name), 2 spans.
    private static void DecodeScopeSpans(ReadOnlySpan<byte> message, string service, List<OtlpSpan> spans)
    {
        var scopeName = "";
        var raw = new List<byte[]>();
        var reader = new Reader(message);
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, WireLengthDelimited):
                    var scope = new Reader(reader.Bytes());
                    while (scope.Next(out var f, out var w))
                    {
                        if (f == 1 && w == WireLengthDelimited)
                        {
                            scopeName = Encoding.UTF8.GetString(scope.Bytes());
                        }
                        else
                        {
                            scope.Skip(w);
                        }
                    }

                    break;
                case (2, WireLengthDelimited):
                    raw.Add(reader.Bytes().ToArray());
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        spans.AddRange(raw.Select(span => DecodeSpan(span, service, scopeName)));
    }

    // Span: 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 6 kind, 9 attributes, 13 links, 15 status.
    private static OtlpSpan DecodeSpan(ReadOnlySpan<byte> message, string service, string scope)
    {
        string traceId = "", spanId = "", parent = "", name = "", statusMessage = "";
        var kind = OtlpSpanKind.Unspecified;
        var status = OtlpStatusCode.Unset;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var links = new List<(string, string)>();
        var reader = new Reader(message);
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, WireLengthDelimited):
                    traceId = Convert.ToHexStringLower(reader.Bytes());
                    break;
                case (2, WireLengthDelimited):
                    spanId = Convert.ToHexStringLower(reader.Bytes());
                    break;
                case (4, WireLengthDelimited):
                    parent = Convert.ToHexStringLower(reader.Bytes());
                    break;
                case (5, WireLengthDelimited):
                    name = Encoding.UTF8.GetString(reader.Bytes());
                    break;
                case (6, WireVarint):
                    kind = (OtlpSpanKind)reader.Varint();
                    break;
                case (9, WireLengthDelimited):
                    var (key, value) = DecodeKeyValue(reader.Bytes());
                    attributes[key] = value;
                    break;
                case (13, WireLengthDelimited):
                    links.Add(DecodeLink(reader.Bytes()));
                    break;
                case (15, WireLengthDelimited):
                    (status, statusMessage) = DecodeStatus(reader.Bytes());
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return new OtlpSpan(service, scope, traceId, spanId, parent, name, kind, status, statusMessage, attributes, links);
    }

    // Link: 1 trace_id, 2 span_id.
    private static (string TraceId, string SpanId) DecodeLink(ReadOnlySpan<byte> message)
    {
        string traceId = "", spanId = "";
        var reader = new Reader(message);
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, WireLengthDelimited):
                    traceId = Convert.ToHexStringLower(reader.Bytes());
                    break;
                case (2, WireLengthDelimited):
                    spanId = Convert.ToHexStringLower(reader.Bytes());
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return (traceId, spanId);
    }

    // Status: 2 message, 3 code.
    private static (OtlpStatusCode Code, string Message) DecodeStatus(ReadOnlySpan<byte> message)
    {
        var code = OtlpStatusCode.Unset;
        var text = "";
        var reader = new Reader(message);
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (2, WireLengthDelimited):
                    text = Encoding.UTF8.GetString(reader.Bytes());
                    break;
                case (3, WireVarint):
                    code = (OtlpStatusCode)reader.Varint();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return (code, text);
    }

    // KeyValue: 1 key, 2 value (AnyValue: 1 string, 2 bool, 3 int, 4 double; arrays, maps and bytes as "<...>").
    private static (string Key, string Value) DecodeKeyValue(ReadOnlySpan<byte> message)
    {
        string key = "", value = "";
        var reader = new Reader(message);
        while (reader.Next(out var field, out var wire))
        {
            if (field == 1 && wire == WireLengthDelimited)
            {
                key = Encoding.UTF8.GetString(reader.Bytes());
            }
            else if (field == 2 && wire == WireLengthDelimited)
            {
                var any = new Reader(reader.Bytes());
                while (any.Next(out var f, out var w))
                {
                    value = (f, w) switch
                    {
                        (1, WireLengthDelimited) => Encoding.UTF8.GetString(any.Bytes()),
                        (2, WireVarint) => any.Varint() != 0 ? "true" : "false",
                        (3, WireVarint) => ((long)any.Varint()).ToString(CultureInfo.InvariantCulture),
                        (4, WireFixed64) => BitConverter.Int64BitsToDouble((long)any.Fixed64()).ToString(CultureInfo.InvariantCulture),
                        _ => Skipped(ref any, w),
                    };
                }
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return (key, value);
    }

    private static string Skipped(ref Reader reader, int wire)
    {
        reader.Skip(wire);
        return "<complex>";
    }

    /// <summary>A forward-only reader of protobuf wire format over one message.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public bool Next(out int field, out int wire)
        {
            if (_position >= _data.Length)
            {
                field = 0;
                wire = 0;
                return false;
            }

            var tag = Varint();
            field = (int)(tag >> 3);
            wire = (int)(tag & 7);
            return true;
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = _data[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return value;
                }
            }

            throw new FormatException("a varint longer than 10 bytes");
        }

        public ulong Fixed64()
        {
            var value = BinaryPrimitives.ReadUInt64LittleEndian(_data.Slice(_position, 8));
            _position += 8;
            return value;
        }

        public ReadOnlySpan<byte> Bytes()
        {
            var length = checked((int)Varint());
            var bytes = _data.Slice(_position, length);
            _position += length;
            return bytes;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case WireVarint:
                    Varint();
                    break;
                case WireFixed64:
                    _position += 8;
                    break;
                case WireLengthDelimited:
                    Bytes();
                    break;
                case WireFixed32:
                    _position += 4;
                    break;
                default:
                    throw new FormatException($"unsupported wire type {wire}");
            }
        }
    }
}
