using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ModMesh.Coordination;
using ModMesh.Fetcher.Verification;
using ModMesh.Storage.Modules;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Sumdb;

namespace ModMesh.Fetcher.Tests.Verification;

/// <summary>
/// Rule 7: public content is checked against the checksum database before it is committed. One
/// <see cref="ScriptedUpstream"/> is both the module proxy and the checksum-database proxy (same base URL), the
/// database itself a <see cref="TestChecksumDatabase"/> with its own key.
/// </summary>
public sealed class ChecksumVerificationTests : IAsyncLifetime
{
    private ScriptedUpstream _upstream = null!;
    private TestChecksumDatabase _database = null!;

    /// <summary>A bound on every call, so a hang fails instead of stalling the run.</summary>
    private CancellationToken Ct { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    public async Task InitializeAsync()
    {
        _upstream = await ScriptedUpstream.StartAsync();
        _database = new TestChecksumDatabase();
        _database.AttachTo(_upstream);
    }

    public async Task DisposeAsync()
    {
        await _upstream.DisposeAsync();
        _database.Dispose();
    }

    private Task<FillHost> StartHostAsync(string? sumdb = null, Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ModMesh:Fill:Mode"] = "Local",
            ["ModMesh:Sumdb"] = sumdb ?? _database.VerifierKey,
        };
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }

