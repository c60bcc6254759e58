using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace ModMesh.Access;

/// <summary>
/// The shape of a ModMesh token, <c>mm_&lt;id&gt;_&lt;secret&gt;</c>: the id is 12 lowercase base32 characters
/// (RFC 4648 alphabet <c>a-z2-7</c>, 60 random bits) naming the token in the tokens file, and the secret is 32
/// random bytes in base64url without padding (43 characters, which may themselves contain '_' and '-').
/// </summary>
/// <remarks>
/// The id is not a secret: it is written in the tokens file and in logs, and only finds the entry to compare with.
/// The tokens file holds the SHA-256 of the whole token string, never the token.
/// </remarks>
public static class AccessToken
{
    /// <summary>Every token starts with this.</summary>
    public const string Prefix = "mm_";

    /// <summary>The number of characters of a token id.</summary>
    public const int IdLength = 12;

    /// <summary>The number of random bytes of a token secret.</summary>
    public const int SecretByteCount = 32;

    /// <summary>The number of characters of the secret: 32 bytes in base64url without padding.</summary>
    public const int SecretLength = 43;

    /// <summary>The number of characters of a whole token.</summary>
    public const int Length = 3 + IdLength + 1 + SecretLength;

    private const string Base32Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>The prefix of a hash in the tokens file.</summary>
    internal const string HashPrefix = "sha256:";

    /// <summary>
    /// A new token from <paramref name="random"/> (the system's cryptographic generator when null);
    /// <paramref name="id"/> is its id.
    /// </summary>
    public static string Generate(out string id, RandomNumberGenerator? random = null)
    {
        Span<byte> bytes = stackalloc byte[IdLength + SecretByteCount];
        if (random is null)
        {
            RandomNumberGenerator.Fill(bytes);
        }
        else
        {
            random.GetBytes(bytes);
        }

        // 256 is a multiple of 32: the low five bits of a uniform byte are a uniform base32 digit.
        Span<char> idChars = stackalloc char[IdLength];
        for (var i = 0; i < IdLength; i++)
        {
            idChars[i] = Base32Alphabet[bytes[i] & 31];
        }

        id = new string(idChars);
        var token = string.Concat(Prefix, id, "_", Base64Url.EncodeToString(bytes[IdLength..]));
        CryptographicOperations.ZeroMemory(bytes);
        return token;
    }

    /// <summary>True when <paramref name="id"/> is 12 characters of <c>a-z2-7</c>.</summary>
    public static bool IsValidId(ReadOnlySpan<char> id)
    {
        if (id.Length != IdLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '2' and <= '7')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// True when <paramref name="token"/> has the shape of a token (prefix, id, '_', 43 base64url characters);
    /// <paramref name="id"/> is its id. Says nothing about whether the token is known.
    /// </summary>
    public static bool TryGetId(string? token, out string id)
    {
        id = "";
        if (token is null || token.Length != Length || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var idPart = token.AsSpan(Prefix.Length, IdLength);
        if (!IsValidId(idPart) || token[Prefix.Length + IdLength] != '_')
        {
            return false;
        }

        foreach (var c in token.AsSpan(Prefix.Length + IdLength + 1))
        {
            if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_'))
            {
                return false;
            }
        }

        if (!Base64Url.IsValid(token.AsSpan(Prefix.Length + IdLength + 1), out var decodedLength) || decodedLength != SecretByteCount)
        {
            return false;
        }

        id = idPart.ToString();
        return true;
    }

    /// <summary>The SHA-256 of the token string's UTF-8 bytes (32 bytes), as the tokens file stores it.</summary>
    public static byte[] ComputeHash(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var byteCount = Encoding.UTF8.GetByteCount(token);
        var bytes = byteCount <= 256 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(token, bytes);
        var hash = SHA256.HashData(bytes);
        CryptographicOperations.ZeroMemory(bytes);
        return hash;
    }

    /// <summary>The tokens file's spelling of a hash: <c>sha256:</c> and 64 lowercase hex digits.</summary>
    public static string FormatHash(ReadOnlySpan<byte> hash) => HashPrefix + Convert.ToHexStringLower(hash);
}
