using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.Protocol;
using ModMesh.ServiceDefaults.Internal;
using ModMesh.Storage.Modules;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Sumdb;

namespace ModMesh.CacheNode.Tests.Verify;

/// <summary>
/// <c>POST /admin/verify</c> on a real node whose upstream serves real zips and a real (test) checksum database: an
/// intact store is all ok; a zip corrupted in the store (one byte flipped, same length) is reported alone, and with
/// quarantine it leaves <c>modules/</c> for <c>quarantine/</c> and the next GET fills it again with the right h1; a
/// stored go.mod whose recorded h1 disagrees with the checksum database is reported; a version without a record is
/// said so; a private path is never looked up in the checksum database. Run against the folder store and against S3.
/// </summary>
public abstract class VerifyTests : IAsyncLifetime
{
    internal const string InternalKey = "v3Rify-internal-key-for-tests-0123456789abcdef";
    private const string ModuleA = "example.com/verify/a";
    private const string ModuleB = "example.com/verify/b";
    private const string Private = "git.corp.example/team/lib";

    private ScriptedUpstream _upstream = null!;
    private TestChecksumDatabase _database = null!;

    internal TestNode Node { get; private set; } = null!;

    internal ModuleStore Store => Node.Services.GetRequiredService<ModuleStore>();

    /// <summary>Backend settings of the node (the storage part).</summary>
    protected abstract Task<Dictionary<string, string?>> StorageSettingsAsync();

    /// <summary>Releases the backend.</summary>
    protected abstract Task DisposeStorageAsync();

    /// <summary>Flips one byte inside a stored blob, behind the node's back (its length stays).</summary>
    protected abstract Task FlipByteAsync(string key, int offset);

    public async Task InitializeAsync()
    {
        _upstream = await ScriptedUpstream.StartAsync();
        _database = new TestChecksumDatabase();
        _database.AttachTo(_upstream);
        foreach (var (module, versions) in new[] { (ModuleA, new[] { "v1.0.0", "v1.1.0" }), (ModuleB, new[] { "v1.0.0" }) })
        {
            var scripted = _upstream.AddModule(module, versions);
            foreach (var version in versions)
            {
                _database.Add(scripted.Version(version));
            }
        }

        var settings = await StorageSettingsAsync();
        settings[InternalCalls.ConfigurationKey] = InternalKey;
        settings["ModMesh:Private"] = "git.corp.example";
        settings["ModMesh:Sumdb"] = _database.VerifierKey;
        Node = await TestNode.StartAsync(_upstream, settings, storagePath: settings.GetValueOrDefault("ModMesh:Storage:Path"));
        Node.Client.DefaultRequestHeaders.Add(InternalCalls.HeaderName, InternalKey);

        foreach (var (module, version) in new[] { (ModuleA, "v1.0.0"), (ModuleA, "v1.1.0"), (ModuleB, "v1.0.0") })
        {
            await GetOkAsync(module, version, "mod");
            await GetOkAsync(module, version, "zip");
        }

        var privateZip = ScriptedVersion.BuildZip(Private, "v1.0.0", Encoding.UTF8.GetBytes($"module {Private}\n\ngo 1.19\n"));
        using var content = new ByteArrayContent(privateZip);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        using var published = await Node.Client.PutAsync($"{Private}/@v/v1.0.0.zip", content);
        Assert.Equal(HttpStatusCode.Created, published.StatusCode);
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await _upstream.DisposeAsync();
        _database.Dispose();
        await DisposeStorageAsync();
    }

