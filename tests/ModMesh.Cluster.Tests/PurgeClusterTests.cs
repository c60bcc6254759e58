using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ModMesh.Access;
using ModMesh.Cluster.Tests.Infrastructure;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Processes;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ModMesh.Cluster.Tests;

/// <summary>
/// The distributed topology (real redis-server, s3rver, two nodes, a fetcher and a gateway with access control and the
/// internal key, every one a process) with an admin ("alice", through the @ops group) and a reader ("bob").
/// </summary>
public sealed class PurgeClusterFixture : IAsyncLifetime
{
    public const string InternalKey = "cluster-purge-internal-key-0123456789abcdef";

    private readonly string _folder = TempDirectory.CreateUnique("cluster-purge");
    private StaticGoProxyServer? _upstream;
    private ClusterTopology? _cluster;

    public StaticGoProxyServer Upstream => _upstream ?? throw new InvalidOperationException("Not initialized.");

    public ClusterTopology Cluster => _cluster ?? throw new InvalidOperationException("Not initialized.");

    public IssuedToken Admin { get; } = TokenFile.Issue("alice");

    public IssuedToken Reader { get; } = TokenFile.Issue("bob");

    public async Task InitializeAsync()
    {
        _upstream = await StaticGoProxyServer.StartAsync(Directory.CreateDirectory(Path.Combine(_folder, "upstream")).FullName);
        var tokens = Path.Combine(_folder, "tokens");
        var rules = Path.Combine(_folder, "rules");
        await File.WriteAllTextAsync(tokens, $"{Admin.Line}\n{Reader.Line}\n");
        await File.WriteAllTextAsync(rules, "@ops = alice\n");
        _cluster = await ClusterTopology.StartAsync(_ => _upstream.Url, new ClusterOptions
        {
            Nodes = 2,
            Fetchers = 1,
            Environment = new Dictionary<string, string?> { ["ModMesh__InternalKey"] = InternalKey },
            GatewayEnvironment = new Dictionary<string, string?>
            {
                ["ModMesh__InternalKey"] = InternalKey,
                ["Gateway__Access__TokensFile"] = tokens,
                ["Gateway__Access__RulesFile"] = rules,
                ["Gateway__Access__Admins"] = "@ops",
            },
        });
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }

        TempDirectory.Delete(_folder);
    }
}

/// <summary>
/// Purge and retention across processes: who may purge through the gateway (anonymous 401, a reader 403, an admin
/// 200), that a purged version is filled again from upstream whichever node or gateway is asked next (no process
/// serves it from what it remembered), the audit lines, and that retention passes take the cluster-wide lease.
/// </summary>
public sealed class PurgeClusterTests(PurgeClusterFixture fixture, ITestOutputHelper output) : IClassFixture<PurgeClusterFixture>
{
    private const string Module = "example.com/purge/lib";
    private const string Version = "v1.0.0";

