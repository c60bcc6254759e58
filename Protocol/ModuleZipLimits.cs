namespace ModMesh.Protocol;

/// <summary>The limits <see cref="ModuleZip.Inspect"/> applies. The defaults are the go command's (golang.org/x/mod/zip).</summary>
public sealed record ModuleZipLimits
{
    /// <summary>The go command's limits, plus an entry cap of 1,000,000.</summary>
    public static ModuleZipLimits Default { get; } = new();

    /// <summary>Largest zip file accepted, in bytes. Default 500 MiB (x/mod/zip MaxZipFile).</summary>
    public long MaxZipBytes { get; init; } = ModuleZip.MaxUncompressedBytes;

    /// <summary>Largest total of the entries' declared uncompressed sizes. Default 500 MiB (MaxZipFile).</summary>
    public long MaxUncompressedBytes { get; init; } = ModuleZip.MaxUncompressedBytes;

    /// <summary>Largest go.mod at the module root. Default 16 MiB (MaxGoMod).</summary>
    public long MaxGoModBytes { get; init; } = ModuleZip.MaxGoModBytes;

    /// <summary>Largest LICENSE at the module root. Default 16 MiB (MaxLICENSE).</summary>
    public long MaxLicenseBytes { get; init; } = ModuleZip.MaxGoModBytes;

    /// <summary>
    /// Most entries accepted, checked from the end record before any entry is read. Default 1,000,000: the go
    /// command has no such cap, but a 500 MiB zip of real modules holds far fewer (the largest public modules have
    /// tens of thousands of files), and the cap bounds the name tables at roughly 100 MB in the worst case.
    /// </summary>
    public long MaxEntries { get; init; } = 1_000_000;
}