    [Fact]
    public async Task IntactStore_EveryVersionOk_HashesAreTheDatabases_PrivateNeverLookedUp()
    {
        var run = await VerifyAsync("");

        Assert.Equal(
            [$"{ModuleA}@v1.0.0 ok", $"{ModuleA}@v1.1.0 ok", $"{ModuleB}@v1.0.0 ok", $"{Private}@v1.0.0 ok"],
            run.Versions.Select(v => $"{v.GetProperty("module").GetString()}@{v.GetProperty("version").GetString()} {v.GetProperty("status").GetString()}").Order(StringComparer.Ordinal));
        foreach (var (module, version) in new[] { (ModuleA, "v1.0.0"), (ModuleA, "v1.1.0"), (ModuleB, "v1.0.0") })
        {
            var line = Line(run, module, version);
            var scripted = _upstream.Module(module).Version(version);
            Assert.Equal(TestChecksumDatabase.HashZip(scripted.SmallZip!), line.GetProperty("zipHash").GetString());
            Assert.Equal(TestChecksumDatabase.HashGoMod(scripted.Mod), line.GetProperty("modHash").GetString());
        }

        Assert.Contains(Line(run, Private, "v1.0.0").GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("not compared with a checksum database", StringComparison.Ordinal));
        Assert.Equal(0, run.Summary.GetProperty("corrupt").GetInt32());
        Assert.Equal(4, run.Summary.GetProperty("ok").GetInt32());
        AssertPrivateNeverAsked();
    }