        return FillHost.StartAsync(_upstream, settings, withConsumer: false);
    }

    private int SumdbRequests(string modulePath) => _upstream.TotalRequests - _upstream.ModuleRequestCount(modulePath);

    private static async Task AssertNothingCommittedAsync(FillHost host, string path, string version)
    {
        Assert.False(await host.Store.IsCommittedAsync(FillHost.Request(path, version).Key, ModuleFile.Zip, CancellationToken.None));
        Assert.False(File.Exists(host.BlobFile(path, version, ModuleFile.Zip)));
        Assert.False(File.Exists(host.BlobFile(path, version, ModuleFile.Mod)));
    }

    [Fact]
    public async Task Fill_HashesMatchDatabase_Filled()
    {
        const string path = "example.com/good";
        _database.AddFiller(3);
        _database.Add(_upstream.AddModule(path, "v1.0.0").Version("v1.0.0"));
        _database.AddFiller(2);
        await using var host = await StartHostAsync();

        var outcome = await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0"), Ct);

        Assert.Equal(OutcomeKind.Ok, outcome.Kind);
        Assert.True(await host.Store.IsCommittedAsync(FillHost.Request(path, "v1.0.0").Key, ModuleFile.Zip, Ct));
        Assert.Equal(1, _upstream.RequestCount($"/sumdb/{_database.Name}/lookup/{path}@v1.0.0"));
        var verifier = Assert.IsType<ChecksumDatabaseVerifier>(host.Services.GetRequiredService<IChecksumVerifier>());
        Assert.Equal(_database.Size, verifier.Latest!.Size);
    }

    [Fact]
    public async Task Fill_ZipTamperedAfterRecordAdded_FailedAndNothingCommitted()
    {
        const string path = "example.com/tampered-zip";
        var version = _upstream.AddModule(path, "v1.0.0").Version("v1.0.0");
        _database.Add(version);
        version.SmallZip = ScriptedVersion.BuildZip(path, "v1.0.0", version.Mod, "// injected\n");
        await using var host = await StartHostAsync();

        var outcome = await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0"), Ct);

        Assert.Equal(OutcomeKind.Rejected, outcome.Kind);
        Assert.Contains("checksum mismatch", outcome.Message, StringComparison.Ordinal);
        Assert.Contains("zip", outcome.Message, StringComparison.Ordinal);
        await AssertNothingCommittedAsync(host, path, "v1.0.0");
    }

    [Fact]
    public async Task Fill_GoModTampered_FailedAndNothingCommitted()
    {
        const string path = "example.com/tampered-mod";
        var version = _upstream.AddModule(path, "v1.0.0").Version("v1.0.0");
        _database.Add(version);
        version.Mod = Encoding.UTF8.GetBytes($"module {path}\n\ngo 1.19\n\nrequire evil.example.com v1.0.0\n");
        await using var host = await StartHostAsync();

        var outcome = await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0", ModuleFile.Mod), Ct);

        Assert.Equal(OutcomeKind.Rejected, outcome.Kind);
        Assert.Contains("checksum mismatch", outcome.Message, StringComparison.Ordinal);
        Assert.Contains("go.mod", outcome.Message, StringComparison.Ordinal);
        await AssertNothingCommittedAsync(host, path, "v1.0.0");
    }

    [Fact]
    public async Task Fill_ModuleNotInDatabase_FailedAndNothingCommitted()
    {
        const string path = "example.com/unknown";
        _upstream.AddModule(path, "v1.0.0");
        _database.AddFiller(1);
        await using var host = await StartHostAsync();

        var outcome = await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0"), Ct);

        Assert.Equal(OutcomeKind.Rejected, outcome.Kind);
        Assert.Contains("not in the checksum database", outcome.Message, StringComparison.Ordinal);
        await AssertNothingCommittedAsync(host, path, "v1.0.0");
    }

    [Fact]
    public async Task Fill_PrivateModule_NoSumdbRequest()
    {
        const string path = "corp.example.com/private";
        _upstream.AddModule(path, "v1.0.0");
        await using var host = await StartHostAsync(more: new() { ["ModMesh:Private"] = "corp.example.com" });

        // A private module is not asked of a URL upstream either (rule 6): with no private source configured here it
        // is not found, and nothing about it, checksum database included, leaves the process.
        var outcome = await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0"), Ct);

        Assert.Equal(OutcomeKind.NotFound, outcome.Kind);
        Assert.Equal(0, _upstream.TotalRequests);
    }

    [Fact]
    public async Task Fill_NoSumdbModule_FilledWithoutAnySumdbRequest()
    {
        const string path = "nosum.example.com/lib";
        _upstream.AddModule(path, "v1.0.0");
        await using var host = await StartHostAsync(more: new() { ["ModMesh:NoSumdb"] = "nosum.example.com" });

        var outcome = await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0"), Ct);

        Assert.Equal(OutcomeKind.Ok, outcome.Kind);
        Assert.Equal(0, SumdbRequests(path));
    }

    [Fact]
    public async Task Fill_DatabaseSignatureBad_FailedAndNothingCommitted()
    {
        const string path = "example.com/badsig";
        _database.Add(_upstream.AddModule(path, "v1.0.0").Version("v1.0.0"));
        _database.CorruptSignatures = true;
        _database.Republish();
        await using var host = await StartHostAsync();

        var outcome = await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0"), Ct);

        Assert.Equal(OutcomeKind.Rejected, outcome.Kind);
        Assert.Contains("does not verify", outcome.Message, StringComparison.Ordinal);
        await AssertNothingCommittedAsync(host, path, "v1.0.0");
    }

    [Fact]
    public async Task Fill_OtherDatabasesKey_FailedAndNothingCommitted()
    {
        const string path = "example.com/otherkey";
        _database.Add(_upstream.AddModule(path, "v1.0.0").Version("v1.0.0"));
        using var impostor = new TestChecksumDatabase(_database.Name);
        await using var host = await StartHostAsync(impostor.VerifierKey);

        var outcome = await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0"), Ct);

        Assert.Equal(OutcomeKind.Rejected, outcome.Kind);
        await AssertNothingCommittedAsync(host, path, "v1.0.0");
    }

    [Fact]
    public async Task Fill_SumdbOff_NoSumdbRequests()
    {
        const string path = "example.com/off";
        _upstream.AddModule(path, "v1.0.0");
        await using var host = await StartHostAsync("off");

        var outcome = await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0"), Ct);

        Assert.Equal(OutcomeKind.Ok, outcome.Kind);
        Assert.Equal(0, SumdbRequests(path));
    }

    [Fact]
    public async Task Fill_SumdbNotConfigured_VerifiesAgainstSumGolangOrgLikeTheGoCommand()
    {
        const string path = "example.com/default";
        _upstream.AddModule(path, "v1.0.0");
        await using var host = await FillHost.StartAsync(_upstream, new Dictionary<string, string?> { ["ModMesh:Fill:Mode"] = "Local", ["ModMesh:Sumdb"] = null }, withConsumer: false);

        var outcome = await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0"), Ct);

        // The scripted upstream does not proxy sum.golang.org: unverifiable public content is never committed.
        Assert.Equal(OutcomeKind.Rejected, outcome.Kind);
        Assert.True(_upstream.RequestCount($"/sumdb/sum.golang.org/lookup/{path}@v1.0.0") > 0);
        await AssertNothingCommittedAsync(host, path, "v1.0.0");
    }

    [Fact]
    public async Task Fill_DatabaseUnreachable_FailedRetryableNothingCommitted()
    {
        const string path = "example.com/unreachable";
        _database.Add(_upstream.AddModule(path, "v1.0.0").Version("v1.0.0"));
        _upstream.InjectFault($"/sumdb/{_database.Name}/lookup/{path}@v1.0.0", UpstreamFault.Status(502));
        await using var host = await StartHostAsync();

        var outcome = await host.Filler.EnsureFilledAsync(FillHost.Request(path, "v1.0.0"), Ct);

        Assert.Equal(OutcomeKind.UpstreamFailed, outcome.Kind);
        Assert.Contains("could not be reached", outcome.Message, StringComparison.Ordinal);
        Assert.Contains("retry", outcome.Message, StringComparison.Ordinal);
        await AssertNothingCommittedAsync(host, path, "v1.0.0");
    }

    [Fact]
    public async Task Fill_TreeGrowsPastTiles_ConsistencyProvedAndBothFilled()
    {
        const string first = "example.com/first";
        const string second = "example.com/second";
        _database.AddFiller(5);
        _database.Add(_upstream.AddModule(first, "v1.0.0").Version("v1.0.0"));
        await using var host = await StartHostAsync();
        Assert.Equal(OutcomeKind.Ok, (await host.Filler.EnsureFilledAsync(FillHost.Request(first, "v1.0.0"), Ct)).Kind);

        _database.AddFiller(600); // past two complete tiles of height 8: level-1 tiles come into play
        _database.Add(_upstream.AddModule(second, "v1.0.0").Version("v1.0.0"));
        var outcome = await host.Filler.EnsureFilledAsync(FillHost.Request(second, "v1.0.0"), Ct);

        Assert.Equal(OutcomeKind.Ok, outcome.Kind);
        var verifier = Assert.IsType<ChecksumDatabaseVerifier>(host.Services.GetRequiredService<IChecksumVerifier>());
        Assert.Equal(_database.Size, verifier.Latest!.Size);
    }

    [Fact]
    public async Task Fill_DatabaseRewritesHistory_FailedAsSecurityError()
    {
        const string first = "example.com/before-fork";
        const string second = "example.com/after-fork";
        _database.Add(_upstream.AddModule(first, "v1.0.0").Version("v1.0.0"));
        _database.AddFiller(3);
        await using var host = await StartHostAsync();
        Assert.Equal(OutcomeKind.Ok, (await host.Filler.EnsureFilledAsync(FillHost.Request(first, "v1.0.0"), Ct)).Kind);

        // The same key now signs another history: the new tree does not extend the one seen before.
        _database.RewriteHistory(1);
        _database.Add(_upstream.AddModule(second, "v1.0.0").Version("v1.0.0"));
        var outcome = await host.Filler.EnsureFilledAsync(FillHost.Request(second, "v1.0.0"), Ct);

        Assert.Equal(OutcomeKind.Rejected, outcome.Kind);
        Assert.Contains("SECURITY ERROR", outcome.Message, StringComparison.Ordinal);
        await AssertNothingCommittedAsync(host, second, "v1.0.0");
    }

    [Fact]
    public async Task Verify_PrivateModule_SkippedWithoutAnyRequest()
    {
        await using var host = await StartHostAsync(more: new() { ["ModMesh:Private"] = "corp.example.com" });
        var verifier = host.Services.GetRequiredService<IChecksumVerifier>();

        var verdict = await verifier.VerifyAsync("corp.example.com/private", "v1.0.0", "h1:y", "h1:x", Ct);

        Assert.False(verifier.AppliesTo("corp.example.com/private"));
        Assert.Equal(ChecksumStatus.Skipped, verdict.Status);
        Assert.Equal(0, _upstream.TotalRequests);
    }

    [Fact]
    public async Task Fill_SecondModuleInSameTree_TilesServedFromCache()
    {
        const string first = "example.com/cached-a";
        const string second = "example.com/cached-b";
        _database.Add(_upstream.AddModule(first, "v1.0.0").Version("v1.0.0"));
        _database.AddFiller(300);
        _database.Add(_upstream.AddModule(second, "v1.0.0").Version("v1.0.0"));
        await using var host = await StartHostAsync();
        var tilePaths = _database.Files().Select(f => f.Path).Where(p => p.Contains("/tile/", StringComparison.Ordinal)).ToList();

        Assert.Equal(OutcomeKind.Ok, (await host.Filler.EnsureFilledAsync(FillHost.Request(first, "v1.0.0"), Ct)).Kind);
        var tilesAfterFirst = tilePaths.Sum(_upstream.RequestCount);
        Assert.Equal(OutcomeKind.Ok, (await host.Filler.EnsureFilledAsync(FillHost.Request(second, "v1.0.0"), Ct)).Kind);

        Assert.True(tilesAfterFirst > 0);
        Assert.Equal(tilesAfterFirst, tilePaths.Sum(_upstream.RequestCount));
    }
}
