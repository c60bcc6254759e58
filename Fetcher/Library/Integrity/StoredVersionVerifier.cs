using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModMesh.Coordination;
using ModMesh.Fetcher.Filling;
using ModMesh.Fetcher.Upstream;
using ModMesh.Fetcher.Verification;
using ModMesh.Protocol;
using ModMesh.Storage;
using ModMesh.Storage.Modules;

namespace ModMesh.Fetcher.Integrity;

/// <summary>
/// Re-hashes stored versions (issue 12, <c>modmesh verify</c>): for each selected version it reads the .mod and the
/// zip from the shared store (not the node-local tier; the zip streamed, through a temp file when the store is remote,
/// never whole in memory), computes their h1, and compares them with the h1 recorded at commit time
/// (<see cref="ModuleStore.RecordHashAsync"/>) and, for public modules only, with the checksum database through the
/// node's verifier (authenticated lookups, kept in its cache; a private or no-sumdb path is never looked up, rule 6).
/// It also checks that the zip's go.mod equals the .mod. With quarantine, a corrupt file is moved out of
/// <c>modules/</c> under the file's fill lock, what nodes remember of it is dropped (a forget notice (<see cref="Forgetting.ForgetNotices"/>)),
/// and the next request fills it again from upstream. Every quarantine is written to the audit log.
/// Versions are checked one at a time: a run costs one version's reads at a time, however big the store.
/// </summary>
public sealed partial class StoredVersionVerifier
{
    private static readonly TimeSpan QuarantineLockTimeToLive = TimeSpan.FromMinutes(2);

    private readonly ModuleStore _store;
    private readonly IChecksumVerifier _checksums;
    private readonly ILockProvider _locks;
    private readonly INegativeCache _negative;
    private readonly IClusterNotices _notices;
    private readonly FillOptions _fill;
    private readonly TimeProvider _time;
    private readonly ILogger<StoredVersionVerifier> _logger;

