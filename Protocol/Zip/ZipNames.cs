using System.Text;

namespace ModMesh.Protocol.Zip;

/// <summary>Zip entry names made fit for a message: decoded as UTF-8, control characters escaped, long names shortened.</summary>
internal static class ZipNames
{
    private const int MaxShown = 100;

    /// <summary>The name in double quotes, e.g. <c>"example.com/m@v1.0.0/a\n.go"</c>.</summary>
    public static string Quote(ReadOnlySpan<byte> name) => Quote(Encoding.UTF8.GetString(name));

    /// <inheritdoc cref="Quote(ReadOnlySpan{byte})"/>
    public static string Quote(string name)
    {
        var sb = new StringBuilder(Math.Min(name.Length, MaxShown) + 8);
        sb.Append('"');
        var shown = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            if (shown == MaxShown)
            {
                sb.Append("...");
                break;
            }

            shown++;
            var v = rune.Value;
            if (v == '"' || v == '\\')
            {
                sb.Append('\\').Append((char)v);
            }
            else if (v < 0x20 || (v >= 0x7F && v < 0xA0) || Rune.GetUnicodeCategory(rune) is System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator)
            {
                sb.Append(v <= 0xFF ? $"\\x{v:x2}" : $"\\u{v:x4}");
            }
            else
            {
                sb.Append(rune.ToString());
            }
        }

        sb.Append('"');
        return sb.ToString();
    }
}
