using ModMesh.Cli.Tests.Infrastructure;
using ModMesh.Protocol;
using ModMesh.Protocol.Zip;

namespace ModMesh.Cli.Tests.Zip;

/// <summary>
/// ModuleZipWriter over trees built in temporary folders: what goes in, what is left out, what is refused. Each zip is
/// also checked with ModuleZip.Inspect (the checks of every downloader) and its hash compared with the writer's.
/// </summary>
public sealed class ModuleZipWriterTests
{
    private const string Module = "example.test/m";

    private static (ModuleZipCreated Created, IReadOnlyList<string> Names) Zip(ModuleTree tree, string module = Module, string version = "v1.0.0")
    {
        using var zip = new MemoryStream();
        var created = ModuleZipWriter.Create(zip, module, version, tree.Root);
        zip.Position = 0;
        var report = ModuleZip.Inspect(zip, module, version);
        Assert.True(report.IsValid, report.Problem);
        Assert.Equal(report.Hash, created.Hash);
        Assert.Equal(zip.Length, created.ZipBytes);
        var prefix = $"{module}@{version}/";
        var names = ZipEntries.Names(zip);
        Assert.All(names, n => Assert.StartsWith(prefix, n, StringComparison.Ordinal));
        return (created, names.Select(n => n[prefix.Length..]).ToList());
    }

    private static string Refused(ModuleTree tree, string module = Module, string version = "v1.0.0")
    {
        using var zip = new MemoryStream();
        var error = Assert.Throws<ModuleZipCreateException>(() => ModuleZipWriter.Create(zip, module, version, tree.Root));
        Assert.Equal(0, zip.Length);
        return error.Message;
    }

