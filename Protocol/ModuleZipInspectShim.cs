using System.IO.Compression;

namespace ModMesh.Protocol;

/// <summary>Limits of a module zip check.</summary>
public sealed record ModuleZipLimits
{
    /// <summary>Most entries a zip may have.</summary>
    public long MaxEntries { get; init; } = 1_000_000;
}

/// <summary>What a module zip check found.</summary>
public sealed record ModuleZipReport(string? Problem, string? Hash, byte[]? GoMod);

public static partial class ModuleZip
{
    /// <summary>Checks a zip, hashes it and extracts its root go.mod.</summary>
    public static ModuleZipReport Inspect(Stream seekableZip, string modulePath, string version, ModuleZipLimits limits)
    {
        ArgumentNullException.ThrowIfNull(seekableZip);
        ArgumentNullException.ThrowIfNull(limits);
        var problem = Check(seekableZip, modulePath, version);
        if (problem is not null)
        {
            return new ModuleZipReport(problem, null, null);
        }

        seekableZip.Position = 0;
        var hash = DirHash.HashZip(seekableZip);
        seekableZip.Position = 0;
        using var archive = new ZipArchive(seekableZip, ZipArchiveMode.Read, leaveOpen: true);
        var entry = archive.GetEntry($"{modulePath}@{version}/go.mod");
        byte[]? goMod = null;
        if (entry is not null)
        {
            using var content = entry.Open();
            using var buffer = new MemoryStream();
            content.CopyTo(buffer);
            goMod = buffer.ToArray();
        }

        return new ModuleZipReport(null, hash, goMod);
    }
}