    [Fact]
    public async Task CorruptZip_ReportedAlone_QuarantineMovesIt_NextGetRefillsWithTheRightHash()
    {
        var key = ModuleStore.KeyOf(new ModuleVersionKey(ModuleA, "v1.1.0"), ModuleFile.Zip);
        await FlipByteAsync(key, await MiddleOfFirstEntryDataAsync(key));

        var report = await VerifyAsync("");

        var bad = Assert.Single(report.Versions, v => v.GetProperty("status").GetString() != "ok");
        Assert.Equal((ModuleA, "v1.1.0"), (bad.GetProperty("module").GetString(), bad.GetProperty("version").GetString()));
        Assert.Contains(bad.GetProperty("status").GetString(), new[] { "mismatch", "unreadable" });
        Assert.Equal(1, report.Summary.GetProperty("corrupt").GetInt32());
        Assert.Equal(0, report.Summary.GetProperty("quarantined").GetInt32());
        Assert.NotNull(await Store.SharedBlobs.StatAsync(key, default)); // reporting alone touches nothing

        var quarantined = await VerifyAsync($"?module={ModuleA}@v1.1.0&quarantine=true");

        var line = Assert.Single(quarantined.Versions);
        var movedTo = Assert.Single(line.GetProperty("quarantined").EnumerateArray().Select(e => e.GetString()!), k => k.EndsWith(key, StringComparison.Ordinal));
        Assert.StartsWith("quarantine/", movedTo, StringComparison.Ordinal);
        Assert.Null(await Store.SharedBlobs.StatAsync(key, default));
        Assert.NotNull(await Store.SharedBlobs.StatAsync(movedTo, default));
        Assert.NotNull(await Store.SharedBlobs.StatAsync(ModuleStore.KeyOf(new ModuleVersionKey(ModuleA, "v1.1.0"), ModuleFile.Mod), default)); // the good .mod stays

        var zipFetches = _upstream.RequestCount(ModuleA, "@v/v1.1.0.zip");
        using var refilled = await Node.Client.GetAsync($"{ModuleA}/@v/v1.1.0.zip");
        Assert.Equal(HttpStatusCode.OK, refilled.StatusCode);
        using var served = new MemoryStream(await refilled.Content.ReadAsByteArrayAsync());
        Assert.Equal(TestChecksumDatabase.HashZip(_upstream.Module(ModuleA).Version("v1.1.0").SmallZip!), DirHash.HashZip(served));
        Assert.Equal(zipFetches + 1, _upstream.RequestCount(ModuleA, "@v/v1.1.0.zip"));

        var after = await VerifyAsync("");
        Assert.All(after.Versions, v => Assert.Equal("ok", v.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task StoredGoModWhoseRecordDisagreesWithTheDatabase_IsReported_AndQuarantineRefillsIt()
    {
        // The .mod and its record agree with each other, not with the checksum database (nor with the zip's go.mod).
        var version = new ModuleVersionKey(ModuleB, "v1.0.0");
        var forged = Encoding.UTF8.GetBytes($"module {ModuleB}\n\ngo 1.21\n");
        using (var content = new MemoryStream(forged))
        {
            await Store.SharedBlobs.PutAsync(ModuleStore.KeyOf(version, ModuleFile.Mod), content, default);
        }

        await Store.RecordHashAsync(version, ModuleFile.Mod, DirHash.HashGoMod(forged), default);

        var report = await VerifyAsync($"?module={ModuleB}");

        var line = Assert.Single(report.Versions);
        Assert.Equal("mismatch", line.GetProperty("status").GetString());
        Assert.Equal(["mod-sumdb", "zip-gomod"], line.GetProperty("mismatches").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal));

        var quarantined = await VerifyAsync($"?module={ModuleB}@v1.0.0&quarantine=true");
        var movedTo = Assert.Single(Assert.Single(quarantined.Versions).GetProperty("quarantined").EnumerateArray()).GetString()!;
        Assert.EndsWith(ModuleStore.KeyOf(version, ModuleFile.Mod), movedTo, StringComparison.Ordinal);
        Assert.Null(await Store.SharedBlobs.StatAsync(ModuleStore.KeyOf(version, ModuleFile.Mod), default));
        Assert.NotNull(await Store.SharedBlobs.StatAsync(ModuleStore.KeyOf(version, ModuleFile.Zip), default)); // the zip was vouched for

        using var refilled = await Node.Client.GetAsync($"{ModuleB}/@v/v1.0.0.mod");
        Assert.Equal(_upstream.Module(ModuleB).Version("v1.0.0").Mod, await refilled.Content.ReadAsByteArrayAsync());
        var after = await VerifyAsync($"?module={ModuleB}");
        Assert.Equal("ok", Assert.Single(after.Versions).GetProperty("status").GetString());
    }

    [Fact]
    public async Task RecordThatDisagreesWithAVouchedFile_IsAMismatch_QuarantineRewritesTheRecordOnly()
    {
        var version = new ModuleVersionKey(ModuleA, "v1.0.0");
        await Store.RecordHashAsync(version, ModuleFile.Zip, "h1:" + Convert.ToBase64String(new byte[32]), default);
        var zipFetches = _upstream.RequestCount(ModuleA, "@v/v1.0.0.zip");

        var report = await VerifyAsync($"?module={ModuleA}@v1.0.0&quarantine=true");

        var line = Assert.Single(report.Versions);
        Assert.Equal("mismatch", line.GetProperty("status").GetString());
        Assert.Equal(["zip-record"], line.GetProperty("mismatches").EnumerateArray().Select(e => e.GetString()!));
        Assert.NotNull(await Store.SharedBlobs.StatAsync(ModuleStore.KeyOf(version, ModuleFile.Zip), default));
        Assert.Equal(line.GetProperty("zipHash").GetString(), await Store.ReadRecordedHashAsync(version, ModuleFile.Zip, default));
        Assert.Equal(zipFetches, _upstream.RequestCount(ModuleA, "@v/v1.0.0.zip"));
    }

    [Fact]
    public async Task VersionWithoutRecord_IsSaidSo_AndComparedWithTheDatabaseOnly()
    {
        var version = new ModuleVersionKey(ModuleA, "v1.0.0");
        Assert.True(await Store.SharedBlobs.DeleteAsync(ModuleStore.HashRecordKeyOf(version, ModuleFile.Zip), default));

        var report = await VerifyAsync($"?prefix={ModuleA}");

        Assert.Equal(2, report.Versions.Count);
        var line = Line(report, ModuleA, "v1.0.0");
        Assert.Equal("missing-record", line.GetProperty("status").GetString());
        Assert.Contains(line.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("compared with the checksum database only", StringComparison.Ordinal));
        Assert.Equal(0, report.Summary.GetProperty("corrupt").GetInt32());
    }

    [Fact]
    public async Task CorruptPrivateZip_IsFoundByItsRecord_NeverLookedUpInTheDatabase()
    {
        var key = ModuleStore.KeyOf(new ModuleVersionKey(Private, "v1.0.0"), ModuleFile.Zip);
        await FlipByteAsync(key, await MiddleOfFirstEntryDataAsync(key));

        var report = await VerifyAsync("?quarantine=true");

        var bad = Assert.Single(report.Versions, v => v.GetProperty("status").GetString() != "ok");
        Assert.Equal(Private, bad.GetProperty("module").GetString());
        Assert.Null(await Store.SharedBlobs.StatAsync(key, default));
        AssertPrivateNeverAsked();
    }

    [Theory]
    [InlineData("?module=not%20a%20path")]
    [InlineData("?module=example.com/verify/a@latest")]
    [InlineData("?quarantine=maybe")]
    public async Task BadSelection_Is400_NothingChecked(string query)
    {
        using var response = await Node.Client.PostAsync("admin/verify" + query, content: null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task WithoutTheInternalKey_Is403()
    {
        using var client = new HttpClient { BaseAddress = Node.BaseAddress };

        using var response = await client.PostAsync("admin/verify", content: null);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private void AssertPrivateNeverAsked() =>
        Assert.DoesNotContain(_upstream.RequestedPaths, p => p.Contains("corp.example", StringComparison.OrdinalIgnoreCase));

    private async Task GetOkAsync(string module, string version, string extension)
    {
        using var response = await Node.Client.GetAsync($"{ScriptedUpstream.Escape(module)}/@v/{version}.{extension}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{module}@{version}.{extension}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The offset of the middle of the first entry's (compressed) data: a flip there changes what the entry holds.</summary>
    private async Task<int> MiddleOfFirstEntryDataAsync(string key)
    {
        await using var reader = (await Store.SharedBlobs.OpenReadAsync(key, default))!;
        var header = new byte[30];
        await reader.Content.ReadExactlyAsync(header);
        var compressed = BitConverter.ToInt32(header, 18);
        var nameLength = BitConverter.ToUInt16(header, 26);
        var extraLength = BitConverter.ToUInt16(header, 28);
        Assert.True(compressed > 2, "the first entry has data");
        return 30 + nameLength + extraLength + compressed / 2;
    }

    private static JsonElement Line(Run run, string module, string version) =>
        Assert.Single(run.Versions, v => v.GetProperty("module").GetString() == module && v.GetProperty("version").GetString() == version);

    private async Task<Run> VerifyAsync(string query)
    {
        using var response = await Node.Client.PostAsync("admin/verify" + query, content: null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.StartsWith("application/x-ndjson", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var summary = lines[^1].GetProperty("summary");
        Assert.False(summary.TryGetProperty("error", out _), text);
        return new Run(lines[..^1], summary);
    }

    private sealed record Run(List<JsonElement> Versions, JsonElement Summary);
}

/// <summary><see cref="VerifyTests"/> with the folder store (the embedded default); the corruption is written on disk.</summary>
public sealed class FolderVerifyTests : VerifyTests
{
    private readonly string _folder = TempDirectory.CreateUnique("verify-folder");

    protected override Task<Dictionary<string, string?>> StorageSettingsAsync() =>
        Task.FromResult(new Dictionary<string, string?> { ["ModMesh:Storage:Path"] = _folder });

    protected override Task DisposeStorageAsync()
    {
        TempDirectory.Delete(_folder);
        return Task.CompletedTask;
    }

    protected override async Task FlipByteAsync(string key, int offset)
    {
        var path = Path.Combine([_folder, .. key.Split('/')]);
        await using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        var length = file.Length;
        file.Position = offset;
        var value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(value ^ 0xFF));
        Assert.Equal(length, file.Length);
    }
}
