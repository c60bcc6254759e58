using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace ModMesh.Protocol.Tests;

public class DirHashTests
{
    private static string TestData(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", name);

    // The dirhash Hash1 algorithm spelled out independently of the implementation under test.
    private static string ReferenceHash1(params (string Name, byte[] Content)[] files)
    {
        var lines = files
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => Convert.ToHexString(SHA256.HashData(f.Content)).ToLowerInvariant() + "  " + f.Name + "\n");
        return "h1:" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(lines))));
    }

    [Fact]
    public void HashGoMod_SmallGoMod_MatchesHandComputedHash()
    {
        var goMod = "module example.com/m\n\ngo 1.19\n"u8.ToArray();

        Assert.Equal(ReferenceHash1(("go.mod", goMod)), DirHash.HashGoMod(goMod));
        // Cross-checked with sha256sum/base64 in a shell: printf '%s  go.mod\n' "$(sha256sum go.mod)" | sha256sum | ... | base64.
        Assert.Equal("h1:c7eb1HtAGcXC5xl8fDvw0SlSffdsUomPvNZGVXleRQ4=", DirHash.HashGoMod(goMod));
    }

    [Fact]
    public void HashGoMod_GolangOrgXTextV030_MatchesPublicGoSum()
    {
        // go.sum everywhere: golang.org/x/text v0.3.0/go.mod h1:NqM8EUOU14njkJ3fqMW+pc6Ldnwhi/IjpwHt7yyuwOQ=
        Assert.Equal("h1:NqM8EUOU14njkJ3fqMW+pc6Ldnwhi/IjpwHt7yyuwOQ=", DirHash.HashGoMod("module golang.org/x/text\n"u8));
    }

    [Fact]
    public void HashGoMod_RealModuleFromGoTool_MatchesGoModSum()
    {
        // Produced by go 1.19.8 `go mod download -json example.com/m.git@v1.0.0` from a local git repository.
        var goMod = File.ReadAllBytes(TestData("example.com-m.git-v1.0.0.mod"));
        Assert.Equal("h1:bsaa0MqcEZCq9O+s0xQFcg2VlS3V9hJMrP3Cjlb0k9M=", DirHash.HashGoMod(goMod));
    }

    [Fact]
    public void HashZip_RealModuleZipFromGoTool_MatchesZipSum()
    {
        using var zip = File.OpenRead(TestData("example.com-m.git-v1.0.0.zip"));
        Assert.Equal("h1:pf7K84nxWnZ6OLkuMOUYwPNbjMmpre1Ti/YqO7gxBgM=", DirHash.HashZip(zip));
    }

    [Fact]
    public void HashZip_BuiltZip_MatchesReferenceOverSortedEntryNames()
    {
        var files = new (string Name, byte[] Content)[]
        {
            ("example.com/m@v1.0.0/go.mod", "module example.com/m\n"u8.ToArray()),
            ("example.com/m@v1.0.0/b.go", "package m\n"u8.ToArray()),
            ("example.com/m@v1.0.0/A.go", "package m // A\n"u8.ToArray()),
            ("example.com/m@v1.0.0/sub/c.go", []),
        };
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in files)
            {
                using var entry = archive.CreateEntry(name).Open();
                entry.Write(content);
            }
        }

        stream.Position = 0;
        Assert.Equal(ReferenceHash1(files), DirHash.HashZip(stream));
    }

    [Fact]
    public void Hash_FileHashes_MatchesHashGoMod()
    {
        var goMod = "module example.com/m\n"u8.ToArray();
        Assert.Equal(DirHash.HashGoMod(goMod), DirHash.Hash([new("go.mod", SHA256.HashData(goMod))]));
    }

    [Fact]
    public void Hash_NameWithNewline_Throws() =>
        Assert.Throws<ArgumentException>(() => DirHash.Hash([new("a\nb", new byte[32])]));
}
