using ModMesh.Protocol.Sumdb;

namespace ModMesh.Fetcher.Verification;

/// <summary>How checking one answer of the checksum database (latest, a lookup, a tile) ended.</summary>
public enum SumdbAnswerStatus
{
    /// <summary>Authenticated against a signed tree head verified with the configured key: it may be kept forever.</summary>
    Verified,

    /// <summary>Could not be checked now (the tree does not reach it, tiles unreachable): pass it on, never keep it.</summary>
    Unverifiable,

    /// <summary>Forged, malformed, rolled back, or contradicting the signed tree: never pass it on.</summary>
    Refused,
}

/// <summary>The verdict on a checksum-database answer, with the reason when it is not <see cref="SumdbAnswerStatus.Verified"/>.</summary>
public sealed record SumdbAnswerVerdict(SumdbAnswerStatus Status, string Message)
{
    /// <summary>The answer is authentic.</summary>
    public static SumdbAnswerVerdict Verified { get; } = new(SumdbAnswerStatus.Verified, "");
}

/// <summary>
/// Checks the answers of the configured checksum database that a node passes on to go clients ("/sumdb/{name}/..."),
/// with the same key, kept tree head and tile proofs as module verification (consistency rule 7).
/// </summary>
public interface ISumdbAnswerVerifier
{
    /// <summary>The configured database's name ("sum.golang.org"); null when verification is off ("ModMesh:Sumdb" = off).</summary>
    string? DatabaseName { get; }

    /// <summary>
    /// Checks a "latest" answer: the signed tree head must verify with the configured key, must not be smaller than the
    /// verified tree head kept in the store, and must be proven consistent with it (it becomes the kept head when larger).
    /// </summary>
    Task<SumdbAnswerVerdict> VerifyLatestAsync(ReadOnlyMemory<byte> signedTreeHead, CancellationToken cancellationToken);

    /// <summary>
    /// Checks a "lookup/{module}@{version}" answer: its signed tree head verifies with the configured key and is
    /// consistent with the kept head, its record is proven included, and the record is about that module version.
    /// </summary>
    Task<SumdbAnswerVerdict> VerifyLookupAsync(string modulePath, string version, ReadOnlyMemory<byte> answer, CancellationToken cancellationToken);

    /// <summary>
    /// Checks a tile answer (hash tile, or data tile when <see cref="Tile.Level"/> is −1): its size fits its width and
    /// its hashes (for a data tile, the hashes of its records) are the stored hashes of a verified signed tree.
    /// </summary>
    Task<SumdbAnswerVerdict> VerifyTileAsync(Tile tile, ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}
