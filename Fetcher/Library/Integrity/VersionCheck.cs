namespace ModMesh.Fetcher.Integrity;

/// <summary>What verification found for one stored version, worst first in <see cref="StoredVersionVerifier"/>'s order.</summary>
public enum VersionStatus
{
    /// <summary>Every stored .mod and .zip matches its recorded h1 and, for a public module, the checksum database.</summary>
    Ok,

    /// <summary>Public module whose version the checksum database does not know; the recorded h1 matched.</summary>
    NotInChecksumDatabase,

    /// <summary>A stored .mod or .zip has no recorded h1 (committed before records were kept): checked against the checksum database only, if at all.</summary>
    MissingRecord,

    /// <summary>A hash disagrees (see <see cref="VersionCheck.Mismatches"/>): corruption.</summary>
    Mismatch,

    /// <summary>A stored file cannot be read or is not a valid module zip / go.mod any more: corruption.</summary>
    Unreadable,
}

/// <summary>The kinds of disagreement verification reports (stable names: they appear in the NDJSON answer).</summary>
public static class VersionMismatch
{
    /// <summary>The zip's h1 differs from the one recorded when it was committed.</summary>
    public const string ZipRecord = "zip-record";

    /// <summary>The zip's h1 differs from the checksum database's "M V h1:" line.</summary>
    public const string ZipChecksumDatabase = "zip-sumdb";

    /// <summary>The go.mod's h1 differs from the one recorded when it was committed.</summary>
    public const string ModRecord = "mod-record";

    /// <summary>The go.mod's h1 differs from the checksum database's "M V/go.mod h1:" line.</summary>
    public const string ModChecksumDatabase = "mod-sumdb";

    /// <summary>The go.mod inside the zip differs from the stored .mod.</summary>
    public const string ZipGoMod = "zip-gomod";
}

/// <summary>The verdict on one stored version.</summary>
/// <param name="Module">The module path (decoded).</param>
/// <param name="Version">The version (decoded).</param>
/// <param name="Status">The worst finding.</param>
/// <param name="Mismatches">Which hashes disagree (<see cref="VersionMismatch"/>), empty unless <see cref="VersionStatus.Mismatch"/>.</param>
/// <param name="Notes">Explanations for a person: what could not be checked and why, what a quarantine did.</param>
/// <param name="ZipHash">The h1 of the stored zip as read now, or null (none stored, or unreadable).</param>
/// <param name="ModHash">The h1 of the stored go.mod as read now, or null.</param>
/// <param name="Quarantined">Store keys the corrupt files (or records) were moved to by this run.</param>
public sealed record VersionCheck(
    string Module,
    string Version,
    VersionStatus Status,
    IReadOnlyList<string> Mismatches,
    IReadOnlyList<string> Notes,
    string? ZipHash,
    string? ModHash,
    IReadOnlyList<string> Quarantined)
{
    /// <summary>True when the stored bytes are corrupt (a mismatch or an unreadable file).</summary>
    public bool IsCorrupt => Status is VersionStatus.Mismatch or VersionStatus.Unreadable;
}

/// <summary>
/// Which stored versions to verify: every version whose module path equals or lies below one of
/// <see cref="Prefixes"/>, of one of <see cref="Modules"/>, or one of <see cref="Versions"/>; everything when all
/// three are empty. Paths are decoded module paths; they are validated by <see cref="StoredVersionVerifier"/>.
/// </summary>
public sealed record VerifySelection(IReadOnlyList<string> Modules, IReadOnlyList<(string Module, string Version)> Versions, IReadOnlyList<string> Prefixes)
{
    /// <summary>Every stored version.</summary>
    public static VerifySelection All { get; } = new([], [], []);

    /// <summary>True when nothing narrows the selection.</summary>
    public bool IsAll => Modules.Count == 0 && Versions.Count == 0 && Prefixes.Count == 0;
}
