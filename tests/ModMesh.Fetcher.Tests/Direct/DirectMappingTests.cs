using System.Text.Json;
using ModMesh.Fetcher.Direct;
using ModMesh.Fetcher.Upstream;
using ModMesh.Protocol;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Go;
using Xunit.Abstractions;
using static ModMesh.Fetcher.Tests.Direct.DirectTestSupport;
using static ModMesh.Fetcher.Tests.Direct.MappedRepositoriesFixture;
using ModMesh.Coordination;

namespace ModMesh.Fetcher.Tests.Direct;

/// <summary>
/// <c>ModMesh:Direct:Mappings</c> with the real go command: module paths on a host without go-get discovery are
/// fetched from bare repositories (file:// URLs), with go's own versions, pseudo-versions, +incompatible and /vN
/// rules, and the same h1 hashes as go computes for the same repositories.
/// </summary>
public sealed class DirectMappingTests(MappedRepositoriesFixture fixture, ITestOutputHelper output) : IClassFixture<MappedRepositoriesFixture>, IDisposable
{
    private readonly string _work = TempDirectory.CreateUnique("direct-mapped");

    public void Dispose() => TempDirectory.Delete(_work);

    private DirectSource Source(string patterns = "", params DirectMapping[] extra) => Create(new DirectOptions
    {
        GoBinary = GoTool.Locate().GoPath,
        WorkPath = _work,
        KeepWarm = TimeSpan.Zero,
        Timeout = TimeSpan.FromMinutes(2),
        Patterns = patterns,
        Mappings = [new DirectMapping { Prefix = RepoPrefix, Repository = "file://" + fixture.Repo }, .. extra],
        MappingList = $"{LegacyPrefix}=file://{fixture.Legacy}",
    });

    [Fact]
    public async Task GetAsync_MappedPrefix_ListsTagsOfTheBareRepository()
    {
        using var source = Source();

        using var list = await source.GetAsync(RepoPrefix, "@v/list", CancellationToken.None);

        Assert.Equal("v1.0.0\nv1.1.0\n", await ReadTextAsync(list));
        Assert.True(source.Discovery!.Answered > 0);
    }

    [Fact]
    public async Task GetAsync_TaggedVersion_InfoModZipEqualGoDirect()
    {
        var expected = await fixture.DownloadDirectAsync(RepoPrefix, "v1.1.0");
        using var source = Source();

        using var info = await source.GetAsync(RepoPrefix, "@v/v1.1.0.info", CancellationToken.None);
        using var mod = await source.GetAsync(RepoPrefix, "@v/v1.1.0.mod", CancellationToken.None);
        using var zip = await source.GetAsync(RepoPrefix, "@v/v1.1.0.zip", CancellationToken.None);

        Assert.Equal(await File.ReadAllBytesAsync(expected.Info!), await ReadAllAsync(info));
        Assert.Equal(await File.ReadAllBytesAsync(expected.GoMod!), await ReadAllAsync(mod));
        Assert.Equal(expected.Sum, DirHash.HashZip(new MemoryStream(await ReadAllAsync(zip))));
    }

    [Fact]
    public async Task GetAsync_BranchName_AnswersPseudoVersionOfBranchHead()
    {
        var expected = await fixture.DownloadDirectAsync(RepoPrefix, "master");
        using var source = Source();

        using var info = await source.GetAsync(RepoPrefix, "@v/master.info", CancellationToken.None);

        using var document = JsonDocument.Parse(await ReadAllAsync(info));
        var version = document.RootElement.GetProperty("Version").GetString()!;
        output.WriteLine(version);
        Assert.Equal(expected.Version, version);
        Assert.True(PseudoVersion.IsPseudoVersion(version), version);
        Assert.EndsWith("-" + fixture.MasterCommit[..12], version, StringComparison.Ordinal);

        using var zip = await source.GetAsync(RepoPrefix, $"@v/{version}.zip", CancellationToken.None);
        Assert.Equal(expected.Sum, DirHash.HashZip(new MemoryStream(await ReadAllAsync(zip))));
    }

