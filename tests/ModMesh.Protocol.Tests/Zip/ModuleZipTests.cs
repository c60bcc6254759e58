using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace ModMesh.Protocol.Tests.Zip;

public class ModuleZipTests
{
    private const string Module = "example.com/m";
    private const string Version = "v1.0.0";
    private const string P = "example.com/m@v1.0.0/";

    private static TestZipEntry GoMod => new(P + "go.mod", "module example.com/m\n");

    private static ModuleZipReport Inspect(byte[] zip, ModuleZipLimits? limits = null) =>
        ModuleZip.Inspect(new MemoryStream(zip), Module, Version, limits);

    private static void AssertRefused(byte[] zip, string expectedFragment)
    {
        var report = Inspect(zip);
        Assert.NotNull(report.Problem);
        Assert.Contains(expectedFragment, report.Problem, StringComparison.Ordinal);
        Assert.Null(report.Hash);
        Assert.Null(report.GoMod);
    }

    [Fact]
    public void Inspect_ValidZip_ReturnsHashAndGoMod()
    {
        var files = new[] { GoMod, new TestZipEntry(P + "a.go", "package m\n"), new TestZipEntry(P + "sub/B.go", "package sub\n") { Method = 0 } };
        var report = Inspect(TestZipWriter.Build(files));

        Assert.Null(report.Problem);
        Assert.Equal("module example.com/m\n"u8.ToArray(), report.GoMod);
        var lines = files.OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => Convert.ToHexStringLower(SHA256.HashData(f.Content)) + "  " + f.Name + "\n");
        Assert.Equal("h1:" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(lines)))), report.Hash);
    }

    [Fact]
    public void Inspect_ZipWithoutGoMod_IsValidWithNullGoMod()
    {
        var report = Inspect(TestZipWriter.Build(new TestZipEntry(P + "a.go", "package m\n")));
        Assert.Null(report.Problem);
        Assert.Null(report.GoMod);
    }

    [Fact]
    public void Inspect_RealGoZip_MatchesGoSum()
    {
        using var zip = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "TestData", "example.com-m.git-v1.0.0.zip"));
        var report = ModuleZip.Inspect(zip, "example.com/m.git", "v1.0.0");
        Assert.Null(report.Problem);
        Assert.Equal("h1:pf7K84nxWnZ6OLkuMOUYwPNbjMmpre1Ti/YqO7gxBgM=", report.Hash);
    }

    [Fact]
    public void Inspect_SystemIoCompressionZip_IsValid()
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var e = archive.CreateEntry(P + "go.mod").Open()) { e.Write("module example.com/m\n"u8); }
            using (var e = archive.CreateEntry(P + "x/y.go").Open()) { e.Write("package x\n"u8); }
        }

        stream.Position = 0;
        Assert.Null(ModuleZip.Inspect(stream, Module, Version).Problem);
    }

    [Theory]
    [InlineData(0x7FFF_FFFF_FFFF_FFFFUL)]
    [InlineData(0x8000_0000_0000_0000UL)]
    [InlineData(0xFFFF_FFFF_FFFF_FFFFUL)]
    public void Inspect_DeclaredSizesOverflowing_RefusedAsTooLarge(ulong declared) =>
        AssertRefused(
            TestZipWriter.Build(GoMod, new TestZipEntry(P + "a.go", "x") { DeclaredSize = declared }, new TestZipEntry(P + "b.go", "y") { DeclaredSize = declared }),
            "total uncompressed size of module contents too large");

    [Fact]
    public void Inspect_DeclaredSizesSummingPast500MiB_Refused() =>
        AssertRefused(
            TestZipWriter.Build(new TestZipEntry(P + "a.go", "x") { DeclaredSize = 300L << 20 }, new TestZipEntry(P + "b.go", "y") { DeclaredSize = 300L << 20 }),
            "total uncompressed size of module contents too large");

    [Fact]
    public void Inspect_FileAndDirectorySameName_Refused() =>
        AssertRefused(TestZipWriter.Build(new TestZipEntry(P + "d", "x"), new TestZipEntry(P + "d/b.go", "package d\n")), "entry \"d\" is both a file and a directory");

    [Fact]
    public void Inspect_GoModInSubdirectory_Refused() =>
        AssertRefused(TestZipWriter.Build(GoMod, new TestZipEntry(P + "sub/go.mod", "module x\n")), "go.mod file not in module root directory");

    [Fact]
    public void Inspect_UpperCaseGoMod_Refused() =>
        AssertRefused(TestZipWriter.Build(new TestZipEntry(P + "GO.MOD", "module example.com/m\n")), "go.mod files must have lowercase names");

    [Theory]
    [InlineData("con.go", "\"con\" disallowed as path element component on Windows")]
    [InlineData("aux/x.go", "\"aux\" disallowed as path element component on Windows")]
    [InlineData("sub/COM1", "\"COM1\" disallowed as path element component on Windows")]
    [InlineData("Lpt9.txt", "\"Lpt9\" disallowed as path element component on Windows")]
    public void Inspect_WindowsReservedName_Refused(string name, string message) =>
        AssertRefused(TestZipWriter.Build(GoMod, new TestZipEntry(P + name, "x")), message);

    [Theory]
    [InlineData("a.go.")]
    [InlineData("dir./a.go")]
    public void Inspect_TrailingDot_Refused(string name) =>
        AssertRefused(TestZipWriter.Build(GoMod, new TestZipEntry(P + name, "x")), "trailing dot in path element");

    [Theory]
    [InlineData("a*.go", "invalid char \"*\"")]
    [InlineData("a\u0301.go", "invalid char")]
    [InlineData("a\n.go", "invalid char \"\\x0a\"")]
    [InlineData("a:b", "invalid char \":\"")]
    public void Inspect_BadCharacter_Refused(string name, string message) =>
        AssertRefused(TestZipWriter.Build(GoMod, new TestZipEntry(P + name, "x")), message);

    [Theory]
    [InlineData("./a.go")]
    [InlineData("a//b.go")]
    [InlineData("a/../b.go")]
    [InlineData("a/.")]
    public void Inspect_UncleanPath_Refused(string name) =>
        AssertRefused(TestZipWriter.Build(GoMod, new TestZipEntry(P + name, "x")), "file path is not clean");

    [Theory]
    [InlineData("../b.go", "invalid path element \"..\"")]
    [InlineData("/b.go", "empty path element")]
    [InlineData("sub/.../b.go", "invalid path element \"...\"")]
    public void Inspect_CleanButMalformedPath_Refused(string name, string message) =>
        AssertRefused(TestZipWriter.Build(GoMod, new TestZipEntry(P + name, "x")), "malformed file path: " + message);

    [Fact]
    public void Inspect_TildeDigitShortName_AcceptedLikeGo()
    {
        // x/mod's CheckFilePath skips the "~1" short-name rule for file paths (it is for import paths only), and
        // go 1.19 accepts such zips (the differential test checks it): refusing them would refuse real modules.
        Assert.Null(Inspect(TestZipWriter.Build(GoMod, new TestZipEntry(P + "PROGRA~1/a~1.go", "x"))).Problem);
    }

    [Fact]
    public void Inspect_UnknownMethod_Refused() =>
        AssertRefused(TestZipWriter.Build(GoMod, new TestZipEntry(P + "a.go", "x") { Method = 99 }), "unsupported compression method 99");

    [Fact]
    public void Inspect_LocalHeaderNameDiffers_Refused() =>
        AssertRefused(
            TestZipWriter.Build(GoMod, new TestZipEntry(P + "a.go", "x") { LocalName = P + "b.go" }),
            "the local header names it \"example.com/m@v1.0.0/b.go\"");

    [Fact]
    public void Inspect_SymlinkEntry_Refused() =>
        AssertRefused(TestZipWriter.Build(GoMod, new TestZipEntry(P + "link", "/etc/passwd") { UnixMode = 0xA1FF }), "is a symbolic link");

    [Fact]
    public void Inspect_EncryptedEntry_Refused() =>
        AssertRefused(TestZipWriter.Build(GoMod, new TestZipEntry(P + "a.go", "x") { Flags = 0x801 }), "is encrypted");

    [Fact]
    public void Inspect_DuplicateNames_Refused() =>
        AssertRefused(TestZipWriter.Build(GoMod, new TestZipEntry(P + "a.go", "x"), new TestZipEntry(P + "a.go", "y")), "multiple entries for file \"a.go\"");

    [Theory]
    [InlineData("A.go", "a.go")]
    [InlineData("Dir/x.go", "dir/y.go")]
    [InlineData("\u212A.go", "k.go")]       // KELVIN SIGN folds with k
    [InlineData("\u017F.go", "S.go")]       // LATIN SMALL LETTER LONG S folds with s
    [InlineData("\u03A3\u03B1.go", "\u03C2\u0391.go")] // Greek sigma forms
    public void Inspect_CaseFoldDuplicates_Refused(string first, string second) =>
        AssertRefused(TestZipWriter.Build(GoMod, new TestZipEntry(P + first, "x"), new TestZipEntry(P + second, "y")), "case-insensitive file name collision");

    [Fact]
    public void Inspect_DottedAndDotlessI_NotCollisions()
    {
        // Go's simple folding keeps U+0130 and U+0131 apart from i and I.
        Assert.Null(Inspect(TestZipWriter.Build(GoMod, new TestZipEntry(P + "\u0130.go", "x"), new TestZipEntry(P + "\u0131.go", "y"), new TestZipEntry(P + "i.go", "z"))).Problem);
    }

    [Theory]
    [InlineData("example.com/m@v1.0.1/a.go")]
    [InlineData("example.com/other@v1.0.0/a.go")]
    [InlineData("a.go")]
    [InlineData("example.com/m@v1.0.0")]
    public void Inspect_NameOutsidePrefix_Refused(string name) =>
        AssertRefused(TestZipWriter.Build(GoMod, new TestZipEntry(name, "x")), "is not under \"example.com/m@v1.0.0/\"");

    [Fact]
    public void Inspect_OversizeGoMod_Refused() =>
        AssertRefused(TestZipWriter.Build(new TestZipEntry(P + "go.mod", "module m\n") { DeclaredSize = (16 << 20) + 1 }), "go.mod file too large");

    [Fact]
    public void Inspect_OversizeLicense_Refused() =>
        AssertRefused(TestZipWriter.Build(GoMod, new TestZipEntry(P + "LICENSE", new byte[(16 << 20) + 1]) { Method = 8 }), "LICENSE file too large");

    [Fact]
    public void Inspect_DeclaredSizeSmallerThanContent_Refused() =>
        AssertRefused(TestZipWriter.Build(GoMod, new TestZipEntry(P + "a.go", "package m\n") { DeclaredSize = 3 }), "content is larger than its declared size (3 bytes)");

    [Fact]
    public void Inspect_DeclaredSizeLargerThanContent_Refused() =>
        AssertRefused(TestZipWriter.Build(GoMod, new TestZipEntry(P + "a.go", "package m\n") { DeclaredSize = 30 }), "smaller than its declared size (30 bytes)");

    [Fact]
    public void Inspect_CorruptContent_RefusedByCrc()
    {
        var zip = TestZipWriter.Build(GoMod, new TestZipEntry(P + "a.go", "package m\n") { Method = 0 });
        var at = Encoding.ASCII.GetString(zip).IndexOf("package m", StringComparison.Ordinal);
        zip[at] = (byte)'P';
        AssertRefused(zip, "CRC-32 mismatch");
    }

    [Fact]
    public void Inspect_TruncatedZip_Refused()
    {
        var zip = TestZipWriter.Build(GoMod, new TestZipEntry(P + "a.go", "package m\n"));
        AssertRefused(zip[..^10], "not a valid zip file");
        AssertRefused(zip[..(zip.Length / 2)], "not a valid zip file");
    }

    [Fact]
    public void Inspect_Garbage_Refused()
    {
        AssertRefused([], "not a valid zip file");
        AssertRefused(Encoding.ASCII.GetBytes("<html>404 not found</html>"), "not a valid zip file");
        var random = new byte[5000];
        new Random(7).NextBytes(random);
        AssertRefused(random, "not a valid zip file");
    }

    [Fact]
    public void Inspect_TooManyEntries_RefusedFromEndRecord() =>
        Assert.Equal(
            "the zip has 3 entries, more than the limit of 2",
            Inspect(TestZipWriter.Build(GoMod, new TestZipEntry(P + "a.go", "x"), new TestZipEntry(P + "b.go", "y")), new ModuleZipLimits { MaxEntries = 2 }).Problem);

    [Fact]
    public void Inspect_NonCanonicalVersion_Refused() =>
        Assert.Contains("not canonical", ModuleZip.Inspect(new MemoryStream(TestZipWriter.Build(GoMod)), Module, "v1.0", null).Problem, StringComparison.Ordinal);

    [Fact]
    public void Inspect_LongControlName_MessageEscapedAndShortened()
    {
        var name = P + "\u0007" + new string('a', 300);
        var problem = Inspect(TestZipWriter.Build(new TestZipEntry(name, "x"))).Problem!;
        Assert.Contains("\\x07", problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\u0007', problem);
        Assert.True(problem.Length < 250, problem);
    }

    [Fact]
    public void Check_InvalidZip_ReturnsProblem() =>
        Assert.NotNull(ModuleZip.Check(new MemoryStream(TestZipWriter.Build(new TestZipEntry("x", "y"))), Module, Version));
}
