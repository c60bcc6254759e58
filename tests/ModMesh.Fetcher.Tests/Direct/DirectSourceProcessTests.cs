using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using ModMesh.Fetcher.Direct;
using ModMesh.Fetcher.Upstream;
using ModMesh.TestSupport;
using static ModMesh.Fetcher.Tests.Direct.DirectTestSupport;
using ModMesh.Coordination;

namespace ModMesh.Fetcher.Tests.Direct;

/// <summary>How <see cref="DirectSource"/> runs the go command: scripts standing in for go record what they were given.</summary>
public sealed class DirectSourceProcessTests : IDisposable
{
    private readonly string _root = TempDirectory.CreateUnique("direct-process");

    private string WorkPath => Path.Combine(_root, "work");

    public void Dispose() => TempDirectory.Delete(_root);

    private DirectSource Source(string goBinary, TimeSpan? timeout = null, int concurrency = 4, string gitConfig = "", TimeSpan? keepWarm = null, TimeProvider? time = null) =>
        Create(
            new DirectOptions
            {
                GoBinary = goBinary,
                WorkPath = WorkPath,
                GitConfig = gitConfig,
                Patterns = "*",
                Timeout = timeout ?? TimeSpan.FromMinutes(1),
                Concurrency = concurrency,
                KeepWarm = keepWarm ?? TimeSpan.Zero,
            },
            time);

    [Fact]
    public async Task GetAsync_Info_RunsGoModDownloadWithArgumentListInIsolatedEnvironment()
    {
        var gitConfig = Path.Combine(_root, "gitconfig");
        await File.WriteAllTextAsync(gitConfig, "");
        var info = Path.Combine(_root, "v1.0.0.info");
        await File.WriteAllTextAsync(info, "{\"Version\":\"v1.0.0\",\"Time\":\"2024-01-01T00:00:00Z\"}");
        var go = WriteScript(_root, "go", $$"""
            printf '%s\n' "$@" > '{{_root}}/args'
            env > '{{_root}}/env'
            pwd > '{{_root}}/pwd'
            echo '{"Path":"example.com/a b","Version":"v1.0.0","Info":"{{info}}"}'
            """);
        using var source = Source(go, gitConfig: gitConfig);

        using var response = await source.GetAsync("example.com/a b", "@v/v1.0.0.info", CancellationToken.None);

        Assert.Equal("{\"Version\":\"v1.0.0\",\"Time\":\"2024-01-01T00:00:00Z\"}", await ReadTextAsync(response));
        Assert.Equal(["mod", "download", "-json", "example.com/a b@v1.0.0"], await File.ReadAllLinesAsync(Path.Combine(_root, "args")));
        var env = (await File.ReadAllLinesAsync(Path.Combine(_root, "env")))
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal("direct", env["GOPROXY"]);
        Assert.Equal("off", env["GOSUMDB"]);
        Assert.Equal("*", env["GONOSUMDB"]);
        Assert.Equal("", env["GOPRIVATE"]); // ModMesh:Private (none here): which paths the GOVCS "private" clause covers
        Assert.Equal("private:git,public:git|hg", env["GOVCS"]);
        Assert.Equal("", env["GOINSECURE"]);
        Assert.Equal("-mod=mod", env["GOFLAGS"]);
        Assert.Equal("on", env["GO111MODULE"]);
        Assert.Equal("local", env["GOTOOLCHAIN"]);
        Assert.Equal("0", env["GIT_TERMINAL_PROMPT"]);
        Assert.Equal(gitConfig, env["GIT_CONFIG_GLOBAL"]);
        var workRoot = source.WorkRoot;
        Assert.StartsWith(workRoot, env["HOME"], StringComparison.Ordinal);
        Assert.StartsWith(workRoot, env["GOMODCACHE"], StringComparison.Ordinal);
        Assert.StartsWith(workRoot, env["GOPATH"], StringComparison.Ordinal);
        Assert.StartsWith(workRoot, env["GOCACHE"], StringComparison.Ordinal);
        Assert.StartsWith(workRoot, (await File.ReadAllTextAsync(Path.Combine(_root, "pwd"))).Trim(), StringComparison.Ordinal);
        Assert.Empty(Leftovers(workRoot));
    }

