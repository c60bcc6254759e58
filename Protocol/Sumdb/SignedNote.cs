using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ModMesh.Protocol.Sumdb;

/// <summary>A signature line of a note: the key name, its key hash, and the base64 of keyhash || signature.</summary>
public sealed record NoteSignature(string Name, uint KeyHash, string Base64);

/// <summary>How opening a signed note ended.</summary>
public enum NoteOpenStatus
{
    /// <summary>At least one signature by a known key verified, and none by a known key failed.</summary>
    Verified,

    /// <summary>Not a signed note (format, control characters, bad base64, more than 100 signatures).</summary>
    Malformed,

    /// <summary>A signature by a known key does not verify: the text or the signature was altered.</summary>
    InvalidSignature,

    /// <summary>Well formed, but no signature is by a known key.</summary>
    NoKnownSignature,
}

/// <summary>The result of <see cref="SignedNote.Open"/>: the note when verified, otherwise what was wrong.</summary>
public sealed record NoteOpenResult(NoteOpenStatus Status, SignedNote? Note, string Message);

/// <summary>
/// A signed note (golang.org/x/mod/sumdb/note): UTF-8 text ending in a newline, a blank line, then signature lines
/// "— name base64(4-byte key hash || signature)". The signature covers the text, final newline included.
/// </summary>
public sealed class SignedNote
{
    /// <summary>The start of every signature line: an em dash (U+2014) and a space.</summary>
    public const string SignaturePrefix = "\u2014 ";

    private const int MaxSignatures = 100;

    private SignedNote(string text, IReadOnlyList<NoteSignature> signatures, IReadOnlyList<NoteSignature> unverified)
    {
        Text = text;
        Signatures = signatures;
        UnverifiedSignatures = unverified;
    }

    /// <summary>The signed text (ends with a newline).</summary>
    public string Text { get; }

    /// <summary>Signatures verified with a known key.</summary>
    public IReadOnlyList<NoteSignature> Signatures { get; }

    /// <summary>Signatures by keys not known to the reader (not checked).</summary>
    public IReadOnlyList<NoteSignature> UnverifiedSignatures { get; }

    /// <summary>Parses <paramref name="message"/> and verifies its signatures by the <paramref name="known"/> keys.</summary>
    public static NoteOpenResult Open(ReadOnlySpan<byte> message, IReadOnlyCollection<NoteVerifier> known)
    {
        ArgumentNullException.ThrowIfNull(known);
        if (message.Length > 1_000_000)
        {
            return Malformed("note larger than 1 MB");
        }

        for (var rest = message; !rest.IsEmpty;)
        {
            if (Rune.DecodeFromUtf8(rest, out var rune, out var consumed) != OperationStatus.Done)
            {
                return Malformed("note is not UTF-8");
            }

            if (rune.Value < 0x20 && rune.Value != '\n')
            {
                return Malformed("note contains a control character");
            }

            rest = rest[consumed..];
        }

        var split = message.LastIndexOf("\n\n"u8);
        if (split < 0)
        {
            return Malformed("note has no blank line before its signatures");
        }

        var textBytes = message[..(split + 1)];
        var signatures = message[(split + 2)..];
        if (signatures.IsEmpty || signatures[^1] != (byte)'\n')
        {
            return Malformed("note signatures do not end with a newline");
        }

        var verified = new List<NoteSignature>();
        var unverified = new List<NoteSignature>();
        var seen = new HashSet<(string, uint)>();
        var seenUnverified = new HashSet<string>(StringComparer.Ordinal);
        var count = 0;
        var prefix = Encoding.UTF8.GetBytes(SignaturePrefix);
        while (!signatures.IsEmpty)
        {
            var newline = signatures.IndexOf((byte)'\n');
            var lineBytes = signatures[..newline];
            signatures = signatures[(newline + 1)..];
            if (!lineBytes.StartsWith(prefix))
            {
                return Malformed("a signature line does not start with \"— \"");
            }

            var line = Encoding.UTF8.GetString(lineBytes[prefix.Length..]);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var name = space < 0 ? line : line[..space];
            var base64 = space < 0 ? "" : line[(space + 1)..];
            var blob = new byte[base64.Length];
            if (!NoteVerifier.IsValidName(name) || base64.Length == 0 || base64.Any(char.IsWhiteSpace) ||
                !Convert.TryFromBase64String(base64, blob, out var length) || length < 5)
            {
                return Malformed("malformed signature line");
            }

            if (++count > MaxSignatures)
            {
                return Malformed($"more than {MaxSignatures} signatures");
            }

            var keyHash = BinaryPrimitives.ReadUInt32BigEndian(blob);
            var signature = new NoteSignature(name, keyHash, base64);
            var candidates = known.Where(v => v.Name == name && v.KeyHash == keyHash).Take(2).ToList();
            if (candidates.Count == 0)
            {
                if (seenUnverified.Add(line))
                {
                    unverified.Add(signature);
                }

                continue;
            }

            if (candidates.Count > 1)
            {
                return new NoteOpenResult(NoteOpenStatus.Malformed, null, $"ambiguous key {name}+{keyHash:x8}");
            }

            if (!seen.Add((name, keyHash)))
            {
                continue;
            }

            if (!candidates[0].Verify(textBytes, blob.AsSpan(4, length - 4)))
            {
                return new NoteOpenResult(NoteOpenStatus.InvalidSignature, null, $"invalid signature for key {name}+{keyHash:x8}");
            }

            verified.Add(signature);
        }

        var text = Encoding.UTF8.GetString(textBytes);
        if (verified.Count == 0)
        {
            return new NoteOpenResult(NoteOpenStatus.NoKnownSignature, null, "note has no signature by a known key");
        }

        return new NoteOpenResult(NoteOpenStatus.Verified, new SignedNote(text, verified, unverified), "");
    }

    private static NoteOpenResult Malformed(string message) => new(NoteOpenStatus.Malformed, null, "malformed note: " + message);
}
