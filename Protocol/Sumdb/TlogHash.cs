using System.Security.Cryptography;

namespace ModMesh.Protocol.Sumdb;

/// <summary>A SHA-256 hash in a transparency log (golang.org/x/mod/sumdb/tlog): a record hash, a node hash, a tree hash.</summary>
public readonly struct TlogHash : IEquatable<TlogHash>
{
    /// <summary>The size of a hash in bytes.</summary>
    public const int Size = 32;

    private static readonly byte[] Zero = new byte[Size];
    private readonly byte[]? _bytes;

    private TlogHash(byte[] bytes) => _bytes = bytes;

    /// <summary>The 32 bytes (all zero for <c>default</c>).</summary>
    public ReadOnlySpan<byte> Bytes => _bytes ?? Zero;

    /// <summary>A hash from exactly 32 bytes.</summary>
    /// <exception cref="ArgumentException">Not 32 bytes.</exception>
    public static TlogHash FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"a tlog hash is {Size} bytes, not {bytes.Length}", nameof(bytes));
        }

        return new TlogHash(bytes.ToArray());
    }

    /// <summary>The SHA-256 of <paramref name="data"/> as a hash.</summary>
    public static TlogHash Sha256(ReadOnlySpan<byte> data) => new(SHA256.HashData(data));

    /// <summary>Parses standard base64 of 32 bytes (the form in tree heads).</summary>
    public static bool TryParse(string? text, out TlogHash hash)
    {
        hash = default;
        if (string.IsNullOrEmpty(text) || text.Length != 44 || text.Any(char.IsWhiteSpace))
        {
            return false;
        }

        var buffer = new byte[Size + 2];
        if (!Convert.TryFromBase64String(text, buffer, out var written) || written != Size)
        {
            return false;
        }

        hash = new TlogHash(buffer[..Size]);
        return true;
    }

    /// <inheritdoc />
    public bool Equals(TlogHash other) => Bytes.SequenceEqual(other.Bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TlogHash other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => BitConverter.ToInt32(Bytes);

    /// <summary>Standard base64, as written in tree heads.</summary>
    public override string ToString() => Convert.ToBase64String(Bytes);

    /// <summary>Equality of the bytes.</summary>
    public static bool operator ==(TlogHash left, TlogHash right) => left.Equals(right);

    /// <summary>Inequality of the bytes.</summary>
    public static bool operator !=(TlogHash left, TlogHash right) => !left.Equals(right);
}
