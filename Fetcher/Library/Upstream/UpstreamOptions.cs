using System.ComponentModel.DataAnnotations;
using ModMesh.Fetcher.Direct;
using ModMesh.Protocol;

namespace ModMesh.Fetcher.Upstream;

/// <summary>Where modules come from. Bound from the "ModMesh" configuration section.</summary>
public sealed class UpstreamOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "ModMesh";

    /// <summary>
    /// The upstream chain, written like GOPROXY: entries separated by ',' (next entry only after 404/410) or '|'
    /// (next entry after any error); "direct" and "off" keywords. Default: https://proxy.golang.org.
    /// </summary>
    [Required]
    public string Upstream { get; set; } = "https://proxy.golang.org";

    /// <summary>
    /// GOPRIVATE-style patterns of private modules: never requested from a URL (public) upstream, never looked up in
    /// a public checksum database. Default: none.
    /// </summary>
    public string Private { get; set; } = "";

    /// <summary>
    /// Match <see cref="Private"/> and <see cref="NoSumdb"/> with letter case as written (go's own rule). Default
    /// false: case-insensitive, so <c>example.com/Priv/x</c> is private when <c>example.com/priv</c> is, and never goes
    /// to a public upstream or checksum database.
    /// </summary>
    public bool CaseSensitivePatterns { get; set; }

    /// <summary>
    /// GONOSUMDB-style patterns: modules whose checksums are never looked up in a public checksum database
    /// (private modules are never looked up either). Default: none.
    /// </summary>
    public string NoSumdb { get; set; } = "";

    /// <summary>
    /// The checksum database that public module content is verified against before it is committed, written like
    /// GOSUMDB: "off" (or empty) = no verification; "sum.golang.org" = Go's public database with its well-known key;
    /// or a verifier key "name+hash+base64key" of another (e.g. a private) database. The database is reached through
    /// the upstream chain's checksum-database proxy ("{upstream}/sumdb/{name}/..."). Modules matching
    /// <see cref="Private"/> or <see cref="NoSumdb"/> are never looked up. Default: "sum.golang.org", as for the go command.
    /// </summary>
    public string Sumdb { get; set; } = "sum.golang.org";

    /// <summary>How long an upstream may take to start answering (status and headers). Default 30 s.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a body read may stall (no byte arriving) before the transfer is abandoned. Default 60 s.</summary>
    public TimeSpan IdleReadTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The slowest average transfer rate accepted for an upstream body, in bytes per second, once
    /// <see cref="TransferRateGrace"/> has passed; 0 turns the check off. Default 4 KiB/s.
    /// </summary>
    public long MinTransferBytesPerSecond { get; set; } = 4096;

    /// <summary>How long a transfer may run before <see cref="MinTransferBytesPerSecond"/> applies. Default 10 s.</summary>
    public TimeSpan TransferRateGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many redirects an upstream answer may go through (http and https only). Default 3; 0 follows none.</summary>
    public int MaxRedirects { get; set; } = 3;

    /// <summary>
    /// Comma-separated host names (host or host:port) an upstream may redirect to besides its own host, e.g. the CDN
    /// that serves its zips. Default: none (same host only).
    /// </summary>
    public string RedirectHosts { get; set; } = "";

    /// <summary>
    /// How the "direct" entry of <see cref="Upstream"/> runs the go command against version control
    /// ("ModMesh:Direct:GoBinary", "WorkPath", "GitConfig", "Timeout", "Concurrency", "KeepWarm", "Mappings", "MappingList",
    /// "Credentials", "KnownHosts", "Patterns", "Vcs", "Insecure").
    /// </summary>
    public DirectOptions Direct { get; set; } = new();

    /// <summary>The entries of <see cref="RedirectHosts"/>, trimmed, lower case.</summary>
    internal IReadOnlyList<string> RedirectHostList =>
        RedirectHosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(h => h.ToLowerInvariant()).ToArray();

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!ProxyList.TryParse(Upstream, out var entries, out var error))
        {
            yield return new ValidationResult($"ModMesh:Upstream is not a valid GOPROXY list: {error}", [nameof(Upstream)]);
        }
        else if (entries.Any(e => e.Kind == ProxyEntryKind.Direct))
        {
            foreach (var problem in ValidateDirect())
            {
                yield return problem;
            }
        }

        if (!Protocol.Sumdb.SumdbSetting.TryParse(Sumdb, out _, out var sumdbError))
        {
            yield return new ValidationResult($"ModMesh:Sumdb: {sumdbError}", [nameof(Sumdb)]);
        }

        if (ResponseTimeout <= TimeSpan.Zero || IdleReadTimeout <= TimeSpan.Zero || TransferRateGrace < TimeSpan.Zero)
        {
            yield return new ValidationResult("ModMesh upstream timeouts must be positive.", [nameof(ResponseTimeout), nameof(IdleReadTimeout), nameof(TransferRateGrace)]);
        }

        if (MinTransferBytesPerSecond < 0 || MaxRedirects is < 0 or > 10)
        {
            yield return new ValidationResult("ModMesh:MinTransferBytesPerSecond must not be negative and ModMesh:MaxRedirects must be 0-10.", [nameof(MinTransferBytesPerSecond), nameof(MaxRedirects)]);
        }

        foreach (var host in RedirectHostList)
        {
            if (Uri.CheckHostName(host.Split(':')[0]) == UriHostNameType.Unknown)
            {
                yield return new ValidationResult($"ModMesh:RedirectHosts: \"{host}\" is not a host name.", [nameof(RedirectHosts)]);
            }
        }
    }

    private IEnumerable<ValidationResult> ValidateDirect()
    {
        if (DirectOptions.LocateGo(Direct.GoBinary) is null)
        {
            yield return new ValidationResult(
                $"ModMesh:Upstream names \"direct\", and direct needs the go command, which was not found (\"{Direct.GoBinary}\"): " +
                "apt-get install golang-go, or set ModMesh:Direct:GoBinary",
                [nameof(Direct)]);
        }

        if (!string.IsNullOrWhiteSpace(Direct.GitConfig) && !File.Exists(Direct.GitConfig))
        {
            yield return new ValidationResult($"ModMesh:Direct:GitConfig names a file that does not exist: {Direct.GitConfig}", [nameof(Direct)]);
        }

        if (Direct.Timeout <= TimeSpan.Zero || Direct.KeepWarm < TimeSpan.Zero || Direct.Concurrency is < 1 or > 256)
        {
            yield return new ValidationResult("ModMesh:Direct: Timeout must be positive, KeepWarm zero or more, Concurrency 1-256.", [nameof(Direct)]);
        }

        foreach (var problem in Direct.AllMappings.Select(m => m.Problem()).OfType<string>())
        {
            yield return new ValidationResult($"ModMesh:Direct:Mappings: {problem}", [nameof(Direct)]);
        }

        foreach (var duplicate in Direct.AllMappings.GroupBy(m => m.NormalizedPrefix, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            yield return new ValidationResult($"ModMesh:Direct:Mappings: the prefix \"{duplicate.Key}\" is mapped more than once", [nameof(Direct)]);
        }

        foreach (var problem in Direct.Credentials.Select(c => c.Problem()).OfType<string>())
        {
            yield return new ValidationResult($"ModMesh:Direct:Credentials: {problem}", [nameof(Direct)]);
        }

        foreach (var duplicate in Direct.Credentials.GroupBy(c => (c.Host.Trim().ToLowerInvariant(), c.NormalizedKind == DirectCredential.SshKeyKind)).Where(g => g.Count() > 1))
        {
            yield return new ValidationResult($"ModMesh:Direct:Credentials: {duplicate.Key.Item1} has more than one {(duplicate.Key.Item2 ? "ssh" : "https")} credential", [nameof(Direct)]);
        }

        if (!string.IsNullOrWhiteSpace(Direct.KnownHosts) && !File.Exists(Direct.KnownHosts))
        {
            yield return new ValidationResult($"ModMesh:Direct:KnownHosts names a file that does not exist: {Direct.KnownHosts}", [nameof(Direct)]);
        }
    }
}