    [Fact]
    public async Task GetAsync_RepositoryWithoutGoModTaggedV2_IncompatibleVersionWithGoHashes()
    {
        var expected = await fixture.DownloadDirectAsync(LegacyPrefix, "v2.0.0+incompatible");
        using var source = Source();

        using var list = await source.GetAsync(LegacyPrefix, "@v/list", CancellationToken.None);
        using var mod = await source.GetAsync(LegacyPrefix, "@v/v2.0.0+incompatible.mod", CancellationToken.None);
        using var zip = await source.GetAsync(LegacyPrefix, "@v/v2.0.0+incompatible.zip", CancellationToken.None);

        Assert.Equal("v2.0.0+incompatible\n", await ReadTextAsync(list));
        Assert.Equal($"module {LegacyPrefix}\n", await ReadTextAsync(mod));
        Assert.Equal(expected.Sum, DirHash.HashZip(new MemoryStream(await ReadAllAsync(zip))));
    }

    [Theory]
    [InlineData(RepoPrefix + "/v2", "v2.0.0")]
    [InlineData(RepoPrefix + "/sub", "v1.0.0")]
    public async Task GetAsync_ModuleBelowThePrefix_ServedFromItsSubdirectoryWithGoHashes(string module, string version)
    {
        var expected = await fixture.DownloadDirectAsync(module, version);
        using var source = Source();

        using var list = await source.GetAsync(module, "@v/list", CancellationToken.None);
        using var mod = await source.GetAsync(module, $"@v/{version}.mod", CancellationToken.None);
        using var zip = await source.GetAsync(module, $"@v/{version}.zip", CancellationToken.None);

        Assert.Equal(version + "\n", await ReadTextAsync(list));
        Assert.Equal(await File.ReadAllBytesAsync(expected.GoMod!), await ReadAllAsync(mod));
        Assert.Equal(expected.Sum, DirHash.HashZip(new MemoryStream(await ReadAllAsync(zip))));
    }

    [Fact]
    public async Task GetAsync_UnknownVersionOfMappedModule_NotFoundWithoutInternalDetails()
    {
        using var source = Source();

        using var response = await source.GetAsync(RepoPrefix, "@v/v9.9.9.info", CancellationToken.None);

        Assert.Equal(OutcomeKind.NotFound, response.Status);
        Assert.Equal($"{RepoPrefix}@v9.9.9: not found: unknown revision", response.Message);
    }

    [Fact]
    public async Task GetAsync_MappedRepositoryMissingOrUnreachable_ClientTextHasNoPathAddressOrToken()
    {
        var token = "tok-" + Guid.NewGuid().ToString("N");
        var secret = Path.Combine(_work, "..", Path.GetFileName(_work) + "-token");
        await File.WriteAllTextAsync(secret, token);
        try
        {
            using var source = Create(new DirectOptions
            {
                GoBinary = GoTool.Locate().GoPath,
                WorkPath = _work,
                KeepWarm = TimeSpan.Zero,
                Timeout = TimeSpan.FromMinutes(2),
                Mappings =
                [
                    new DirectMapping { Prefix = "git.corp.example/team/gone", Repository = "file://" + Path.Combine(fixture.Root, "no-such.git") },
                    new DirectMapping { Prefix = "git.corp.example/team/down", Repository = "http://127.0.0.1:9/down.git" },
                ],
                Credentials = [new DirectCredential { Host = "127.0.0.1:9", Kind = "token", SecretFile = secret }],
            });

            foreach (var module in new[] { "git.corp.example/team/gone", "git.corp.example/team/down" })
            {
                foreach (var path in new[] { "@v/list", "@v/v1.0.0.zip", "@latest" })
                {
                    using var response = await source.GetAsync(module, path, CancellationToken.None);
                    output.WriteLine($"{module} {path}: {response.Status}: {response.Message}");
                    Assert.NotEqual(OutcomeKind.Ok, response.Status);
                    Assert.StartsWith(module, response.Message, StringComparison.Ordinal);
                    Assert.DoesNotContain("127.0.0.1", response.Message, StringComparison.Ordinal);
                    Assert.DoesNotContain(fixture.Root, response.Message, StringComparison.Ordinal);
                    Assert.DoesNotContain(_work, response.Message, StringComparison.Ordinal);
                    Assert.DoesNotContain(token, response.Message, StringComparison.Ordinal);
                    Assert.DoesNotContain("/tmp", response.Message, StringComparison.Ordinal);
                    Assert.DoesNotContain("file:", response.Message, StringComparison.Ordinal);
                }
            }
        }
        finally
        {
            File.Delete(secret);
        }
    }

