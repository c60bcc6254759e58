using System.Text;

namespace ModMesh.TestSupport.Go;

/// <summary>How a <see cref="GoSandbox"/> configures the go command.</summary>
public sealed record GoSandboxOptions
{
    /// <summary>GOPROXY. Required, and must be loopback, "off", "direct" (with git rewrites) or file://: tests never reach the internet.</summary>
    public required string GoProxy { get; init; }

    /// <summary>GOSUMDB. Default "off": sum.golang.org is unreachable here and must never be asked.</summary>
    public string GoSumDb { get; init; } = "off";

    /// <summary>GONOSUMDB patterns. Default "*" (belt and braces with GOSUMDB=off).</summary>
    public string GoNoSumDb { get; init; } = "*";

    /// <summary>GOPRIVATE patterns, or null for none.</summary>
    public string? GoPrivate { get; init; }

    /// <summary>GOINSECURE patterns, or null for none.</summary>
    public string? GoInsecure { get; init; }

    /// <summary>GONOPROXY patterns, or null for none.</summary>
    public string? GoNoProxy { get; init; }

    /// <summary>
    /// HTTP_PROXY/HTTPS_PROXY for the go command. Go never proxies loopback addresses, so a loopback proxy here only
    /// sees requests that would otherwise leave the machine (go-get=1 discovery of custom domains). Default: a
    /// closed loopback port, so a stray request fails fast instead of reaching the network.
    /// </summary>
    public string HttpProxy { get; init; } = "http://127.0.0.1:9";

    /// <summary>git <c>url."&lt;value&gt;".insteadOf &lt;key&gt;</c> rewrites written into the generated gitconfig.</summary>
    public IReadOnlyDictionary<string, string> GitInsteadOf { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra environment variables (applied last).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Default timeout of one go command.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(3);
}

/// <summary>
/// An isolated go environment in a temporary folder: its own GOPATH, GOMODCACHE, GOCACHE, HOME and gitconfig, so a
/// test sees nothing of the machine's go state and leaves nothing behind. Dispose deletes the folder (the module
/// cache is made writable first: go stores it read-only).
/// </summary>
public sealed class GoSandbox : IDisposable
{
    private readonly Dictionary<string, string> _environment;

    private GoSandbox(GoTool tool, GoSandboxOptions options, string root)
    {
        Tool = tool;
        Options = options;
        Root = root;
        GoPath = Directory.CreateDirectory(Path.Combine(root, "gopath")).FullName;
        GoModCache = Path.Combine(GoPath, "pkg", "mod");
        GoCache = Directory.CreateDirectory(Path.Combine(root, "gocache")).FullName;
        Home = Directory.CreateDirectory(Path.Combine(root, "home")).FullName;
        Work = Directory.CreateDirectory(Path.Combine(root, "work")).FullName;
        GitConfig = Path.Combine(root, "gitconfig");
        File.WriteAllText(GitConfig, BuildGitConfig(options.GitInsteadOf));

        _environment = new Dictionary<string, string>
        {
            ["PATH"] = System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin",
            ["HOME"] = Home,
            ["GOPATH"] = GoPath,
            ["GOMODCACHE"] = GoModCache,
            ["GOCACHE"] = GoCache,
            ["GOENV"] = "off",
            ["GOPROXY"] = options.GoProxy,
            ["GOSUMDB"] = options.GoSumDb,
            ["GONOSUMDB"] = options.GoNoSumDb,
            ["GOFLAGS"] = "-mod=mod",
            ["GO111MODULE"] = "on",
            ["GOTOOLCHAIN"] = "local",
            ["GOWORK"] = "off",
            ["CGO_ENABLED"] = "0",
            ["GIT_CONFIG_GLOBAL"] = GitConfig,
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_TERMINAL_PROMPT"] = "0",
            ["GIT_ASKPASS"] = "/bin/false",
            ["HTTP_PROXY"] = options.HttpProxy,
            ["HTTPS_PROXY"] = options.HttpProxy,
            ["http_proxy"] = options.HttpProxy,
            ["https_proxy"] = options.HttpProxy,
            ["NO_PROXY"] = "",
        };
        if (options.GoPrivate is not null) { _environment["GOPRIVATE"] = options.GoPrivate; }
        if (options.GoInsecure is not null) { _environment["GOINSECURE"] = options.GoInsecure; }
        if (options.GoNoProxy is not null) { _environment["GONOPROXY"] = options.GoNoProxy; }
        foreach (var (key, value) in options.Environment)
        {
            _environment[key] = value;
        }

        if (_environment["GOSUMDB"] != "off" && _environment["GONOSUMDB"] != "*" && !IsLoopbackSumDb(_environment["GOSUMDB"]))
        {
            throw new ArgumentException(
                $"GOSUMDB={_environment["GOSUMDB"]} would make go contact a public checksum database. Use \"off\" or a loopback one.",
                nameof(options));
        }

        GuardProxy(options.GoProxy);
    }

