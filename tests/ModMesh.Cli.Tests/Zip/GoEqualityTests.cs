using ModMesh.Cli.Tests.Infrastructure;
using ModMesh.Protocol;
using ModMesh.Protocol.Zip;
using ModMesh.TestSupport.Go;

namespace ModMesh.Cli.Tests.Zip;

/// <summary>
/// The zip ModuleZipWriter makes from a working tree against the one the real go command (go 1.19) makes from the same
/// tree committed to git: the tree becomes a repository tagged v1.0.0, reached as the VCS-qualified module path
/// example.test/&lt;name&gt;.git (no ?go-get=1 discovery) through a gitconfig rewrite of https://example.test/&lt;name&gt;
/// to file://, with GOPROXY=direct; then <c>go mod download -json</c> gives go's h1 (Sum) and its zip (Zip). Every
/// tree is fully committed and has no .gitignore, so git's view and the directory's are the same files. No test
/// leaves the machine: git only reads file:// URLs, and the sandbox's HTTP proxy is a closed loopback port.
/// </summary>
public sealed class GoEqualityTests
{
    [Fact]
    public async Task Basic_LicenseEmptyFilesUnusualNamesAndLargeFile_SameHashAndFilesAsGo()
    {
        var big = new byte[700_000];
        new Random(11).NextBytes(big);
        using var tree = Tree("basic")
            .File("LICENSE", "Copyright\n")
            .File("basic.go", "package basic\n\nconst X = 1\n")
            .File("empty.txt", "")
            .File("docs/a b.md", "# spaced\n")
            .File("docs/ü-ß 日本語.txt", "letters\n")
            .File("odd/!bang#hash@at{x}[y](z)~+,.txt", "punctuation\n")
            .File("odd/.dotfile", "dot\n")
            .File("internal/deep/er/est/x.go", "package est\n")
            .File("third_party/LICENSE", "nested license\n")
            .File("data/big.bin", big)
            .File("a.txt", "walk order\n")
            .File("a/b.txt", "walk order\n");

        await AssertSameAsGoAsync(tree, "basic");
    }

    [Fact]
    public async Task Vendoring_Go119Rules_SameHashAndFilesAsGo()
    {
        using var tree = Tree("vendoring")
            .File("main.go", "package main\n\nfunc main() {}\n")
            .File("vendor/modules.txt", "# example.test/dep v1.0.0\n## explicit\nexample.test/dep\n")
            .File("vendor/top.go", "package vendor\n")
            .File("vendor/example.test/dep/dep.go", "package dep\n")
            .File("vendor/example.test/dep/LICENSE", "dep license\n")
            .File("pkg/vendor/vendor.go", "package vendor\n")
            .File("pkg/vendor/x/y.go", "package x\n")
            .File("pkg/vendored.go", "package pkg\n")
            .File("vendors/not/vendored.go", "package not\n");

        var names = await AssertSameAsGoAsync(tree, "vendoring");

        Assert.Contains("vendor/modules.txt", names);
        Assert.DoesNotContain("vendor/example.test/dep/dep.go", names);
    }

    [Fact]
    public async Task NestedModulesSymlinksAndHgArchival_SameHashAndFilesAsGo()
    {
        using var tree = Tree("nested")
            .File("root.go", "package nested\n")
            .File("tools/go.mod", "module example.test/nested.git/tools\n\ngo 1.19\n")
            .File("tools/tool.go", "package tools\n")
            .File("tools/deeper/d.go", "package deeper\n")
            .File("odd/Go.Mod", "module example.test/nested.git/odd\n")
            .File("odd/o.go", "package odd\n")
            .File("sub/s.go", "package sub\n")
            .File(".hg_archival.txt", "repo: 0000\n")
            .Symlink("link.go", "root.go")
            .Symlink("sublink", "sub");

        var names = await AssertSameAsGoAsync(tree, "nested");

        Assert.Equal(["go.mod", "root.go", "sub/s.go"], names);
    }

    [Fact]
    public async Task NoGoMod_SameHashAndFilesAsGo()
    {
        using var tree = new ModuleTree(purpose: "legacy")
            .File("legacy.go", "package legacy\n")
            .File("util/u.go", "package util\n");

        await AssertSameAsGoAsync(tree, "legacy");
    }

    private static ModuleTree Tree(string name) => new(ModuleTree.GoMod($"example.test/{name}.git"), name);

    /// <summary>Commits and tags the tree, asks go for it, zips the working tree, compares; returns the file names.</summary>
    private static async Task<IReadOnlyList<string>> AssertSameAsGoAsync(ModuleTree tree, string name)
    {
        var module = $"example.test/{name}.git";
        const string Version = "v1.0.0";
        using var go = GoSandbox.Create(new GoSandboxOptions
        {
            GoProxy = "direct",
            GoPrivate = "*",
            GitInsteadOf = new Dictionary<string, string> { [$"https://example.test/{name}"] = "file://" + tree.Root },
        });

        await GitAsync(go, tree.Root, "init", "-q", "-b", "main");
        await GitAsync(go, tree.Root, "add", "-A");
        await GitAsync(go, tree.Root, "commit", "-q", "-m", "v1.0.0", "--date", "2025-01-01T00:00:00Z");
        await GitAsync(go, tree.Root, "tag", Version);
        var untracked = (await go.GitAsync(["status", "--porcelain", "--ignored"], tree.Root)).EnsureSuccess().StandardOutput;
        Assert.True(untracked.Length == 0, $"the tree must be fully committed: {untracked}");

        var work = go.CreateModule("example.test/work");
        var result = await go.GoAsync(["mod", "download", "-json", $"{module}@{Version}"], work);
        var download = Assert.Single(GoModDownload.ParseAll(result.StandardOutput));
        Assert.True(download.Error is null && result.Succeeded, result.ToString());

        var zipPath = Path.Combine(go.Root, "ours.zip");
        ModuleZipCreated created;
        await using (var zip = File.Create(zipPath))
        {
            created = ModuleZipWriter.Create(zip, module, Version, tree.Root);
        }

        Assert.Equal(download.Sum, created.Hash);
        var goNames = ZipEntries.Names(download.Zip!);
        var ourNames = ZipEntries.Names(zipPath);
        Assert.Equal(goNames, ourNames);
        await using (var zip = File.OpenRead(zipPath))
        {
            Assert.Equal(download.Sum, ModuleZip.Inspect(zip, module, Version).Hash);
        }

        var prefix = $"{module}@{Version}/";
        return ourNames.Select(n => n[prefix.Length..]).ToList();
    }

    private static async Task GitAsync(GoSandbox go, string directory, params string[] args) =>
        (await go.GitAsync(args, directory)).EnsureSuccess();
}
