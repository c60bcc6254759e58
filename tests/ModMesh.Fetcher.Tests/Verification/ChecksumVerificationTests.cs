using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ModMesh.Coordination;
using ModMesh.Fetcher.Verification;
using ModMesh.Protocol;
using ModMesh.TestSupport;
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

    private string LookupPath(string modulePath, string version) => $"/sumdb/{_database.Name}/lookup/{modulePath}@{version}";

    private static string GoModHash(ScriptedVersion version) => DirHash.HashGoMod(version.Mod);

    private static string ZipHash(ScriptedVersion version) => TestChecksumDatabase.HashZip(version.SmallZip!);

    [Fact]
    public async Task VerifyAsync_GoModOnlyMatches_VerifiedWithoutZip()
    {
        const string path = "example.com/modonly";
        var version = _upstream.AddModule(path, "v1.0.0").Version("v1.0.0");
        _database.Add(version);
        await using var host = await StartHostAsync();
        var verifier = host.Services.GetRequiredService<IChecksumVerifier>();

        var verdict = await verifier.VerifyAsync(path, "v1.0.0", GoModHash(version), null, Ct);

        Assert.Equal(ChecksumStatus.Verified, verdict.Status);
        Assert.Equal(0, _upstream.ModuleRequestCount(path));
    }

    [Fact]
    public async Task VerifyAsync_ZipOnlyMatches_Verified()
    {
        const string path = "example.com/ziponly";
        var version = _upstream.AddModule(path, "v1.0.0").Version("v1.0.0");
        _database.Add(version);
        await using var host = await StartHostAsync();
        var verifier = host.Services.GetRequiredService<IChecksumVerifier>();

        var verdict = await verifier.VerifyAsync(path, "v1.0.0", null, ZipHash(version), Ct);

        Assert.Equal(ChecksumStatus.Verified, verdict.Status);
    }

    [Fact]
    public async Task VerifyAsync_GoModOnlyMismatch_MismatchNamingGoMod()
    {
        const string path = "example.com/modonly-bad";
        var version = _upstream.AddModule(path, "v1.0.0").Version("v1.0.0");
        _database.Add(version);
        await using var host = await StartHostAsync();
        var verifier = host.Services.GetRequiredService<IChecksumVerifier>();

        var verdict = await verifier.VerifyAsync(path, "v1.0.0", DirHash.HashGoMod("module evil\n"u8), null, Ct);

        Assert.Equal(ChecksumStatus.Mismatch, verdict.Status);
        Assert.Contains("go.mod", verdict.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("zip:", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_ZipOnlyMismatch_MismatchNamingZip()
    {
        const string path = "example.com/ziponly-bad";
        var version = _upstream.AddModule(path, "v1.0.0").Version("v1.0.0");
        _database.Add(version);
        await using var host = await StartHostAsync();
        var verifier = host.Services.GetRequiredService<IChecksumVerifier>();

        var verdict = await verifier.VerifyAsync(path, "v1.0.0", null, GoModHash(version), Ct);

        Assert.Equal(ChecksumStatus.Mismatch, verdict.Status);
        Assert.Contains("zip:", verdict.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("go.mod:", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_GoModThenZipOfOneVersion_OneLookup()
    {
        const string path = "example.com/twofiles";
        var version = _upstream.AddModule(path, "v1.0.0").Version("v1.0.0");
        _database.Add(version);
        await using var host = await StartHostAsync();
        var verifier = host.Services.GetRequiredService<IChecksumVerifier>();

        var mod = await verifier.VerifyAsync(path, "v1.0.0", GoModHash(version), null, Ct);
        var zip = await verifier.VerifyAsync(path, "v1.0.0", null, ZipHash(version), Ct);
        var badZip = await verifier.VerifyAsync(path, "v1.0.0", null, "h1:" + Convert.ToBase64String(new byte[32]), Ct);

        Assert.Equal(ChecksumStatus.Verified, mod.Status);
        Assert.Equal(ChecksumStatus.Verified, zip.Status);
        Assert.Equal(ChecksumStatus.Mismatch, badZip.Status);
        Assert.Equal(1, _upstream.RequestCount(LookupPath(path, "v1.0.0")));
    }

    [Fact]
    public async Task VerifyAsync_NoHashGiven_Throws()
    {
        await using var host = await StartHostAsync();
        var verifier = host.Services.GetRequiredService<IChecksumVerifier>();

        await Assert.ThrowsAsync<ArgumentException>(() => verifier.VerifyAsync("example.com/none", "v1.0.0", null, null, Ct));
    }

    [Fact]
    public async Task VerifyAsync_Verified_TreeHeadKeptInStore()
    {
        const string path = "example.com/kept";
        var version = _upstream.AddModule(path, "v1.0.0").Version("v1.0.0");
        _database.Add(version);
        _database.AddFiller(4);
        await using var host = await StartHostAsync();
        var verifier = Assert.IsType<ChecksumDatabaseVerifier>(host.Services.GetRequiredService<IChecksumVerifier>());

        Assert.Equal(ChecksumStatus.Verified, (await verifier.VerifyAsync(path, "v1.0.0", GoModHash(version), null, Ct)).Status);

        var kept = await File.ReadAllBytesAsync(Path.Join(host.StoragePath, verifier.KeptHeadKey), Ct);
        Assert.Equal(_database.SignedTreeHead(), kept);
    }

    [Fact]
    public async Task VerifyLatestAsync_AfterRestartRolledBack_Refused()
    {
        var storage = TempDirectory.CreateUnique("sumdb-restart");
        try
        {
            const string path = "example.com/restart";
            _database.AddFiller(3);
            var version = _upstream.AddModule(path, "v1.0.0").Version("v1.0.0");
            _database.Add(version);
            _database.AddFiller(300);
            var settings = new Dictionary<string, string?> { ["ModMesh:Storage:Path"] = storage };
            await using (var first = await StartHostAsync(more: settings))
            {
                var verifier = first.Services.GetRequiredService<IChecksumVerifier>();
                Assert.Equal(ChecksumStatus.Verified, (await verifier.VerifyAsync(path, "v1.0.0", GoModHash(version), ZipHash(version), Ct)).Status);
            }

            // A new process over the same store, and an upstream that now serves an older tree head.
            await using var second = await StartHostAsync(more: settings);
            var answers = second.Services.GetRequiredService<ISumdbAnswerVerifier>();

            var rolledBack = await answers.VerifyLatestAsync(_database.SignedTreeHead(10), Ct);
            var current = await answers.VerifyLatestAsync(_database.SignedTreeHead(), Ct);

            Assert.Equal(SumdbAnswerStatus.Refused, rolledBack.Status);
            Assert.Contains("rolled back", rolledBack.Message, StringComparison.Ordinal);
            Assert.Equal(SumdbAnswerStatus.Verified, current.Status);
        }
        finally
        {
            TempDirectory.Delete(storage);
        }
    }

    [Fact]
    public async Task VerifyAsync_AfterRestartHistoryRewritten_RejectedAsSecurityError()
    {
        var storage = TempDirectory.CreateUnique("sumdb-fork");
        try
        {
            const string first = "example.com/fork-a";
            const string second = "example.com/fork-b";
            var a = _upstream.AddModule(first, "v1.0.0").Version("v1.0.0");
            _database.Add(a);
            _database.AddFiller(5);
            var settings = new Dictionary<string, string?> { ["ModMesh:Storage:Path"] = storage };
            await using (var before = await StartHostAsync(more: settings))
            {
                var verifier = before.Services.GetRequiredService<IChecksumVerifier>();
                Assert.Equal(ChecksumStatus.Verified, (await verifier.VerifyAsync(first, "v1.0.0", GoModHash(a), null, Ct)).Status);
            }

            // While no process ran, the database forked: the restarted one still knows the tree it verified.
            _database.RewriteHistory(2);
            var b = _upstream.AddModule(second, "v1.0.0").Version("v1.0.0");
            _database.Add(b);
            await using var after = await StartHostAsync(more: settings);
            var restarted = after.Services.GetRequiredService<IChecksumVerifier>();

            var verdict = await restarted.VerifyAsync(second, "v1.0.0", GoModHash(b), null, Ct);

            Assert.Equal(ChecksumStatus.Rejected, verdict.Status);
            Assert.Contains("SECURITY ERROR", verdict.Message, StringComparison.Ordinal);
        }
        finally
        {
            TempDirectory.Delete(storage);
        }
    }

    [Fact]
    public async Task VerifyAsync_StoreHoldsLargerHeadOfAnotherNode_ProvenAndAdopted()
    {
        var storage = TempDirectory.CreateUnique("sumdb-shared");
        try
        {
            const string path = "example.com/shared";
            var version = _upstream.AddModule(path, "v1.0.0").Version("v1.0.0");
            _database.Add(version);
            _database.AddFiller(20);
            var settings = new Dictionary<string, string?> { ["ModMesh:Storage:Path"] = storage };
            await using var mine = await StartHostAsync(more: settings);
            await using var other = await StartHostAsync(more: settings);
            var myVerifier = Assert.IsType<ChecksumDatabaseVerifier>(mine.Services.GetRequiredService<IChecksumVerifier>());
            Assert.Equal(ChecksumStatus.Verified, (await myVerifier.VerifyAsync(path, "v1.0.0", GoModHash(version), null, Ct)).Status);

            // The other node sees a larger tree and keeps it; then this node's next advance finds it in the store.
            _database.AddFiller(300);
            var answers = other.Services.GetRequiredService<ISumdbAnswerVerifier>();
            Assert.Equal(SumdbAnswerStatus.Verified, (await answers.VerifyLatestAsync(_database.SignedTreeHead(), Ct)).Status);
            var otherSize = _database.Size;

            // This node advances to a tree between the two: the store's larger head is proven consistent and adopted.
            Assert.Equal(SumdbAnswerStatus.Verified, (await myVerifier.VerifyLatestAsync(_database.SignedTreeHead(otherSize - 100), Ct)).Status);

            Assert.Equal(otherSize, myVerifier.Latest!.Size);
        }
        finally
        {
            TempDirectory.Delete(storage);
        }
    }
}
