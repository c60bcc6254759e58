namespace ModMesh.Fetcher.Verification;

/// <summary>How checking a module version against the checksum database ended.</summary>
public enum ChecksumStatus
{
    /// <summary>The database holds the version and both hashes match.</summary>
    Verified,

    /// <summary>Not checked: verification is off, or the module is private / no-sumdb.</summary>
    Skipped,

    /// <summary>The database holds other hashes for the version: the content must not be committed.</summary>
    Mismatch,

    /// <summary>The database says it does not know the version (404/410).</summary>
    NotInDatabase,

    /// <summary>The database could not be reached or answered an error; retry later.</summary>
    Unavailable,

    /// <summary>The database did not answer in time; retry later.</summary>
    TimedOut,

    /// <summary>The database's answer failed authentication (bad signature, bad proof, inconsistent trees).</summary>
    Rejected,
}

/// <summary>The verdict on a module version, with a message fit for a client when it is not good.</summary>
public sealed record ChecksumVerdict(ChecksumStatus Status, string Message)
{
    /// <summary>True when the content may be committed.</summary>
    public bool Allows => Status is ChecksumStatus.Verified or ChecksumStatus.Skipped;
}

/// <summary>Checks fetched module content against a checksum database (consistency rule 7) before it is committed.</summary>
public interface IChecksumVerifier
{
    /// <summary>
    /// True when <paramref name="modulePath"/> is to be checked (verification on, module neither private nor
    /// no-sumdb): only then is the zip's hash worth computing.
    /// </summary>
    bool AppliesTo(string modulePath);

    /// <summary>
    /// Looks "<paramref name="modulePath"/> <paramref name="version"/>" up in the checksum database, authenticates the
    /// answer, and compares the hashes given (h1 strings; null = not checked now): <paramref name="goModHash"/> with the
    /// record's "/go.mod" line, <paramref name="zipHash"/> with its zip line. The go.mod and the zip are filled apart.
    /// </summary>
    Task<ChecksumVerdict> VerifyAsync(string modulePath, string version, string? goModHash, string? zipHash, CancellationToken cancellationToken);
}
