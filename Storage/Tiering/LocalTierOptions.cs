namespace ModMesh.Storage.Tiering;

/// <summary>
/// The node-local tier in front of a shared (remote) blob store. Bound from "ModMesh:LocalTier". Nothing in it is
/// ever the only copy: it holds immutable blobs (committed module files, checksum-database tiles) read from the
/// shared store, so hot modules are served without a round trip.
/// </summary>
public sealed class LocalTierOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "ModMesh:LocalTier";

    /// <summary>Turns the tier on. Default: on when the shared store is remote (S3), off for a local folder.</summary>
    public bool? Enabled { get; set; }

    /// <summary>Byte budget of the memory tier (.info, .mod, small blobs). Default 64 MiB; 0 turns it off.</summary>
    public long MemoryBytes { get; set; } = 64L << 20;

    /// <summary>Largest blob kept in memory. Default 1 MiB.</summary>
    public long MemoryMaxEntryBytes { get; set; } = 1L << 20;

    /// <summary>Folder of the disk tier (zips). Default: "modmesh-tier" under the system temp folder.</summary>
    public string DiskPath { get; set; } = "";

    /// <summary>Byte budget of the disk tier. Default 2 GiB; 0 turns it off.</summary>
    public long DiskBytes { get; set; } = 2L << 30;
}
