namespace ModMesh.Protocol.Zip;

/// <summary>A module zip that was written.</summary>
/// <param name="Hash">Its "h1:" hash (dirhash over the entries), the value go.sum and the checksum database hold.</param>
/// <param name="Listing">The tree it was made from: the files written, and what was left out.</param>
/// <param name="ZipBytes">The number of bytes written.</param>
public sealed record ModuleZipCreated(string Hash, ModuleDirectoryListing Listing, long ZipBytes);