    [Theory]
    [InlineData("@v/-x.info")]
    [InlineData("@v/--help.zip")]
    [InlineData("@v/v1.0.0.txt")]
    [InlineData("@v/")]
    [InlineData("@v/list/extra")]
    public async Task GetAsync_RefusedPath_NotFoundWithoutRunningGo(string relativePath)
    {
        var go = WriteScript(_root, "go", $"echo ran >> '{_root}/ran'\n");
        using var source = Source(go);

        using var response = await source.GetAsync("example.com/m", relativePath, CancellationToken.None);

        Assert.Equal(OutcomeKind.NotFound, response.Status);
        Assert.False(File.Exists(Path.Combine(_root, "ran")));
    }

    [Fact]
    public async Task GetAsync_ModulePathStartingWithDash_NotFoundWithoutRunningGo()
    {
        var go = WriteScript(_root, "go", $"echo ran >> '{_root}/ran'\n");
        using var source = Source(go);

        using var response = await source.GetAsync("-modfile=x", "@v/list", CancellationToken.None);

        Assert.Equal(OutcomeKind.NotFound, response.Status);
        Assert.False(File.Exists(Path.Combine(_root, "ran")));
    }

    [Fact]
    public async Task GetAsync_GoRunsLongerThanTimeout_TimeoutAndProcessKilled()
    {
        var go = WriteScript(_root, "go", $"echo $$ > '{_root}/pid'\nsleep 60\necho done > '{_root}/done'\n");
        using var source = Source(go, timeout: TimeSpan.FromMilliseconds(500));
        var started = Stopwatch.GetTimestamp();

        using var response = await source.GetAsync("example.com/m", "@v/v1.0.0.zip", CancellationToken.None);

        Assert.Equal(OutcomeKind.UpstreamTimeout, response.Status);
        Assert.Contains("did not finish", response.Message, StringComparison.Ordinal);
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(20));
        var pid = int.Parse((await File.ReadAllTextAsync(Path.Combine(_root, "pid"))).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(IsRunning(pid), $"the go stand-in (pid {pid}) still runs");
        Assert.Empty(Leftovers(source.WorkRoot));
    }

    [Fact]
    public async Task GetAsync_CallerCancels_ThrowsAndKillsGo()
    {
        var go = WriteScript(_root, "go", $"echo $$ > '{_root}/pid'\nsleep 60\n");
        using var source = Source(go);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => source.GetAsync("example.com/m", "@v/list", cancel.Token));

        var pid = int.Parse((await File.ReadAllTextAsync(Path.Combine(_root, "pid"))).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(IsRunning(pid));
        Assert.Empty(Leftovers(source.WorkRoot));
    }

