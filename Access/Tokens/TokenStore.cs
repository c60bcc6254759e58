using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace ModMesh.Access;

/// <summary>
/// The tokens file (see <see cref="TokenFile"/>), loaded and kept current while it changes, and the one place a
/// presented token is checked.
/// </summary>
/// <remarks>
/// A token is looked up by its id (not a secret), then the SHA-256 of the presented string is compared with the hash
/// on file with <see cref="CryptographicOperations.FixedTimeEquals"/>; an unknown id is compared with a dummy hash,
/// so the work done does not depend on how much of a guess was right. Expiry is read from the injected
/// <see cref="TimeProvider"/>. Reloading: see <see cref="FileWatchOptions"/>; a missing, half-written or invalid file
/// keeps the last good tokens in force and logs a warning.
/// </remarks>
public sealed class TokenStore : IDisposable
{
    private static readonly byte[] DummyHash = new byte[32];

    private readonly WatchedFile<TokenSet> file;
    private readonly TimeProvider time;

    /// <summary>Loads the tokens file at <paramref name="path"/> and starts watching it.</summary>
    /// <exception cref="AccessFileException">The file is missing, unreadable or has problems.</exception>
    public TokenStore(string path, TimeProvider timeProvider, ILogger<TokenStore> logger, FileWatchOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        time = timeProvider;
        file = new WatchedFile<TokenSet>(path, "tokens file", TokenFile.Parse, Describe, timeProvider, options ?? new(), logger);
    }

    /// <summary>The tokens in force.</summary>
    public TokenSet Current => file.Current;

    /// <summary>1 after the first load, one more for every version of the file applied since.</summary>
    public long Generation => file.Generation;

    /// <summary>When the tokens in force were loaded.</summary>
    public DateTimeOffset LoadedAt => file.LoadedAt;

    /// <summary>The comparison of two hashes; a seam for the test that proves the fixed-time comparison is used.</summary>
    internal HashEquality HashesEqual { get; set; } = CryptographicOperations.FixedTimeEquals;

    /// <summary>Reads the file now instead of waiting for the watcher or the periodic check.</summary>
    public void CheckNow() => file.CheckNow();

    /// <summary>Authenticates <paramref name="credentials"/> by their token (a Basic user name plays no part).</summary>
    public TokenAuthenticationResult Authenticate(Credentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return Authenticate(credentials.Token);
    }

    /// <summary>Authenticates a presented token against the tokens in force.</summary>
    public TokenAuthenticationResult Authenticate(string token)
    {
        if (!AccessToken.TryGetId(token, out var id))
        {
            return TokenAuthenticationResult.Fail(TokenFailure.Malformed, "not a ModMesh token (expected mm_<id>_<secret>)");
        }

        var presented = AccessToken.ComputeHash(token);
        var found = Current.TryGet(id, out var entry);
        var equal = HashesEqual(presented, found ? entry!.Hash : DummyHash);
        if (!found)
        {
            return TokenAuthenticationResult.Fail(TokenFailure.UnknownId, $"token {id} is not in the tokens file (never issued, or revoked)");
        }

        if (!equal)
        {
            return TokenAuthenticationResult.Fail(TokenFailure.WrongSecret, $"token {id} (user {entry!.User}) does not match the hash on line {entry.Line}");
        }

        if (entry!.IsExpired(time.GetUtcNow()))
        {
            return TokenAuthenticationResult.Fail(TokenFailure.Expired, $"token {id} (user {entry.User}) expired at {TokenFile.FormatTime(entry.Expires!.Value)}");
        }

        return TokenAuthenticationResult.Success(new Principal(entry.User, id));
    }

    /// <summary>Stops watching the file.</summary>
    public void Dispose() => file.Dispose();

    private static string Describe(TokenSet tokens) => $"{tokens.Count} token(s)";
}
