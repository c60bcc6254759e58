namespace ModMesh.Fetcher.Verification;

/// <summary>How checking a module version against the checksum database ended.</summary>
public enum ChecksumStatus
{
    /// <summary>The database holds the version and the hashes checked match.</summary>
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
    /// answer, and compares the given hashes with its lines: <paramref name="goModHash"/> (h1 of the go.mod, see
    /// <c>DirHash.HashGoMod</c>) with "M V/go.mod h1:...", <paramref name="zipHash"/> (h1 of the zip) with "M V h1:...".
    /// A null hash is not checked now (the other file of the version is filled on its own); at least one is given.
    /// </summary>
    /// <exception cref="ArgumentException">Both hashes are null.</exception>
    Task<ChecksumVerdict> VerifyAsync(string modulePath, string version, string? goModHash, string? zipHash, CancellationToken cancellationToken);
}