    [Theory]
    [InlineData("internal.corp.example/secret")]
    [InlineData("git.corp.example/team/other")]
    [InlineData("git.corp.example/team/repository")]
    [InlineData("git.corp.example/team")]
    public async Task GetAsync_PathOutsidePatterns_NotFoundWithoutGoOrNetwork(string module)
    {
        using var source = Source();

        foreach (var path in new[] { "@v/list", "@latest", "@v/v1.0.0.info", "@v/v1.0.0.zip" })
        {
            using var response = await source.GetAsync(module, path, CancellationToken.None);
            Assert.Equal(OutcomeKind.NotFound, response.Status);
            Assert.Contains("ModMesh:Direct:Patterns", response.Message, StringComparison.Ordinal);
        }

        Assert.Equal(0, source.Discovery!.Answered + source.Discovery.Refused);
        Assert.Empty(Leftovers(_work));
    }

    [Fact]
    public async Task GetAsync_CaseVariantOfMappedPath_NotFoundAndNeverSentElsewhere()
    {
        using var source = Source();

        using var response = await source.GetAsync("git.corp.example/Team/Repo", "@v/list", CancellationToken.None);

        output.WriteLine(response.Message);
        Assert.Equal(OutcomeKind.NotFound, response.Status);
        // go's GOINSECURE match is case-sensitive: it tries https only, through the responder, which refuses the
        // CONNECT; no other host is asked.
        Assert.Equal(0, source.Discovery!.Answered);
        Assert.True(source.Discovery.Refused > 0);
    }

    [Fact]
    public async Task GetAsync_MappingToGitDaemonOnLoopback_SameVersionsAndHashesAsGoDirect()
    {
        var expected = await fixture.DownloadDirectAsync(RepoPrefix, "v1.1.0");
        await using var daemon = await GitDaemon.StartAsync(Path.GetDirectoryName(fixture.Repo)!);
        using var source = Create(new DirectOptions
        {
            GoBinary = GoTool.Locate().GoPath,
            WorkPath = _work,
            KeepWarm = TimeSpan.FromSeconds(30),
            Timeout = TimeSpan.FromMinutes(2),
            Mappings = [new DirectMapping { Prefix = RepoPrefix, Repository = $"git://127.0.0.1:{daemon.Port}/repo.git" }],
        });

        using var list = await source.GetAsync(RepoPrefix, "@v/list", CancellationToken.None);
        using var zip = await source.GetAsync(RepoPrefix, "@v/v1.1.0.zip", CancellationToken.None);

        Assert.Equal("v1.0.0\nv1.1.0\n", await ReadTextAsync(list));
        Assert.Equal(expected.Sum, DirHash.HashZip(new MemoryStream(await ReadAllAsync(zip))));
    }

    /// <summary>A <c>git daemon</c> on 127.0.0.1 serving the bare repositories of a folder over git://.</summary>
    private sealed class GitDaemon : IAsyncDisposable
    {
        private readonly System.Diagnostics.Process _process;

        private GitDaemon(System.Diagnostics.Process process, int port)
        {
            _process = process;
            Port = port;
        }

        public int Port { get; }

        public static async Task<GitDaemon> StartAsync(string basePath)
        {
            var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            probe.Start();
            var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var psi = new System.Diagnostics.ProcessStartInfo(GoTool.Locate().GitPath)
            {
                UseShellExecute = false,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            foreach (var argument in new[] { "daemon", "--listen=127.0.0.1", $"--port={port}", "--reuseaddr", "--export-all", $"--base-path={basePath}", basePath })
            {
                psi.ArgumentList.Add(argument);
            }

            var process = System.Diagnostics.Process.Start(psi)!;
            var daemon = new GitDaemon(process, port);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (true)
            {
                try
                {
                    using var client = new System.Net.Sockets.TcpClient();
                    await client.ConnectAsync(System.Net.IPAddress.Loopback, port);
                    return daemon;
                }
                catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
                {
                    await Task.Delay(100);
                }
                catch
                {
                    await daemon.DisposeAsync();
                    throw;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