    [Fact]
    public async Task GetAsync_ManyModulesAtOnce_NeverMoreGoProcessesThanConcurrency()
    {
        var log = Path.Combine(_root, "log");
        var go = WriteScript(_root, "go", $$"""
            echo start >> '{{log}}'
            sleep 0.3
            echo end >> '{{log}}'
            echo '{"Path":"m","Versions":["v1.0.0"]}'
            """);
        using var source = Source(go, concurrency: 2);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => source.GetAsync($"example.com/m{i}", "@v/list", CancellationToken.None)));

        foreach (var answer in answers)
        {
            Assert.Equal("v1.0.0\n", await ReadTextAsync(answer));
            answer.Dispose();
        }

        var running = 0;
        var most = 0;
        foreach (var line in await File.ReadAllLinesAsync(log))
        {
            running += line == "start" ? 1 : -1;
            most = Math.Max(most, running);
        }

        Assert.Equal(2, most);
        Assert.Empty(Leftovers(source.WorkRoot));
    }

    [Theory]
    [InlineData("github.com/x/y@v1.0.0: invalid version: unknown revision v1.0.0", OutcomeKind.NotFound)]
    [InlineData("github.com/x/y@v1.0.0: invalid version: git ls-remote -q origin in $WORK/x: exit status 128: fatal: could not read Username for 'https://github.com': terminal prompts disabled", OutcomeKind.NotFound)]
    [InlineData("github.com/x/y@latest: no matching versions for query \"latest\"", OutcomeKind.NotFound)]
    [InlineData("github.com/x/y@v1.0.0: invalid version: git ls-remote -q origin in $WORK/x: exit status 128: fatal: '/srv/git/y' does not appear to be a git repository", OutcomeKind.NotFound)]
    [InlineData("github.com/x/y@v1.0.0: invalid version: git ls-remote -q origin in $WORK/x: exit status 128: fatal: unable to access 'https://github.com/x/y/': Could not resolve host: github.com", OutcomeKind.UpstreamFailed)]
    [InlineData("github.com/x/y@v1.0.0: invalid version: fatal: unable to access 'https://git.corp/y/': The requested URL returned error: 403", OutcomeKind.UpstreamFailed)]
    [InlineData("github.com/x/y@v1.0.0: verifying module: missing GOSUMDB", OutcomeKind.UpstreamFailed)]
    public void Classify_GoMessage_SortsNotFoundFromFailures(string message, OutcomeKind expected) =>
        Assert.Equal(expected, DirectSource.Classify(message, "github.com/x/y", "v1.0.0"));

    [Theory]
    [InlineData("github.com/x/proxy")]
    [InlineData("github.com/x/tls-certificate-verify")]
    public void Classify_ModulePathLooksLikeNetworkError_StillNotFound(string modulePath) =>
        Assert.Equal(OutcomeKind.NotFound, DirectSource.Classify($"{modulePath}@v1.0.0: invalid version: unknown revision v1.0.0", modulePath, "v1.0.0"));

    [Fact]
    public async Task GetAsync_GoFailsWithPlainError_GenericErrorWithoutGoText()
    {
        var go = WriteScript(_root, "go", "echo 'go: something broke in /srv/secret/place' >&2\nexit 1\n");
        using var source = Source(go);

        using var response = await source.GetAsync("example.com/m", "@latest", CancellationToken.None);

        Assert.Equal(OutcomeKind.UpstreamFailed, response.Status);
        Assert.Equal("example.com/m@latest: version control error: the go command failed (the details are in the service's log)", response.Message);
    }

    [Fact]
    public async Task GetAsync_GoMessageWithCredentialsInUrl_NeitherCredentialsNorHostReachTheClient()
    {
        var go = WriteScript(_root, "go", "echo \"fatal: unable to access 'https://bot:s3cret@git.corp.example/x/': The requested URL returned error: 500\" >&2\nexit 1\n");
        using var source = Source(go);

        using var response = await source.GetAsync("example.com/m", "@v/v1.0.0.info", CancellationToken.None);

        Assert.Equal(OutcomeKind.UpstreamFailed, response.Status);
        Assert.DoesNotContain("s3cret", response.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("git.corp.example", response.Message, StringComparison.Ordinal);
        Assert.Equal("example.com/m@v1.0.0: version control error: the repository host answered with a server error", response.Message);
    }

    [Fact]
    public async Task GetAsync_GoMissing_ErrorNamingTheFix()
    {
        using var source = Source(Path.Combine(_root, "no-such-go"));

        using var response = await source.GetAsync("example.com/m", "@v/list", CancellationToken.None);

        Assert.Equal(OutcomeKind.UpstreamFailed, response.Status);
        Assert.Contains("ModMesh:Direct:GoBinary", response.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_KeepWarm_FolderKeptUntilIdleTimePassed()
    {
        var go = WriteScript(_root, "go", "echo '{\"Path\":\"m\",\"Versions\":[]}'\n");
        var time = new FakeTimeProvider();
        using var source = Source(go, keepWarm: TimeSpan.FromSeconds(30), time: time);

        using (var list = await source.GetAsync("example.com/m", "@v/list", CancellationToken.None))
        {
            Assert.Equal("", await ReadTextAsync(list));
        }

        Assert.Equal(1, source.OpenWorkspaces);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(1, source.OpenWorkspaces);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, source.OpenWorkspaces);
        Assert.Empty(Leftovers(source.WorkRoot));
    }

    [Fact]
    public async Task GetAsync_FirstRequest_DeletesOldFoldersOfEndedProcessesOnly()
    {
        var go = WriteScript(_root, "go", "echo '{\"Path\":\"m\",\"Versions\":[]}'\n");
        var dead = Directory.CreateDirectory(Path.Combine(WorkPath, "p999999999-deadbeef", "module")).Parent!;
        dead.LastWriteTimeUtc = DateTime.UtcNow.AddHours(-2);
        var recent = Directory.CreateDirectory(Path.Combine(WorkPath, "p999999998-deadbeef"));
        var alive = Directory.CreateDirectory(Path.Combine(WorkPath, $"p{Environment.ProcessId}-0ther0ne"));
        alive.LastWriteTimeUtc = DateTime.UtcNow.AddHours(-2);
        using var source = Source(go);

        using var list = await source.GetAsync("example.com/m", "@v/list", CancellationToken.None);

        Assert.False(Directory.Exists(dead.FullName));
        Assert.True(Directory.Exists(recent.FullName));
        Assert.True(Directory.Exists(alive.FullName));
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
