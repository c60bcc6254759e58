using System.Globalization;
using System.Security.Cryptography;

namespace ModMesh.Access;

/// <summary>
/// The tokens file: one token a line, <c>&lt;id&gt; &lt;user&gt; sha256:&lt;hex&gt; [expires=&lt;RFC 3339&gt;]</c>, fields
/// separated by spaces or tabs; '#' starts a comment that runs to the end of the line; blank lines are ignored. The
/// hash is the SHA-256 of the whole token string, so the file holds no secret and may be stored like any config.
/// </summary>
/// <example>
/// <code>
/// # CI of the payments team
/// q3k7vd2mzpxa ci-payments sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 expires=2026-01-01T00:00:00Z
/// </code>
/// </example>
public static class TokenFile
{
    private static readonly string[] TimeFormats = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    /// <summary>
    /// Issues a token for <paramref name="user"/>, valid until <paramref name="expires"/> (for ever when null), from
    /// <paramref name="random"/> (the system's cryptographic generator when null). Append
    /// <see cref="IssuedToken.Line"/> to the tokens file and hand <see cref="IssuedToken.Token"/> to the user.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="user"/> is not a valid user name.</exception>
    public static IssuedToken Issue(string user, DateTimeOffset? expires = null, RandomNumberGenerator? random = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!PrincipalNames.IsValidUser(user))
        {
            throw new ArgumentException(
                "A user name is 1-256 characters of letters, digits and . _ - + @, not starting with '@'.", nameof(user));
        }

        var token = AccessToken.Generate(out var id, random);
        var line = $"{id} {user} {AccessToken.FormatHash(AccessToken.ComputeHash(token))}";
        if (expires is { } e)
        {
            line += $" expires={FormatTime(e)}";
        }

        return new IssuedToken(token, id, user, expires, line);
    }

    /// <summary>
    /// <paramref name="lines"/> without the line(s) of token <paramref name="id"/>; comments, blank lines and every
    /// other line stay as they are. Write the result back to revoke the token.
    /// </summary>
    public static IReadOnlyList<string> Revoke(IEnumerable<string> lines, string id)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(id);
        return lines.Where(line => !string.Equals(FirstField(line), id, StringComparison.Ordinal)).ToList();
    }

    /// <summary>Parses the text of a tokens file; every problem is reported with its line number.</summary>
    public static AccessFileParseResult<TokenSet> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var problems = new List<AccessFileProblem>();
        var entries = new List<TokenEntry>();
        var firstLineOfId = new Dictionary<string, int>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            var fields = Fields(StripComment(rawLine.ToString()));
            if (fields.Length == 0)
            {
                continue;
            }

            if (TryParseLine(fields, lineNumber, problems) is not { } entry)
            {
                continue;
            }

            if (firstLineOfId.TryGetValue(entry.Id, out var first))
            {
                problems.Add(new(lineNumber, AccessFileProblemKind.DuplicateTokenId, $"token id '{entry.Id}' is already on line {first}"));
                continue;
            }

            firstLineOfId[entry.Id] = lineNumber;
            entries.Add(entry);
        }

        return new AccessFileParseResult<TokenSet>(new TokenSet(entries), problems);
    }

    /// <summary>RFC 3339 in UTC, <c>2026-01-02T03:04:05Z</c>, with a fraction only when there is one.</summary>
    internal static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>An RFC 3339 date-time: 'T' (or 't') between date and time, a fraction optional, 'Z' or ±hh:mm required.</summary>
    internal static bool TryParseTime(string text, out DateTimeOffset time)
    {
        time = default;
        var upper = text.ToUpperInvariant();
        var hasOffset = upper.EndsWith('Z')
            || (upper.Length > 6 && upper[^6] is '+' or '-' && upper[^3] == ':');
        if (!hasOffset)
        {
            return false;
        }

        return DateTimeOffset.TryParseExact(upper, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }

    private static TokenEntry? TryParseLine(string[] fields, int line, List<AccessFileProblem> problems)
    {
        var before = problems.Count;
        if (fields.Length < 3)
        {
            problems.Add(new(line, AccessFileProblemKind.Syntax, "expected '<id> <user> sha256:<hex> [expires=<RFC 3339>]'"));
            return null;
        }

        var id = fields[0];
        if (!AccessToken.IsValidId(id))
        {
            problems.Add(new(line, AccessFileProblemKind.BadTokenId, $"'{id}' is not a token id (12 characters of a-z and 2-7)"));
        }

        var user = fields[1];
        if (!PrincipalNames.IsValidUser(user))
        {
            problems.Add(new(line, AccessFileProblemKind.BadUser, $"'{user}' is not a user name (letters, digits and . _ - + @, not starting with '@')"));
        }

        byte[]? hash = null;
        var hashText = fields[2];
        if (!hashText.StartsWith(AccessToken.HashPrefix, StringComparison.Ordinal)
            || hashText.Length != AccessToken.HashPrefix.Length + 64
            || !TryFromHex(hashText.AsSpan(AccessToken.HashPrefix.Length), out hash))
        {
            problems.Add(new(line, AccessFileProblemKind.BadHash, "the third field is not 'sha256:' and 64 hex digits"));
        }

        DateTimeOffset? expires = null;
        foreach (var attribute in fields.Skip(3))
        {
            const string ExpiresKey = "expires=";
            if (!attribute.StartsWith(ExpiresKey, StringComparison.Ordinal))
            {
                var key = attribute.Split('=')[0];
                problems.Add(new(line, AccessFileProblemKind.UnknownAttribute, $"unknown attribute '{key}' (the only one is expires=)"));
            }
            else if (expires is not null)
            {
                problems.Add(new(line, AccessFileProblemKind.BadExpiry, "expires= given twice"));
            }
            else if (TryParseTime(attribute[ExpiresKey.Length..], out var time))
            {
                expires = time;
            }
            else
            {
                problems.Add(new(line, AccessFileProblemKind.BadExpiry, $"'{attribute[ExpiresKey.Length..]}' is not an RFC 3339 date and time with an offset (e.g. 2026-01-02T03:04:05Z)"));
            }
        }

        return problems.Count == before ? new TokenEntry(id, user, hash!, expires, line) : null;
    }

    private static bool TryFromHex(ReadOnlySpan<char> hex, out byte[]? bytes)
    {
        bytes = new byte[hex.Length / 2];
        if (Convert.FromHexString(hex, bytes, out _, out var written) == System.Buffers.OperationStatus.Done && written == bytes.Length)
        {
            return true;
        }

        bytes = null;
        return false;
    }

    private static string StripComment(string line)
    {
        var hash = line.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? line : line[..hash];
    }

    private static string[] Fields(string line) =>
        line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);

    private static string? FirstField(string line)
    {
        var fields = Fields(StripComment(line));
        return fields.Length > 0 ? fields[0] : null;
    }
}