    public GoTool Tool { get; }

    public GoSandboxOptions Options { get; }

    /// <summary>The sandbox folder.</summary>
    public string Root { get; }

    public string GoPath { get; }

    public string GoModCache { get; }

    /// <summary>$GOMODCACHE/cache/download: after downloads, a GOPROXY tree.</summary>
    public string DownloadCache => Path.Combine(GoModCache, "cache", "download");

    public string GoCache { get; }

    public string Home { get; }

    /// <summary>An empty folder for scratch modules.</summary>
    public string Work { get; }

    public string GitConfig { get; }

    /// <summary>The environment every go command of this sandbox runs with (on top of a scrubbed process environment).</summary>
    public IReadOnlyDictionary<string, string> Environment => _environment;

    /// <summary>Creates a sandbox under a fresh temporary folder.</summary>
    public static GoSandbox Create(GoSandboxOptions options, string? root = null)
    {
        var tool = GoTool.Locate();
        root ??= TempDirectory.CreateUnique("gosandbox");
        Directory.CreateDirectory(root);
        return new GoSandbox(tool, options, root);
    }

    /// <summary>Runs <c>go args…</c> in <paramref name="workingDirectory"/> (default: <see cref="Work"/>).</summary>
    public Task<CommandResult> GoAsync(IEnumerable<string> args, string? workingDirectory = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        GoTool.RunProcessAsync(Tool.GoPath, args, workingDirectory ?? Work, _environment, timeout ?? Options.Timeout, cancellationToken);

    /// <summary>Runs <c>go args…</c> in <see cref="Work"/>.</summary>
    public Task<CommandResult> GoAsync(params string[] args) => GoAsync(args, null);

    /// <summary>Runs <c>git args…</c> with this sandbox's environment (its gitconfig, no system config).</summary>
    public Task<CommandResult> GitAsync(IEnumerable<string> args, string workingDirectory, CancellationToken cancellationToken = default) =>
        GoTool.RunProcessAsync(Tool.GitPath, args, workingDirectory, _environment, Options.Timeout, cancellationToken);

    /// <summary>Writes a scratch main module (go.mod, plus optional extra lines) into a new folder under <see cref="Work"/>.</summary>
    public string CreateModule(string modulePath, string goModBody = "", string? name = null)
    {
        var dir = Directory.CreateDirectory(Path.Combine(Work, name ?? ("m" + Guid.NewGuid().ToString("N")[..8]))).FullName;
        File.WriteAllText(Path.Combine(dir, "go.mod"), $"module {modulePath}\n\ngo 1.19\n{goModBody}");
        return dir;
    }

    /// <summary>Whether <see cref="Dispose"/> deletes <see cref="Root"/> (default true).</summary>
    public bool DeleteOnDispose { get; set; } = true;

    public void Dispose()
    {
        if (DeleteOnDispose)
        {
            TempDirectory.Delete(Root);
        }
    }

    private static string BuildGitConfig(IReadOnlyDictionary<string, string> insteadOf)
    {
        var sb = new StringBuilder();
        sb.Append("[user]\n\tname = ModMesh Tests\n\temail = tests@modmesh.invalid\n");
        sb.Append("[init]\n\tdefaultBranch = main\n");
        sb.Append("[protocol \"file\"]\n\tallow = always\n");
        sb.Append("[advice]\n\tdetachedHead = false\n");
        sb.Append("[gc]\n\tauto = 0\n");
        foreach (var (from, to) in insteadOf.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append("[url \"").Append(to).Append("\"]\n\tinsteadOf = ").Append(from).Append('\n');
        }

        return sb.ToString();
    }

    private static bool IsLoopbackSumDb(string value) =>
        value.Contains("http://127.0.0.1", StringComparison.Ordinal) || value.Contains("http://localhost", StringComparison.Ordinal);

    private static void GuardProxy(string goProxy)
    {
        foreach (var entry in goProxy.Split([',', '|'], StringSplitOptions.RemoveEmptyEntries))
        {
            var ok = entry is "off" or "direct" ||
                entry.StartsWith("file://", StringComparison.Ordinal) ||
                (Uri.TryCreate(entry, UriKind.Absolute, out var uri) && uri.IsLoopback);
            if (!ok)
            {
                throw new ArgumentException($"GOPROXY entry '{entry}' is not loopback: tests must never reach a non-loopback host.", nameof(goProxy));
            }
        }
    }
}