    [Fact]
    public async Task Purge_ThroughGateway_OnlyAdmins_ThenEveryProcessFillsItAgainFromUpstream()
    {
        var cluster = fixture.Cluster;
        var upstream = fixture.Upstream;
        upstream.AddSyntheticModule(Module, Version, 200_000);
        using var gateway = new HttpClient { BaseAddress = cluster.Gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var nodes = cluster.Nodes.Select(n => NodeClient(n)).ToArray();
        try
        {
            // Every process remembers the version: the gateway's memory, and both nodes' memory and local tier.
            var expected = await GetAsync(gateway, "zip");
            foreach (var kind in new[] { "info", "mod" })
            {
                await GetAsync(gateway, kind);
            }

            foreach (var node in nodes)
            {
                foreach (var kind in new[] { "info", "mod", "zip" })
                {
                    await GetAsync(node, kind);
                }

                Assert.Equal(expected, await GetAsync(node, "zip"));
            }

            Assert.Equal(1, upstream.Count(Module, Version, "zip"));

            using (var anonymous = await gateway.DeleteAsync($"admin/modules/{Module}/@v/{Version}"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            }

            using (var reader = Delete($"admin/modules/{Module}/@v/{Version}", fixture.Reader.Token))
            using (var refused = await gateway.SendAsync(reader))
            {
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            }

            Assert.True(await gateway.GetAsync($"{Module}/@v/{Version}.zip") is { StatusCode: HttpStatusCode.OK }, "a refused purge removed something");

            // The admin, through the gateway: the files go, then the next request through the gateway fills them again.
            var removed = await PurgeAsync(gateway);
            Assert.Equal(["zip", "mod", "info"], removed);
            Assert.Equal(expected, await GetAsync(gateway, "zip"));
            Assert.Equal(2, upstream.Count(Module, Version, "zip"));

            // Again, and each node asked directly first: each forgot (the forget notice over Redis reaches both, and the
            // fetcher, which otherwise would believe the file committed and never fill it).
            for (var i = 0; i < nodes.Length; i++)
            {
                Assert.Equal(["zip"], await PurgeAsync(gateway)); // only the zip was asked for since the last purge
                Assert.Equal(expected, await GetAsync(nodes[i], "zip"));
                Assert.Equal(3 + i, upstream.Count(Module, Version, "zip"));
                Assert.Equal(expected, await GetAsync(nodes[1 - i], "zip"));
                Assert.Equal(3 + i, upstream.Count(Module, Version, "zip"));
            }

            // The audit lines: at the gateway, and at the node that purged.
            await WaitForAsync(() => cluster.Gateway.RecentOutput.Contains("Purge (200) by user 'alice'", StringComparison.Ordinal), cluster.Diagnostics);
            await WaitForAsync(() => cluster.Nodes.Any(n => n.RecentOutput.Contains($"Purge by user 'alice'", StringComparison.Ordinal) && n.RecentOutput.Contains($"{Module}@{Version}", StringComparison.Ordinal)), cluster.Diagnostics);
            Assert.Contains("Admin call refused (403) user 'bob'", cluster.Gateway.RecentOutput, StringComparison.Ordinal);
            Assert.DoesNotContain(fixture.Admin.Token, cluster.Gateway.RecentOutput, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }
        }

        async Task<IReadOnlyList<string>> PurgeAsync(HttpClient client)
        {
            using var request = Delete($"admin/modules/{Module}/@v/{Version}", fixture.Admin.Token);
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {body}{Environment.NewLine}{cluster.Diagnostics()}");
            using var json = JsonDocument.Parse(body);
            var version = Assert.Single(json.RootElement.GetProperty("versions").EnumerateArray());
            Assert.Equal(Version, version.GetProperty("version").GetString());
            return [.. version.GetProperty("files").EnumerateArray().Select(f => f.GetString()!)];
        }

        async Task<byte[]> GetAsync(HttpClient client, string kind)
        {
            using var response = await client.GetAsync($"{Module}/@v/{Version}.{kind}");
            var body = await response.Content.ReadAsByteArrayAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{client.BaseAddress} {kind}: {response.StatusCode}{Environment.NewLine}{cluster.Diagnostics()}");
            return body;
        }
    }

    [Fact]
    public async Task RetentionPass_TakesTheClusterLease_AndTheReportIsReadThroughTheGatewayAndTheCommand()
    {
        var cluster = fixture.Cluster;
        var nodes = cluster.Nodes.Select(n => NodeClient(n)).ToArray();
        try
        {
            // Another runner holds the lease (as a node's pass would): no node runs a pass.
            await using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.Redis.ConnectionString);
            var db = redis.GetDatabase();
            const string lease = "modmesh:lock:retention/pass";
            Assert.True(await db.StringSetAsync(lease, "held-by-the-test", TimeSpan.FromMinutes(1), When.NotExists));
            foreach (var node in nodes)
            {
                using var held = await node.PostAsync("admin/retention/run?dryRun=true", null);
                Assert.Equal(HttpStatusCode.Conflict, held.StatusCode);
            }

            Assert.True(await db.KeyDeleteAsync(lease));

            // Both nodes asked at once: whoever ran, the passes never overlapped.
            var runs = await Task.WhenAll(nodes.Select(n => n.PostAsync("admin/retention/run?dryRun=true", null)));
            var passes = new List<(DateTimeOffset Start, DateTimeOffset End)>();
            foreach (var run in runs)
            {
                using (run)
                {
                    Assert.True(run.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, run.StatusCode.ToString());
                    if (run.StatusCode == HttpStatusCode.OK)
                    {
                        using var json = JsonDocument.Parse(await run.Content.ReadAsStringAsync());
                        Assert.True(json.RootElement.GetProperty("dryRun").GetBoolean());
                        passes.Add((json.RootElement.GetProperty("startedAt").GetDateTimeOffset(), json.RootElement.GetProperty("finishedAt").GetDateTimeOffset()));
                    }
                }
            }

            Assert.NotEmpty(passes);
            if (passes.Count == 2)
            {
                passes.Sort();
                Assert.True(passes[0].End <= passes[1].Start, $"two passes overlapped: {passes[0]} and {passes[1]}");
            }

            Assert.False(await db.KeyExistsAsync(lease), "a finished pass left its lease behind");

            // The report: admins only through the gateway, and the command prints it.
            using var gateway = new HttpClient { BaseAddress = cluster.Gateway.BaseAddress };
            using (var anonymous = await gateway.GetAsync("admin/retention/report"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            }

            var refused = await ModMeshCommandAsync("retention", "report", "--proxy", cluster.Gateway.Url, "--token", fixture.Reader.Token);
            Assert.True(refused.ExitCode == 4, refused.Text);
            var shown = await ModMeshCommandAsync("retention", "report", "--proxy", cluster.Gateway.Url, "--token", fixture.Admin.Token);
            Assert.True(shown.ExitCode == 0, shown.Text);
            Assert.Contains("DRY RUN", shown.Text, StringComparison.Ordinal);
            Assert.Contains("would remove 0 versions", shown.Text, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }
        }
    }

    private static HttpClient NodeClient(ServiceProcess node)
    {
        var client = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("ModMesh-Internal-Key", PurgeClusterFixture.InternalKey);
        return client;
    }

    private static HttpRequestMessage Delete(string path, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static async Task WaitForAsync(Func<bool> condition, Func<string> diagnostics)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), diagnostics());
            await Task.Delay(100);
        }
    }

    /// <summary>Runs the built modmesh command (Cli/ModMesh.Cli.dll).</summary>
    private async Task<(int ExitCode, string Text)> ModMeshCommandAsync(params string[] args)
    {
        var dll = ServiceProcess.Dll("Cli/ModMesh.Cli");
        Assert.True(File.Exists(dll), $"the modmesh command is not built: {dll}");
        var start = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment.Remove("MODMESH_TOKEN");
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var text = $"exit {process.ExitCode}{Environment.NewLine}{await stdout}{await stderr}";
        output.WriteLine($"modmesh {string.Join(' ', args.Select(a => a.StartsWith("mm_", StringComparison.Ordinal) ? "<token>" : a))}: {text}");
        return (process.ExitCode, text);
    }
}
