using System.Globalization;
using System.Text;

namespace ModMesh.Protocol.Sumdb;

/// <summary>A tree head: the size of a log and the hash of its tree ("go.sum database tree\nN\nbase64(hash)\n").</summary>
/// <param name="Size">The number of records.</param>
/// <param name="Hash">The tree hash.</param>
public sealed record TlogTree(long Size, TlogHash Hash)
{
    /// <summary>The first line of a checksum database's tree head.</summary>
    public const string Origin = "go.sum database tree";

    /// <summary>The tree-head text: the text of the signed note a checksum database serves at /latest.</summary>
    public string Format() => $"{Origin}\n{Size.ToString(CultureInfo.InvariantCulture)}\n{Hash}\n";

    /// <summary>Parses a tree-head text (the text of a verified note). Lines after the third are ignored.</summary>
    public static bool TryParse(string text, out TlogTree? tree)
    {
        tree = null;
        if (text is null || text.Length > 1_000_000 || !text.StartsWith(Origin + "\n", StringComparison.Ordinal) || text.Count(c => c == '\n') < 3)
        {
            return false;
        }

        var lines = text.Split('\n', 4);
        if (!long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) ||
            lines[1] != size.ToString(CultureInfo.InvariantCulture) ||
            !TlogHash.TryParse(lines[2], out var hash))
        {
            return false;
        }

        tree = new TlogTree(size, hash);
        return true;
    }
}

/// <summary>A checksum-database lookup answer: "id\n" + record text + "\n" + signed tree-head note.</summary>
/// <param name="Id">The record's number in the log.</param>
/// <param name="Text">The record text (lines "module version h1:..." each ended by a newline).</param>
/// <param name="SignedTreeHead">The rest: the signed note of the tree the record was looked up in.</param>
public sealed record SumdbLookup(long Id, byte[] Text, byte[] SignedTreeHead)
{
    /// <summary>Parses a lookup answer (tlog.ParseRecord).</summary>
    public static bool TryParse(ReadOnlySpan<byte> message, out SumdbLookup? lookup)
    {
        lookup = null;
        var newline = message.IndexOf((byte)'\n');
        if (newline <= 0 || newline > 20)
        {
            return false;
        }

        var idText = Encoding.ASCII.GetString(message[..newline]);
        if (!long.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || idText != id.ToString(CultureInfo.InvariantCulture))
        {
            return false;
        }

        var rest = message[(newline + 1)..];
        var blank = rest.IndexOf("\n\n"u8);
        if (blank < 0)
        {
            return false;
        }

        var text = rest[..(blank + 1)];
        if (!IsValidRecordText(text))
        {
            return false;
        }

        lookup = new SumdbLookup(id, text.ToArray(), rest[(blank + 2)..].ToArray());
        return true;
    }

    /// <summary>Formats a lookup answer (what a checksum database serves at /lookup/...).</summary>
    public static byte[] Format(long id, ReadOnlySpan<byte> text, ReadOnlySpan<byte> signedTreeHead)
    {
        if (!IsValidRecordText(text))
        {
            throw new ArgumentException("record text must be printable lines, each ended by a newline, no blank line", nameof(text));
        }

        var head = Encoding.ASCII.GetBytes(id.ToString(CultureInfo.InvariantCulture) + "\n");
        return [.. head, .. text, (byte)'\n', .. signedTreeHead];
    }

    /// <summary>The record's lines starting with "<paramref name="modulePath"/> <paramref name="version"/> " (version may end "/go.mod").</summary>
    public IReadOnlyList<string> LinesFor(string modulePath, string version)
    {
        var prefix = $"{modulePath} {version} ";
        return Encoding.UTF8.GetString(Text).Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).ToList();
    }

    /// <summary>True for UTF-8 text of lines without control characters, each ended by '\n', none empty.</summary>
    public static bool IsValidRecordText(ReadOnlySpan<byte> text)
    {
        var last = -1;
        while (!text.IsEmpty)
        {
            var status = System.Text.Rune.DecodeFromUtf8(text, out var rune, out var consumed);
            if (status != System.Buffers.OperationStatus.Done || (rune.Value < 0x20 && rune.Value != '\n') || (last == '\n' && rune.Value == '\n'))
            {
                return false;
            }

            last = rune.Value;
            text = text[consumed..];
        }

        return last == '\n';
    }
}
