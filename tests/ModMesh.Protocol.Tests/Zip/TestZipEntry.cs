using System.Text;

namespace ModMesh.Protocol.Tests.Zip;

/// <summary>One entry for <see cref="TestZipWriter"/>, with knobs to make it hostile.</summary>
internal sealed record TestZipEntry(string Name, byte[] Content)
{
    public TestZipEntry(string name, string content)
        : this(name, Encoding.UTF8.GetBytes(content))
    {
    }

    /// <summary>0 store, 8 deflate, anything else is written as stored bytes under that method number.</summary>
    public ushort Method { get; init; } = 8;

    /// <summary>Declared uncompressed size (default: the content's length). Above 0xFFFFFFFE it is written as zip64.</summary>
    public ulong? DeclaredSize { get; init; }

    /// <summary>Name written in the local header (default: <see cref="Name"/>).</summary>
    public string? LocalName { get; init; }

    /// <summary>Unix mode written in the external attributes (creator Unix), e.g. 0xA1FF for a symlink.</summary>
    public uint UnixMode { get; init; } = 0x81A4;

    /// <summary>General-purpose flags (bit 0: encrypted).</summary>
    public ushort Flags { get; init; } = 0x800;
}