    /// <summary>A verifier over the shared store and coordinator.</summary>
    public StoredVersionVerifier(
        ModuleStore store,
        IChecksumVerifier checksums,
        ILockProvider locks,
        INegativeCache negative,
        IClusterNotices notices,
        IOptions<FillOptions> fill,
        TimeProvider time,
        ILogger<StoredVersionVerifier> logger)
    {
        _store = store;
        _checksums = checksums;
        _locks = locks;
        _negative = negative;
        _notices = notices;
        _fill = fill.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Checks <paramref name="selection"/> and yields one verdict per stored version, in key order. With
    /// <paramref name="quarantine"/>, corrupt files are moved to <c>quarantine/{run time}/...</c>; <paramref name="actor"/>
    /// names who asked, for the audit log.
    /// </summary>
    /// <exception cref="ArgumentException">A module path or version of the selection is not valid.</exception>
    public async IAsyncEnumerable<VersionCheck> VerifyAsync(VerifySelection selection, bool quarantine, string actor, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selection);
        var scopes = ScopesOf(selection);
        var stamp = _time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture);
        foreach (var scope in scopes)
        {
            await foreach (var key in _store.ListVersionsAsync(scope.KeyPrefix, cancellationToken).ConfigureAwait(false))
            {
                if (!scope.Includes(key))
                {
                    continue;
                }

                yield return await VerifyOneAsync(key, quarantine ? stamp : null, actor, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static List<Scope> ScopesOf(VerifySelection selection)
    {
        if (selection.IsAll)
        {
            return [new Scope("", null, null)];
        }

        var scopes = new List<Scope>();
        foreach (var prefix in selection.Prefixes)
        {
            var escaped = Escape(prefix);
            scopes.Add(new Scope(escaped, escaped, null));
        }

        foreach (var module in selection.Modules)
        {
            scopes.Add(new Scope(Escape(module) + "/@v/", null, null));
        }

        foreach (var (module, version) in selection.Versions)
        {
            var path = Escape(module);
            if (!Semver.IsCanonical(version) || !CaseEncoding.TryEscapeVersion(version, out var escapedVersion, out _))
            {
                throw new ArgumentException($"\"{ClientText.Escape(version, 80)}\" is not a canonical semantic version", nameof(selection));
            }

            // The listing of "path/@v/v1.0.0" also returns "v1.0.0-pre..." and "v1.0.0+incompatible": filtered below.
            scopes.Add(new Scope($"{path}/@v/{escapedVersion}", null, escapedVersion));
        }

        return scopes;

        static string Escape(string module) =>
            ModulePath.IsValid(module, out var error) && CaseEncoding.TryEscapePath(module, out var escaped, out error)
                ? escaped
                : throw new ArgumentException($"\"{ClientText.Escape(module, 120)}\" is not a module path: {error}", nameof(selection));
    }

    private async Task<VersionCheck> VerifyOneAsync(ModuleVersionKey key, string? quarantineStamp, string actor, CancellationToken cancellationToken)
    {
        if (!CaseEncoding.TryUnescapePath(key.EscapedPath, out var path, out _) || !CaseEncoding.TryUnescapeVersion(key.EscapedVersion, out var version, out _) ||
            !FillRequest.TryCreate(path, version, ModuleFile.Zip, out var zipFill, out _))
        {
            // Not something a fill or a publish writes: reported, never touched.
            return new VersionCheck(key.EscapedPath, key.EscapedVersion, VersionStatus.Unreadable, [], ["the store key is not a valid module version; left as it is"], null, null, []);
        }

        var found = new Findings();
        var mod = await ReadModAsync(key, found, cancellationToken).ConfigureAwait(false);
        var zip = await ReadZipAsync(zipFill, found, cancellationToken).ConfigureAwait(false);
        var modHash = mod is null ? null : DirHash.HashGoMod(mod);

        await CompareWithRecordAsync(key, ModuleFile.Mod, mod is not null || found.ModUnreadable, modHash, VersionMismatch.ModRecord, found, cancellationToken).ConfigureAwait(false);
        await CompareWithRecordAsync(key, ModuleFile.Zip, zip.Present, zip.Hash, VersionMismatch.ZipRecord, found, cancellationToken).ConfigureAwait(false);
        if (_checksums.AppliesTo(path))
        {
            await CompareWithDatabaseAsync(path, version, modHash, null, VersionMismatch.ModChecksumDatabase, found, cancellationToken).ConfigureAwait(false);
            await CompareWithDatabaseAsync(path, version, null, zip.Hash, VersionMismatch.ZipChecksumDatabase, found, cancellationToken).ConfigureAwait(false);
        }
        else if (mod is not null || zip.Present)
        {
            found.Notes.Add("not compared with a checksum database (private or no-sumdb module, or verification is off)");
        }

        if (mod is not null && zip.GoMod is not null && !zip.GoMod.AsSpan().SequenceEqual(mod))
        {
            found.Mismatches.Add(VersionMismatch.ZipGoMod);
        }

        var quarantined = new List<string>();
        if (quarantineStamp is not null && (found.Mismatches.Count > 0 || found.ModUnreadable || found.ZipUnreadable))
        {
            await QuarantineAsync(zipFill, found, quarantineStamp, actor, quarantined, cancellationToken).ConfigureAwait(false);
        }

        return new VersionCheck(path, version, found.Status, found.Mismatches, found.Notes, zip.Hash, modHash, quarantined);
    }

    /// <summary>The stored go.mod, read from the shared store (bounded); null when none is stored or it is unreadable.</summary>
    private async Task<byte[]?> ReadModAsync(ModuleVersionKey key, Findings found, CancellationToken cancellationToken)
    {
        try
        {
            await using var reader = await _store.SharedBlobs.OpenReadAsync(ModuleStore.KeyOf(key, ModuleFile.Mod), cancellationToken).ConfigureAwait(false);
            if (reader is null)
            {
                return null;
            }

            var mod = await BoundedRead.ReadAllAsync(reader.Content, _fill.MaxModBytes, "the stored go.mod", cancellationToken).ConfigureAwait(false);
            if (mod.Length != reader.Properties.Length)
            {
                found.ModUnreadable = true;
                found.Notes.Add($".mod: {mod.Length} bytes read, the store says {reader.Properties.Length}");
                return null;
            }

            return mod;
        }
        catch (FillRejectedException ex)
        {
            found.ModUnreadable = true;
            found.Notes.Add($".mod: {ex.Message}");
            return null;
        }
        catch (IOException ex)
        {
            found.ModUnreadable = true;
            found.Notes.Add($".mod: reading it failed: {ex.Message}");
            return null;
        }
    }

    /// <summary>The stored zip's h1 and go.mod, read from the shared store through a seekable local copy.</summary>
    private async Task<ZipRead> ReadZipAsync(FillRequest request, Findings found, CancellationToken cancellationToken)
    {
        var limits = new ModuleZipLimits { MaxZipBytes = _fill.MaxZipBytes };
        try
        {
            await using var reader = await _store.SharedBlobs.OpenReadAsync(ModuleStore.KeyOf(request.Key, ModuleFile.Zip), cancellationToken).ConfigureAwait(false);
            if (reader is null)
            {
                return new ZipRead(false, null, null);
            }

            ModuleZipReport report;
            if (reader.LocalFilePath is { } local)
            {
                await using var file = new FileStream(local, FileMode.Open, FileAccess.Read, FileShare.Read, Spool.Buffer, FileOptions.RandomAccess);
                report = ModuleZip.Inspect(file, request.ModulePath, request.Version, limits);
            }
            else
            {
                await using var spool = Spool.Create(Spool.FolderOf(_fill));
                var limited = new LimitedReadStream(reader.Content, _fill.MaxZipBytes, "the stored zip");
                await limited.CopyToAsync(spool, Spool.Buffer, cancellationToken).ConfigureAwait(false);
                spool.Position = 0;
                report = ModuleZip.Inspect(spool, request.ModulePath, request.Version, limits);
            }

            if (report.Problem is not null)
            {
                found.ZipUnreadable = true;
                found.Notes.Add($".zip: not a valid module zip any more: {report.Problem}");
                return new ZipRead(true, null, null);
            }

            return new ZipRead(true, report.Hash, report.GoMod);
        }
        catch (FillRejectedException ex)
        {
            found.ZipUnreadable = true;
            found.Notes.Add($".zip: {ex.Message}");
            return new ZipRead(true, null, null);
        }
        catch (IOException ex)
        {
            found.ZipUnreadable = true;
            found.Notes.Add($".zip: reading it failed: {ex.Message}");
            return new ZipRead(true, null, null);
        }
    }

    private async Task CompareWithRecordAsync(ModuleVersionKey key, ModuleFile file, bool present, string? hash, string mismatch, Findings found, CancellationToken cancellationToken)
    {
        if (!present)
        {
            return;
        }

        var recorded = await _store.ReadRecordedHashAsync(key, file, cancellationToken).ConfigureAwait(false);
        var name = ModuleStore.Extension(file);
        if (recorded is null)
        {
            found.MissingRecord = true;
            found.Notes.Add($"{name}: no recorded h1 (committed before records were kept); compared with the checksum database only");
        }
        else if (hash is not null && !string.Equals(recorded, hash, StringComparison.Ordinal))
        {
            found.Mismatches.Add(mismatch);
            found.Notes.Add($"{name}: h1 now {hash}, recorded {recorded}");
        }
    }

    private async Task CompareWithDatabaseAsync(string path, string version, string? modHash, string? zipHash, string mismatch, Findings found, CancellationToken cancellationToken)
    {
        if (modHash is null && zipHash is null)
        {
            return;
        }

        var name = modHash is null ? ".zip" : ".mod";
        var verdict = await _checksums.VerifyAsync(path, version, modHash, zipHash, cancellationToken).ConfigureAwait(false);
        switch (verdict.Status)
        {
            case ChecksumStatus.Verified:
                found.DatabaseVerified(modHash, zipHash);
                break;
            case ChecksumStatus.Mismatch:
                found.Mismatches.Add(mismatch);
                found.Notes.Add($"{name}: {verdict.Message}");
                break;
            case ChecksumStatus.NotInDatabase:
                found.NotInDatabase = true;
                found.Notes.Add($"{name}: the checksum database does not know this version");
                break;
            case ChecksumStatus.Skipped:
                break;
            default:
                found.Notes.Add($"{name}: not compared with the checksum database now: {verdict.Message}");
                break;
        }
    }

    /// <summary>
    /// Moves the corrupt files of a version to quarantine, each under its fill lock. A file is corrupt when it is
    /// unreadable or disagrees with the checksum database, or with its record when the database did not vouch for it; a
    /// record that disagrees with a file the database vouches for is the corrupt one (moved, and written again). When
    /// only the zip's go.mod and the .mod disagree and nothing says which is right, both go.
    /// </summary>
    private async Task QuarantineAsync(FillRequest zipFill, Findings found, string stamp, string actor, List<string> quarantined, CancellationToken cancellationToken)
    {
        var modBad = found.ModUnreadable || found.Has(VersionMismatch.ModChecksumDatabase) || (found.Has(VersionMismatch.ModRecord) && !found.VerifiedMod);
        var zipBad = found.ZipUnreadable || found.Has(VersionMismatch.ZipChecksumDatabase) || (found.Has(VersionMismatch.ZipRecord) && !found.VerifiedZip);
        if (found.Has(VersionMismatch.ZipGoMod) && !modBad && !zipBad)
        {
            modBad = !found.VerifiedMod;
            zipBad = !found.VerifiedZip;
        }

        foreach (var (file, bad, recordOnly) in new[]
        {
            (ModuleFile.Mod, modBad, !modBad && found.Has(VersionMismatch.ModRecord)),
            (ModuleFile.Zip, zipBad, !zipBad && found.Has(VersionMismatch.ZipRecord)),
        })
        {
            if (!bad && !recordOnly)
            {
                continue;
            }

            var request = zipFill with { File = file };
            var reason = string.Join(", ", found.Mismatches.Concat(found.ModUnreadable && file == ModuleFile.Mod || found.ZipUnreadable && file == ModuleFile.Zip ? ["unreadable"] : []));
            await using var lease = await _locks.TryAcquireAsync(request.CoordinationKey, QuarantineLockTimeToLive, cancellationToken).ConfigureAwait(false);
            if (lease is null)
            {
                found.Notes.Add($"{request.What}: not quarantined: a fill of it holds the lock right now; run verify again");
                continue;
            }

            string? movedTo;
            if (recordOnly)
            {
                movedTo = await _store.QuarantineHashRecordAsync(request.Key, file, stamp, cancellationToken).ConfigureAwait(false);
                var hash = file == ModuleFile.Zip ? found.VerifiedZipHash : found.VerifiedModHash;
                if (hash is not null)
                {
                    await _store.RecordHashAsync(request.Key, file, hash, cancellationToken).ConfigureAwait(false);
                }

                found.Notes.Add($"{ModuleStore.Extension(file)}: the checksum database vouches for the file; its wrong record was quarantined and written again");
            }
            else
            {
                movedTo = await _store.QuarantineAsync(request.Key, file, stamp, cancellationToken).ConfigureAwait(false);
                await _negative.RemoveAsync(request.CoordinationKey, cancellationToken).ConfigureAwait(false);
                found.Notes.Add($"{ModuleStore.Extension(file)}: quarantined; the next request fills it again from upstream");
                try
                {
                    await _notices.PublishAsync(Forgetting.ForgetNotices.Format(request.Key), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    found.Notes.Add($"{ModuleStore.Extension(file)}: other nodes could not be told to forget it ({ex.GetType().Name}); they drop it when it leaves their memory");
                }
            }

            if (movedTo is not null)
            {
                quarantined.Add(movedTo);
                Log.Quarantined(_logger, actor, request.ModulePath, request.Version, ModuleStore.Extension(file), recordOnly ? "h1 record" : "file", movedTo, reason);
            }
        }
    }

    private readonly record struct ZipRead(bool Present, string? Hash, byte[]? GoMod);

    /// <summary>One listing prefix below "modules/", with the filter that keeps it exact.</summary>
    private readonly record struct Scope(string KeyPrefix, string? PathPrefix, string? ExactVersion)
    {
        public bool Includes(ModuleVersionKey key) =>
            (PathPrefix is null || key.EscapedPath == PathPrefix || key.EscapedPath.StartsWith(PathPrefix + "/", StringComparison.Ordinal)) &&
            (ExactVersion is null || key.EscapedVersion == ExactVersion);
    }

    private sealed class Findings
    {
        public List<string> Mismatches { get; } = [];

        public List<string> Notes { get; } = [];

        public bool ModUnreadable { get; set; }

        public bool ZipUnreadable { get; set; }

        public bool MissingRecord { get; set; }

        public bool NotInDatabase { get; set; }

        public bool VerifiedMod => VerifiedModHash is not null;

        public bool VerifiedZip => VerifiedZipHash is not null;

        /// <summary>The go.mod's h1 when the checksum database vouched for it.</summary>
        public string? VerifiedModHash { get; private set; }

        /// <summary>The zip's h1 when the checksum database vouched for it.</summary>
        public string? VerifiedZipHash { get; private set; }

        public VersionStatus Status =>
            ModUnreadable || ZipUnreadable ? VersionStatus.Unreadable
            : Mismatches.Count > 0 ? VersionStatus.Mismatch
            : MissingRecord ? VersionStatus.MissingRecord
            : NotInDatabase ? VersionStatus.NotInChecksumDatabase
            : VersionStatus.Ok;

        public bool Has(string mismatch) => Mismatches.Contains(mismatch);

        public void DatabaseVerified(string? modHash, string? zipHash)
        {
            VerifiedModHash ??= modHash;
            VerifiedZipHash ??= zipHash;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2791, Level = LogLevel.Warning, Message = "Quarantine by '{Actor}': the {What} of {ModulePath}@{Version}{File} moved to {QuarantineKey} ({Reason})")]
        public static partial void Quarantined(ILogger logger, string actor, string modulePath, string version, string file, string what, string quarantineKey, string reason);
    }
}