    [Fact]
    public void Create_PlainTree_AllFilesUnderModuleAtVersion()
    {
        using var tree = new ModuleTree(ModuleTree.GoMod(Module))
            .File("LICENSE", "MIT\n")
            .File("m.go", "package m\n")
            .File("empty.txt", "")
            .File("internal/deep/er/x.go", "package er\n");

        var (created, names) = Zip(tree);

        Assert.Equal(["LICENSE", "empty.txt", "go.mod", "internal/deep/er/x.go", "m.go"], names);
        Assert.Empty(created.Listing.Omitted);
        Assert.StartsWith("h1:", created.Hash, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_WritesInGoWalkOrder_NamesSortedWithinEachFolder()
    {
        // filepath.Walk sorts names per folder: "a" (and all below it) comes before "a.txt" although "a/" > "a." as bytes.
        using var tree = new ModuleTree(ModuleTree.GoMod(Module))
            .File("a.txt", "1")
            .File("a/z.go", "2")
            .File("B.go", "3");

        var (created, _) = Zip(tree);

        Assert.Equal(["B.go", "a/z.go", "a.txt", "go.mod"], created.Listing.Files.Select(f => f.Path));
    }

    [Fact]
    public void Create_VendorBeforeGo124_KeepsModulesTxtAndTopLevelFiles_DropsPackagesAndNestedVendorFiles()
    {
        using var tree = new ModuleTree(ModuleTree.GoMod(Module, "1.19"))
            .File("vendor/modules.txt", "# example.test/dep v1.0.0\n")
            .File("vendor/top.go", "package vendor\n")
            .File("vendor/example.test/dep/dep.go", "package dep\n")
            .File("pkg/vendor/vendor.go", "package vendor\n") // Go issue 37397: dropped before go 1.24
            .File("pkg/vendor/x/y.go", "package x\n")
            .File("pkg/vendored.go", "package pkg\n");

        var (created, names) = Zip(tree);

        Assert.Equal(["go.mod", "pkg/vendored.go", "vendor/modules.txt", "vendor/top.go"], names);
        Assert.Contains(created.Listing.Omitted, o => o.Path == "vendor/example.test/dep/dep.go" && o.Reason == "file is in vendor directory");
        Assert.Contains(created.Listing.Omitted, o => o.Path == "pkg/vendor/vendor.go");
    }

    [Theory]
    [InlineData("1.24")]
    [InlineData("1.24.0")]
    [InlineData("1.25rc1")]
    public void Create_VendorFromGo124_DropsModulesTxt_KeepsFilesDirectlyInNestedVendor(string goVersion)
    {
        using var tree = new ModuleTree(ModuleTree.GoMod(Module, goVersion))
            .File("vendor/modules.txt", "# example.test/dep v1.0.0\n")
            .File("vendor/top.go", "package vendor\n")
            .File("vendor/example.test/dep/dep.go", "package dep\n")
            .File("pkg/vendor/vendor.go", "package vendor\n")
            .File("pkg/vendor/x/y.go", "package x\n");

        var (_, names) = Zip(tree);

        Assert.Equal(["go.mod", "pkg/vendor/vendor.go", "vendor/top.go"], names);
    }

    [Theory]
    [InlineData("1.23.9", true)]
    [InlineData("1.23rc1", true)]
    [InlineData("1.24-pre", false)] // modfile.ParseLax reads "1.24"
    [InlineData("2.0", false)]
    public void Create_GoDirective_DecidesWhetherVendorModulesTxtStays(string goVersion, bool kept)
    {
        using var tree = new ModuleTree($"module {Module}\n\nrequire example.test/dep v1.0.0 // a comment\n\ngo {goVersion} // the language\n")
            .File("vendor/modules.txt", "# example.test/dep v1.0.0\n");

        var (_, names) = Zip(tree);

        Assert.Equal(kept, names.Contains("vendor/modules.txt"));
    }

    [Fact]
    public void Create_NestedModules_AreLeftOut_WhateverTheLetterCaseOfTheirGoMod()
    {
        using var tree = new ModuleTree(ModuleTree.GoMod(Module))
            .File("m.go", "package m\n")
            .File("tools/go.mod", "module example.test/m/tools\n")
            .File("tools/tool.go", "package tools\n")
            .File("tools/sub/x.go", "package sub\n")
            .File("odd/GO.MOD", "module example.test/m/odd\n")
            .File("odd/o.go", "package odd\n")
            .File("dirmod/go.mod/inside.txt", "a folder named go.mod does not make a module\n");

        var (created, names) = Zip(tree);

        Assert.Equal(["dirmod/go.mod/inside.txt", "go.mod", "m.go"], names);
        Assert.Contains(created.Listing.Omitted, o => o.Path == "tools" && o.Reason == "directory is in another module");
        Assert.Contains(created.Listing.Omitted, o => o.Path == "odd/o.go" && o.Reason == "file is in another module");
    }

    [Fact]
    public void Create_VersionControlFolders_AreLeftOutAtAnyDepth()
    {
        using var tree = new ModuleTree(ModuleTree.GoMod(Module))
            .File(".git/HEAD", "ref: refs/heads/main\n")
            .File(".hg/store/x", "x")
            .File(".svn/entries", "x")
            .File(".bzr/branch", "x")
            .File("sub/.git/config", "x")
            .File("sub/.hg/hgrc", "x")
            .File("sub/s.go", "package sub\n")
            .File(".gitignore", "*.tmp\n")
            .File(".hg_archival.txt", "repo: 1\n")
            .File("sub/.hg_archival.txt", "kept below the root\n");

        var (created, names) = Zip(tree);

        Assert.Equal([".gitignore", "go.mod", "sub/.hg_archival.txt", "sub/s.go"], names);
        Assert.Equal(6, created.Listing.Omitted.Count(o => o.Reason == "directory is a version control repository"));
    }

    [Fact]
    public void Create_SymbolicLinksAndPipes_AreLeftOut()
    {
        using var tree = new ModuleTree(ModuleTree.GoMod(Module))
            .File("real.go", "package m\n")
            .File("dir/d.go", "package dir\n")
            .Symlink("link.go", "real.go")
            .Symlink("linkdir", "dir")
            .Symlink("dangling.go", "nowhere.go")
            .Fifo("pipe");

        var (created, names) = Zip(tree);

        Assert.Equal(["dir/d.go", "go.mod", "real.go"], names);
        Assert.Contains(created.Listing.Omitted, o => o.Path == "link.go" && o.Reason == "file is a symbolic link");
        Assert.Contains(created.Listing.Omitted, o => o.Path == "linkdir" && o.Reason == "file is a symbolic link");
        Assert.Contains(created.Listing.Omitted, o => o.Path == "pipe" && o.Reason == "not a regular file");
    }

    [Fact]
    public void Create_SymlinkedGoModInSubfolder_StillMarksANestedModule()
    {
        using var tree = new ModuleTree(ModuleTree.GoMod(Module))
            .File("shared.mod", "module example.test/m/sub\n")
            .File("sub/s.go", "package sub\n")
            .Symlink("sub/go.mod", "../shared.mod");

        var (_, names) = Zip(tree);

        Assert.Equal(["go.mod", "shared.mod"], names);
    }

    [Fact]
    public void Create_UnusualButLegalNames_AreKept()
    {
        string[] legal = ["a b.go", "x~y.txt", "@at", "ü-ß.txt", "{}[]().txt", "#hash", "!bang", "plus+comma,.txt", "日本語.md", "conf.d/x", "CONFIG", "d.o.t.s.go", ".dotfile"];
        using var tree = new ModuleTree(ModuleTree.GoMod(Module));
        foreach (var name in legal)
        {
            tree.File(name, name);
        }

        var (_, names) = Zip(tree);

        Assert.Equal(legal.Append("go.mod").Order(StringComparer.Ordinal), names);
    }

    [Theory]
    [InlineData("a:b.go", "invalid char")]
    [InlineData("CON.go", "disallowed as path element component on Windows")]
    [InlineData("sub/aux", "disallowed as path element component on Windows")]
    [InlineData("quote\".go", "invalid char")]
    [InlineData("trailing.", "trailing dot in path element")]
    [InlineData("back\\slash", "invalid char")]
    [InlineData("star*.go", "invalid char")]
    public void Create_InvalidFileName_IsRefusedNamingTheFile(string name, string why)
    {
        using var tree = new ModuleTree(ModuleTree.GoMod(Module)).File("ok.go", "package m\n").File(name, "x");

        var message = Refused(tree);

        Assert.Contains($"{name}: malformed file path", message, StringComparison.Ordinal);
        Assert.Contains(why, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_SeveralInvalidFiles_ListsEveryOne()
    {
        using var tree = new ModuleTree(ModuleTree.GoMod(Module)).File("a:1", "x").File("b:2", "x").File("GO.MOD", "x");

        using var zip = new MemoryStream();
        var error = Assert.Throws<ModuleZipCreateException>(() => ModuleZipWriter.Create(zip, Module, "v1.0.0", tree.Root));

        Assert.Equal(["GO.MOD", "a:1", "b:2"], error.Problems.Select(p => p.Path).Order(StringComparer.Ordinal));
        Assert.Contains("GO.MOD: go.mod files must have lowercase names", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("README", "readme")]
    [InlineData("Dir/a.go", "dir/b.go")]
    [InlineData("straße.txt", "STRAßE.txt")]
    [InlineData("k.txt", "\u212A.txt")] // Kelvin sign folds to k
    public void Create_CaseFoldDuplicates_AreRefused(string first, string second)
    {
        using var tree = new ModuleTree(ModuleTree.GoMod(Module)).File(first, "1").File(second, "2");

        var message = Refused(tree);

        Assert.Contains("case-insensitive file name collision", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_GoModOver16MiB_IsRefused()
    {
        using var tree = new ModuleTree().SparseFile("go.mod", (16L << 20) + 1).File("m.go", "package m\n");

        var message = Refused(tree);

        Assert.Contains("go.mod: go.mod file too large (max size is 16777216 bytes)", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_LicenseOver16MiB_IsRefusedAtTheRootOnly()
    {
        using (var atRoot = new ModuleTree(ModuleTree.GoMod(Module)).SparseFile("LICENSE", (16L << 20) + 1))
        {
            Assert.Contains("LICENSE: LICENSE file too large", Refused(atRoot), StringComparison.Ordinal);
        }

        using var below = new ModuleTree(ModuleTree.GoMod(Module)).SparseFile("third_party/LICENSE", (16L << 20) + 1);
        var (_, names) = Zip(below);
        Assert.Equal(["go.mod", "third_party/LICENSE"], names);
    }

    [Fact]
    public void Create_GoModOfExactly16MiB_IsAccepted()
    {
        var listing = ListOf(new ModuleTree().SparseFile("go.mod", 16L << 20));

        Assert.Null(listing.Error);
    }

    [Fact]
    public void Create_TreeOver500MiB_IsRefusedBeforeAnythingIsWritten()
    {
        using var tree = new ModuleTree(ModuleTree.GoMod(Module)).SparseFile("a.bin", 300L << 20).SparseFile("b.bin", 300L << 20);

        Assert.Equal("create zip from directory " + tree.Root + ": module source tree too large (max size is 524288000 bytes)", Refused(tree));
    }

    [Theory]
    [InlineData("example.test/m", "v1.0", "not canonical")]
    [InlineData("example.test/m", "1.0.0", "not a semantic version")]
    [InlineData("example.test/m", "v2.0.0", "invalid module")]
    [InlineData("example.test/m/v2", "v1.0.0", "invalid module")]
    [InlineData("Example..test/m", "v1.0.0", "invalid module")]
    public void Create_InvalidModuleVersion_IsRefused(string module, string version, string why)
    {
        using var tree = new ModuleTree(ModuleTree.GoMod(module));

        Assert.Contains(why, Refused(tree, module, version), StringComparison.Ordinal);
    }

    [Fact]
    public void Create_ModuleWithoutGoMod_IsZipped()
    {
        using var tree = new ModuleTree().File("legacy.go", "package legacy\n");

        var (_, names) = Zip(tree, "example.test/legacy", "v2.0.0+incompatible");

        Assert.Equal(["legacy.go"], names);
    }

    [Fact]
    public void Create_LargeFile_IsStreamedAndHashedLikeDirHash()
    {
        var random = new Random(7);
        var big = new byte[3 << 20];
        random.NextBytes(big);
        using var tree = new ModuleTree(ModuleTree.GoMod(Module)).File("big.bin", big).File("text.txt", new string('a', 1 << 20));

        var (created, _) = Zip(tree);

        var expected = DirHash.Hash(new Dictionary<string, byte[]>
        {
            [$"{Module}@v1.0.0/big.bin"] = System.Security.Cryptography.SHA256.HashData(big),
            [$"{Module}@v1.0.0/text.txt"] = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(new string('a', 1 << 20))),
            [$"{Module}@v1.0.0/go.mod"] = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ModuleTree.GoMod(Module))),
        });
        Assert.Equal(expected, created.Hash);
    }

    [Fact]
    public void Create_MoreThan65535Files_WritesZip64EndRecords()
    {
        using var tree = new ModuleTree(ModuleTree.GoMod(Module));
        for (var d = 0; d < 66; d++)
        {
            var folder = Directory.CreateDirectory(tree.Full($"d{d:D2}")).FullName;
            for (var f = 0; f < 1000; f++)
            {
                File.WriteAllBytes(Path.Combine(folder, $"f{f:D3}"), []);
            }
        }

        var (created, names) = Zip(tree);

        Assert.Equal(66_001, names.Count);
        Assert.Equal(66_001, created.Listing.Files.Count);
    }

    [Fact]
    public void IsVendored_FollowsXModRules()
    {
        Assert.False(ModuleZipWriter.IsVendored("vendor/modules.txt", go124: false));
        Assert.True(ModuleZipWriter.IsVendored("vendor/modules.txt", go124: true));
        Assert.False(ModuleZipWriter.IsVendored("vendor/a.go", go124: true));
        Assert.True(ModuleZipWriter.IsVendored("vendor/a/b.go", go124: false));
        Assert.True(ModuleZipWriter.IsVendored("x/vendor/vendor.go", go124: false));
        Assert.False(ModuleZipWriter.IsVendored("x/vendor/vendor.go", go124: true));
        Assert.True(ModuleZipWriter.IsVendored("x/vendor/a/b.go", go124: true));
        Assert.False(ModuleZipWriter.IsVendored("vendors/a/b.go", go124: false));
        Assert.False(ModuleZipWriter.IsVendored("myvendor/a/b.go", go124: false));
    }

    private static ModuleDirectoryListing ListOf(ModuleTree tree)
    {
        using (tree)
        {
            return ModuleZipWriter.List(tree.Root);
        }
    }
}
