using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ModMesh.Coordination.Redis;

/// <summary>
/// Signs and checks fill jobs with HMAC-SHA256 under the cluster's shared job-signing key, so a job read from Redis is
/// trusted only when a cache node wrote it (anyone who can write to Redis but lacks the key cannot make a fetcher fill
/// a module under another module's name, or from the wrong upstream).
/// </summary>
/// <remarks>
/// The MAC covers a canonical encoding of every field of <see cref="FillJob"/> (see <see cref="Fields"/>), not the
/// JSON text, so it does not depend on how the JSON is written: the version tag <see cref="VersionTag"/>, then per
/// field its name and value, each length-prefixed (4-byte big-endian length of the UTF-8 bytes), a null value written
/// as a distinct marker. No two different jobs encode alike. The signature travels as <c>v1.</c> + base64 of the MAC.
/// </remarks>
public sealed class FillJobSigner
{
    /// <summary>The smallest key accepted: 32 bytes (the HMAC-SHA256 output size).</summary>
    public const int MinimumKeyBytes = 32;

    /// <summary>Domain separation and version of the canonical encoding; part of every MAC.</summary>
    public const string VersionTag = "ModMesh.FillJob.v1";

    private const string SignaturePrefix = "v1.";
    private const int MacBytes = 32;

    /// <summary>
    /// Every field of <see cref="FillJob"/>, in the fixed order the MAC covers them, each with its invariant text form.
    /// Adding a field to <see cref="FillJob"/> is one line here (a test fails until it is added).
    /// </summary>
    internal static readonly IReadOnlyList<(string Name, Func<FillJob, string?> Value)> Fields =
    [
        ("modulePath", j => j.ModulePath),
        ("version", j => j.Version),
        ("escapedPath", j => j.EscapedPath),
        ("escapedVersion", j => j.EscapedVersion),
        ("traceParent", j => j.TraceParent),
        ("enqueuedAt", j => j.EnqueuedAt.ToString("O", CultureInfo.InvariantCulture)),
        ("file", j => j.File),
    ];

    // Strict: a string that is not valid UTF-16 (a lone surrogate) fails instead of turning into U+FFFD, so two
    // different strings can never encode alike.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[] _key;

    /// <summary>Creates a signer over <paramref name="key"/> (at least <see cref="MinimumKeyBytes"/> bytes; copied).</summary>
    public FillJobSigner(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinimumKeyBytes)
        {
            throw new ArgumentException($"The job-signing key must be at least {MinimumKeyBytes} bytes; it has {key.Length}.", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary>Creates a signer from a base64 key (the configuration form); throws <see cref="ArgumentException"/> naming the problem.</summary>
    public static FillJobSigner FromBase64(string? key) =>
        TryParseKey(key, out var bytes, out var error) ? new FillJobSigner(bytes) : throw new ArgumentException(error, nameof(key));

    /// <summary>Parses a base64 key of at least <see cref="MinimumKeyBytes"/> bytes, or says what is wrong with it.</summary>
    public static bool TryParseKey(string? key, [NotNullWhen(true)] out byte[]? bytes, [NotNullWhen(false)] out string? error)
    {
        bytes = null;
        if (string.IsNullOrWhiteSpace(key))
        {
            error = "the job-signing key is not set";
            return false;
        }

        try
        {
            bytes = Convert.FromBase64String(key.Trim());
        }
        catch (FormatException)
        {
            error = "the job-signing key is not valid base64";
            return false;
        }

        if (bytes.Length < MinimumKeyBytes)
        {
            error = $"the job-signing key has {bytes.Length} bytes; at least {MinimumKeyBytes} are needed (e.g. `openssl rand -base64 32`)";
            bytes = null;
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>The signature of <paramref name="job"/>: <c>v1.</c> + base64 of HMAC-SHA256(key, canonical encoding).</summary>
    public string Sign(FillJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        Span<byte> mac = stackalloc byte[MacBytes];
        Compute(job, mac);
        return SignaturePrefix + Convert.ToBase64String(mac);
    }

    /// <summary>Whether <paramref name="signature"/> is this key's signature of exactly <paramref name="job"/> (constant-time compare).</summary>
    public bool Verify(FillJob job, string? signature)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (signature is null || !signature.StartsWith(SignaturePrefix, StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> given = stackalloc byte[MacBytes + 3];
        if (!Convert.TryFromBase64Chars(signature.AsSpan(SignaturePrefix.Length), given, out int written) || written != MacBytes)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[MacBytes];
        try
        {
            Compute(job, expected);
        }
        catch (EncoderFallbackException)
        {
            return false; // a field that is not valid text was never signed.
        }

        return CryptographicOperations.FixedTimeEquals(given[..MacBytes], expected);
    }

    private void Compute(FillJob job, Span<byte> mac)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        AppendString(hmac, VersionTag);
        foreach (var (name, value) in Fields)
        {
            AppendString(hmac, name);
            string? text = value(job);
            if (text is null)
            {
                hmac.AppendData([0]);
            }
            else
            {
                hmac.AppendData([1]);
                AppendString(hmac, text);
            }
        }

        hmac.GetHashAndReset(mac);
    }

    private static void AppendString(IncrementalHash hmac, string text)
    {
        byte[] bytes = StrictUtf8.GetBytes(text);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        hmac.AppendData(length);
        hmac.AppendData(bytes);
    }
}
