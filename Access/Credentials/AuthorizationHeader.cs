using System.Buffers.Text;
using System.Text;

namespace ModMesh.Access;

/// <summary>
/// Parses the value of an HTTP <c>Authorization</c> header into <see cref="Credentials"/>:
/// <c>Bearer &lt;token&gt;</c>, or <c>Basic base64(user:token)</c> as the go command sends it from <c>.netrc</c>
/// (the password is the token; the user name is kept but not used to authenticate).
/// </summary>
/// <remarks>
/// The scheme name is case-insensitive (RFC 9110 §11.1); one or more spaces or tabs separate it from its parameter,
/// which must be a single value. Failure reasons never repeat any part of the header: a client that sends a bare
/// token with no scheme must not find it in the logs.
/// </remarks>
public static class AuthorizationHeader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Parses <paramref name="value"/>; a null or blank value gives <see cref="CredentialsError.Missing"/>.</summary>
    public static CredentialsParseResult Parse(string? value)
    {
        var text = (value ?? "").AsSpan().Trim(" \t");
        if (text.IsEmpty)
        {
            return CredentialsParseResult.Failure(CredentialsError.Missing, "no Authorization header");
        }

        var gap = text.IndexOfAny(' ', '\t');
        var scheme = gap < 0 ? text : text[..gap];
        var parameter = gap < 0 ? [] : text[gap..].TrimStart(" \t");
        if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return ParseBearer(parameter);
        }

        if (scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return ParseBasic(parameter);
        }

        return CredentialsParseResult.Failure(CredentialsError.UnknownScheme, "unknown authorization scheme (expected Bearer or Basic)");
    }

    private static CredentialsParseResult ParseBearer(ReadOnlySpan<char> parameter)
    {
        if (parameter.IsEmpty)
        {
            return CredentialsParseResult.Failure(CredentialsError.EmptyToken, "Bearer credentials with an empty token");
        }

        if (parameter.ContainsAny(' ', '\t'))
        {
            return CredentialsParseResult.Failure(CredentialsError.Malformed, "Bearer credentials with more than one value after the scheme");
        }

        return CredentialsParseResult.Success(new Credentials(CredentialsScheme.Bearer, parameter.ToString()));
    }

    private static CredentialsParseResult ParseBasic(ReadOnlySpan<char> parameter)
    {
        if (parameter.IsEmpty)
        {
            return CredentialsParseResult.Failure(CredentialsError.Malformed, "Basic credentials with nothing after the scheme");
        }

        if (parameter.ContainsAny(' ', '\t'))
        {
            return CredentialsParseResult.Failure(CredentialsError.Malformed, "Basic credentials with more than one value after the scheme");
        }

        // Standard base64 with padding (RFC 7617), as Go's net/http SetBasicAuth writes it.
        var bytes = new byte[Base64.GetMaxDecodedFromUtf8Length(parameter.Length)];
        if (!Convert.TryFromBase64Chars(parameter, bytes, out var length) || parameter.Length % 4 != 0)
        {
            return CredentialsParseResult.Failure(CredentialsError.MalformedBase64, "Basic credentials that are not valid base64");
        }

        string decoded;
        try
        {
            decoded = StrictUtf8.GetString(bytes, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return CredentialsParseResult.Failure(CredentialsError.MalformedBase64, "Basic credentials that are not UTF-8 once decoded");
        }
        finally
        {
            Array.Clear(bytes);
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return CredentialsParseResult.Failure(CredentialsError.MissingColon, "Basic credentials with no ':' between user and password");
        }

        var password = decoded[(colon + 1)..];
        if (password.Length == 0)
        {
            return CredentialsParseResult.Failure(
                CredentialsError.EmptyToken,
                "Basic credentials with an empty password (the token goes in the password, e.g. .netrc 'password')");
        }

        return CredentialsParseResult.Success(new Credentials(CredentialsScheme.Basic, password, decoded[..colon]));
    }
}
