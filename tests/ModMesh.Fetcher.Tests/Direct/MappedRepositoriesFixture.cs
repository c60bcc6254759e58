using ModMesh.TestSupport;
using ModMesh.TestSupport.Go;

namespace ModMesh.Fetcher.Tests.Direct;

/// <summary>
/// Bare git repositories on a host with no <c>?go-get=1</c> discovery, reached only through
/// <c>ModMesh:Direct:Mappings</c> to file:// URLs:
/// <list type="bullet">
/// <item><see cref="RepoPrefix"/> (repo.git, branch master): go.mod, tags v1.0.0 and v1.1.0, one more commit on master; a
/// <c>v2/</c> subdirectory module (<see cref="RepoPrefix"/>/v2) tagged v2.0.0; a <c>sub/</c> module tagged sub/v1.0.0.</item>
/// <item><see cref="LegacyPrefix"/> (legacy.git): no go.mod, tagged v2.0.0 (v2.0.0+incompatible).</item>
/// </list>
/// <see cref="Reference"/> is the real go command with GOPROXY=direct over the same repositories, found through a
/// separate go-import test server: what go itself computes for them.
/// </summary>
public sealed class MappedRepositoriesFixture : IAsyncLifetime
{
    /// <summary>The mapped prefix of the main repository.</summary>
    public const string RepoPrefix = "git.corp.example/team/repo";

    /// <summary>The mapped prefix of the repository without go.mod.</summary>
    public const string LegacyPrefix = "git.corp.example/team/legacy";

    private readonly string _root = TempDirectory.CreateUnique("mapped-repos");
    private GoImportMetaServer? _meta;
    private GoSandbox? _reference;

    /// <summary>The bare repository of <see cref="RepoPrefix"/>.</summary>
    public string Repo => Path.Combine(_root, "bare", "repo.git");

    /// <summary>The bare repository of <see cref="LegacyPrefix"/>.</summary>
    public string Legacy => Path.Combine(_root, "bare", "legacy.git");

    /// <summary>The commit master points at.</summary>
    public string MasterCommit { get; private set; } = "";

    /// <summary>A folder for the tests' own files.</summary>
    public string Root => _root;

    /// <summary>The real go command over the same repositories (GOPROXY=direct).</summary>
    public GoSandbox Reference => _reference ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync()
    {
        _meta = await GoImportMetaServer.StartAsync([RepoPrefix, LegacyPrefix], CancellationToken.None);
        _reference = GoSandbox.Create(
            new GoSandboxOptions
            {
                GoProxy = "direct",
                GoPrivate = "git.corp.example",
                GoInsecure = "git.corp.example",
                HttpProxy = _meta.ProxyUrl,
                GitInsteadOf = new Dictionary<string, string>
                {
                    ["https://" + RepoPrefix] = "file://" + Repo,
                    ["https://" + LegacyPrefix] = "file://" + Legacy,
                },
                Timeout = TimeSpan.FromMinutes(2),
            },
            Path.Combine(_root, "reference"));

        var work = Directory.CreateDirectory(Path.Combine(_root, "src", "repo")).FullName;
        await GitAsync(work, "init", "-q", "-b", "master");
        await WriteAsync(work, "go.mod", $"module {RepoPrefix}\n\ngo 1.19\n");
        await WriteAsync(work, "repo.go", "package repo\n\n// Version is the release.\nconst Version = \"v1.0.0\"\n");
        await CommitAsync(work, "v1.0.0", "2024-01-01T10:00:00Z");
        await GitAsync(work, "tag", "v1.0.0");
        await WriteAsync(work, "repo.go", "package repo\n\n// Version is the release.\nconst Version = \"v1.1.0\"\n");
        await WriteAsync(work, "sub/go.mod", $"module {RepoPrefix}/sub\n\ngo 1.19\n");
        await WriteAsync(work, "sub/sub.go", "package sub\n\n// Sub is a nested module.\nconst Sub = 1\n");
        await CommitAsync(work, "v1.1.0", "2024-02-01T10:00:00Z");
        await GitAsync(work, "tag", "v1.1.0");
        await GitAsync(work, "tag", "sub/v1.0.0");
        await WriteAsync(work, "v2/go.mod", $"module {RepoPrefix}/v2\n\ngo 1.19\n");
        await WriteAsync(work, "v2/repo.go", "package repo\n\n// Version is the release.\nconst Version = \"v2.0.0\"\n");
        await CommitAsync(work, "v2.0.0", "2024-03-01T10:00:00Z");
        await GitAsync(work, "tag", "v2.0.0");
        await WriteAsync(work, "next.go", "package repo\n\n// Next is unreleased.\nconst Next = 1\n");
        await CommitAsync(work, "after the tags", "2024-04-01T10:00:00Z");
        MasterCommit = (await GitAsync(work, "rev-parse", "HEAD")).Trim();

        var legacy = Directory.CreateDirectory(Path.Combine(_root, "src", "legacy")).FullName;
        await GitAsync(legacy, "init", "-q", "-b", "master");
        await WriteAsync(legacy, "legacy.go", "package legacy\n\n// Old has no go.mod.\nconst Old = 2\n");
        await CommitAsync(legacy, "v2.0.0", "2024-01-15T10:00:00Z");
        await GitAsync(legacy, "tag", "v2.0.0");

        Directory.CreateDirectory(Path.Combine(_root, "bare"));
        await GitAsync(_root, "clone", "-q", "--bare", work, Repo);
        await GitAsync(_root, "clone", "-q", "--bare", legacy, Legacy);
    }

    /// <summary><c>go mod download -json module@version</c> by the real go command: the reference answer.</summary>
    public async Task<GoModDownload> DownloadDirectAsync(string module, string version)
    {
        var result = await Reference.GoAsync(["mod", "download", "-json", $"{module}@{version}"]);
        var downloads = GoModDownload.ParseAll(result.StandardOutput);
        Assert.True(downloads.Count == 1, $"go mod download gave {downloads.Count} results: {result}");
        Assert.True(downloads[0].Error is null, downloads[0].Error);
        return downloads[0];
    }

    private async Task CommitAsync(string repo, string message, string date)
    {
        await GitAsync(repo, "add", "-A");
        await GitAsync(repo, "commit", "-q", "-m", message, "--date", date);
    }

    private static async Task WriteAsync(string repo, string file, string text)
    {
        var path = Path.Combine(repo, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, text);
    }

    private async Task<string> GitAsync(string folder, params string[] args)
    {
        var result = await Reference.GitAsync(args, folder);
        return result.EnsureSuccess().StandardOutput;
    }

    public async Task DisposeAsync()
    {
        _reference?.Dispose();
        if (_meta is not null)
        {
            await _meta.DisposeAsync();
        }

        TempDirectory.Delete(_root);
    }
}
