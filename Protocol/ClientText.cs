using System.Text;

namespace ModMesh.Protocol;

/// <summary>
/// Text from elsewhere (an upstream's error body, a zip entry name, a request path) made safe to echo to a client or
/// a log line: control characters and other invisible code points written as escapes (\n, \x1b, \u202e), cut to a
/// length with "...".
/// </summary>
public static class ClientText
{
    /// <summary>Escapes <paramref name="text"/> and cuts it to at most <paramref name="maxChars"/> characters (plus "...").</summary>
    public static string Escape(string text, int maxChars = 200)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(Math.Min(text.Length, maxChars) + 8);
        foreach (var c in text)
        {
            if (builder.Length >= maxChars)
            {
                return builder.Append("...").ToString();
            }

            switch (c)
            {
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                default:
                    if (c < 0x20 || c == 0x7f)
                    {
                        builder.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else if (char.IsControl(c) || IsInvisible(c))
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.ToString();
    }

    // Format characters that reorder or hide text (bidirectional overrides, zero-width marks, BOM).
    private static bool IsInvisible(char c) =>
        char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator;
}
