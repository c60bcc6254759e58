namespace ModMesh.TestSupport.Go;

/// <summary>
/// Small local git repositories standing in for private modules on github.com (the go command needs no
/// ?go-get=1 lookup for github.com paths), reached through a generated gitconfig whose
/// <c>url."file:///…/repos/".insteadOf https://github.com/acme/</c> rewrite sends every github.com/acme/* repository
/// to a folder here (a missing folder is a missing repository):
/// <list type="bullet">
/// <item><see cref="PrivateModule"/>: go.mod, tags v1.0.0 and v1.1.0, one more commit on main after v1.1.0, and a
/// branch "feature" with a commit of its own.</item>
/// <item><see cref="LegacyModule"/>: no go.mod, tagged v2.0.0 (go calls it v2.0.0+incompatible).</item>
/// </list>
/// <see cref="Go"/> is a sandbox with GOPROXY=direct over the same rewrites: what the go command gets on its own.
/// </summary>
public sealed class LocalGitModules : IDisposable
{
    /// <summary>The module with tags, a main branch ahead of the last tag, and a feature branch.</summary>
    public const string PrivateModule = "github.com/acme/private";

    /// <summary>The module without go.mod, tagged v2.0.0.</summary>
    public const string LegacyModule = "github.com/acme/legacy";

    /// <summary>A github.com/acme module with no repository.</summary>
    public const string MissingModule = "github.com/acme/missing";

    /// <summary>The GOPRIVATE-style pattern of all of them.</summary>
    public const string Pattern = "github.com/acme/*";

    private LocalGitModules(GoSandbox sandbox, string repositories)
    {
        Go = sandbox;
        Repositories = repositories;
    }

    /// <summary>A go sandbox (GOPROXY=direct, GOPRIVATE=*) over the repositories; owns the folder.</summary>
    public GoSandbox Go { get; }

    /// <summary>The folder holding one git repository per module name.</summary>
    public string Repositories { get; }

    /// <summary>The gitconfig with the rewrites (and protocol.file.allow=always): give it as ModMesh:Direct:GitConfig.</summary>
    public string GitConfig => Go.GitConfig;

    /// <summary>The commit "feature" points at.</summary>
    public string FeatureCommit { get; private set; } = "";

    /// <summary>The commit main points at.</summary>
    public string MainCommit { get; private set; } = "";

    /// <summary>Creates the repositories under a new temporary folder.</summary>
    public static async Task<LocalGitModules> CreateAsync(CancellationToken cancellationToken = default)
    {
        var root = TempDirectory.CreateUnique("gitmodules");
        var repositories = Directory.CreateDirectory(Path.Combine(root, "repos")).FullName;
        var sandbox = GoSandbox.Create(
            new GoSandboxOptions
            {
                GoProxy = "direct",
                GoPrivate = "*",
                GitInsteadOf = new Dictionary<string, string> { ["https://github.com/acme/"] = "file://" + repositories + "/" },
                Timeout = TimeSpan.FromMinutes(2),
            },
            Path.Combine(root, "sandbox"));
        var modules = new LocalGitModules(sandbox, repositories);
        try
        {
            await modules.BuildAsync(cancellationToken).ConfigureAwait(false);
            return modules;
        }
        catch
        {
            modules.Dispose();
            TempDirectory.Delete(root);
            throw;
        }
    }

    /// <summary><c>go mod download -json module@version</c> with GOPROXY=direct: the reference answer.</summary>
    public async Task<GoModDownload> DownloadDirectAsync(string module, string version, CancellationToken cancellationToken = default)
    {
        var result = await Go.GoAsync(["mod", "download", "-json", $"{module}@{version}"], cancellationToken: cancellationToken).ConfigureAwait(false);
        var downloads = GoModDownload.ParseAll(result.StandardOutput);
        if (downloads.Count != 1)
        {
            throw new InvalidOperationException($"go mod download gave {downloads.Count} results: {result}");
        }

        return downloads[0];
    }

    private async Task BuildAsync(CancellationToken cancellationToken)
    {
        var repo = Directory.CreateDirectory(Path.Combine(Repositories, "private")).FullName;
        await GitAsync(repo, cancellationToken, "init", "-q", "-b", "main").ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(repo, "go.mod"), $"module {PrivateModule}\n\ngo 1.19\n", cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(repo, "private.go"), "package private\n\n// Version is the release.\nconst Version = \"v1.0.0\"\n", cancellationToken).ConfigureAwait(false);
        await CommitAsync(repo, "v1.0.0", "2024-01-01T10:00:00Z", cancellationToken).ConfigureAwait(false);
        await GitAsync(repo, cancellationToken, "tag", "v1.0.0").ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(repo, "private.go"), "package private\n\n// Version is the release.\nconst Version = \"v1.1.0\"\n", cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(repo, "README.md"), "# private\n", cancellationToken).ConfigureAwait(false);
        await CommitAsync(repo, "v1.1.0", "2024-02-01T10:00:00Z", cancellationToken).ConfigureAwait(false);
        await GitAsync(repo, cancellationToken, "tag", "v1.1.0").ConfigureAwait(false);
        await GitAsync(repo, cancellationToken, "checkout", "-q", "-b", "feature").ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(repo, "feature.go"), "package private\n\n// Feature is on a branch.\nconst Feature = true\n", cancellationToken).ConfigureAwait(false);
        await CommitAsync(repo, "feature", "2024-03-01T10:00:00Z", cancellationToken).ConfigureAwait(false);
        FeatureCommit = (await GitAsync(repo, cancellationToken, "rev-parse", "HEAD").ConfigureAwait(false)).Trim();
        await GitAsync(repo, cancellationToken, "checkout", "-q", "main").ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(repo, "next.go"), "package private\n\n// Next is unreleased.\nconst Next = 1\n", cancellationToken).ConfigureAwait(false);
        await CommitAsync(repo, "after v1.1.0", "2024-04-01T10:00:00Z", cancellationToken).ConfigureAwait(false);
        MainCommit = (await GitAsync(repo, cancellationToken, "rev-parse", "HEAD").ConfigureAwait(false)).Trim();

        var legacy = Directory.CreateDirectory(Path.Combine(Repositories, "legacy")).FullName;
        await GitAsync(legacy, cancellationToken, "init", "-q", "-b", "main").ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(legacy, "legacy.go"), "package legacy\n\n// Old has no go.mod.\nconst Old = 2\n", cancellationToken).ConfigureAwait(false);
        await CommitAsync(legacy, "v2.0.0", "2024-01-15T10:00:00Z", cancellationToken).ConfigureAwait(false);
        await GitAsync(legacy, cancellationToken, "tag", "v2.0.0").ConfigureAwait(false);
    }

    private async Task CommitAsync(string repo, string message, string date, CancellationToken cancellationToken)
    {
        await GitAsync(repo, cancellationToken, "add", "-A").ConfigureAwait(false);
        await GitAsync(repo, cancellationToken, "-c", $"user.name=ModMesh Tests", "commit", "-q", "-m", message, "--date", date).ConfigureAwait(false);
    }

    private async Task<string> GitAsync(string repo, CancellationToken cancellationToken, params string[] args)
    {
        var result = await Go.GitAsync(args, repo, cancellationToken).ConfigureAwait(false);
        return result.EnsureSuccess().StandardOutput;
    }

    /// <summary>Deletes the repositories and the sandbox.</summary>
    public void Dispose()
    {
        var root = Path.GetDirectoryName(Repositories)!;
        Go.Dispose();
        TempDirectory.Delete(root);
    }
}
