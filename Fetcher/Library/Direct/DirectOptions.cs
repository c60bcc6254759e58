namespace ModMesh.Fetcher.Direct;

/// <summary>
/// How the "direct" entry of the upstream chain runs the go command against version control. Bound from
/// "ModMesh:Direct" (a part of <see cref="Upstream.UpstreamOptions"/>); only used when the chain names "direct".
/// </summary>
public sealed class DirectOptions
{
    /// <summary>The go command: a name looked up on PATH or a full path. Default "go".</summary>
    public string GoBinary { get; set; } = "go";

    /// <summary>
    /// Where the go command's per-module work folders (GOPATH, GOMODCACHE, GOCACHE, HOME) are made; each is deleted
    /// after use. Must not lie inside a Go module. Default: $TMPDIR/modmesh-direct.
    /// </summary>
    public string WorkPath { get; set; } = "";

    /// <summary>
    /// A git config file given to git as its global config (GIT_CONFIG_GLOBAL): how operators give credentials
    /// (a credential helper, tokens in URLs), <c>url."…".insteadOf</c> rewrites and <c>core.sshCommand</c> for
    /// private repositories. Empty: git sees no global config (HOME is the work folder). Default: empty.
    /// </summary>
    public string GitConfig { get; set; } = "";

    /// <summary>
    /// GOVCS for the go command: which version control systems it may use, for private and public paths ("private"
    /// meaning the ModMesh:Private patterns). Default "private:git,public:git|hg": only git for private code (no svn,
    /// bzr or fossil client is ever started for it), and go's own public default otherwise.
    /// </summary>
    public string Vcs { get; set; } = "private:git,public:git|hg";

    /// <summary>GOINSECURE: module path patterns that may be fetched over plain HTTP (and without certificate checks). Default: none.</summary>
    public string Insecure { get; set; } = "";

    /// <summary>How long one go command may run before it is killed (the answer is then a timeout). Default 5 min.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The most go commands this process runs at once; further requests wait. Default 4.</summary>
    public int Concurrency { get; set; } = 4;

    /// <summary>
    /// How long a module's work folder (its git clone, downloaded files) is kept after its last request, so the
    /// .info, .mod and .zip requests of one fill share one clone. Zero deletes it at once. Default 30 s.
    /// </summary>
    public TimeSpan KeepWarm { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Module path prefixes and the repositories they live in, for git hosts the go command cannot discover (no
    /// <c>?go-get=1</c> answer: gitolite over SSH, a bare repository over HTTP, a local folder). A module path equal to a
    /// prefix or below it (<c>prefix/sub</c>, <c>prefix/v2</c>) is fetched from that repository, the prefix being its root.
    /// Bound from "ModMesh:Direct:Mappings:0:Prefix", "…:0:Repository". Default: none.
    /// </summary>
    public List<DirectMapping> Mappings { get; set; } = [];

    /// <summary>
    /// <see cref="Mappings"/> in one string, added to them: "prefix=repository;prefix=repository", e.g.
    /// "git.corp.example/team/repo=ssh://git@git.corp.example/team/repo.git;git.corp.example/tools=file:///srv/git/tools.git".
    /// Default: empty.
    /// </summary>
    public string MappingList { get; set; } = "";

    /// <summary>
    /// Credentials, each given only to its host: read from their secret files on every run and written into the go
    /// command's private (deleted) home folder, never into a command line or a log. Bound from
    /// "ModMesh:Direct:Credentials:0:Host", "…:Kind", "…:UserName", "…:SecretFile". Default: none.
    /// </summary>
    public List<DirectCredential> Credentials { get; set; } = [];

    /// <summary>
    /// An OpenSSH known_hosts file with the host keys of the SSH git hosts. Empty: a host key is accepted the first
    /// time it is seen in a run (StrictHostKeyChecking=accept-new into a throw-away file), which trusts the network.
    /// Default: empty.
    /// </summary>
    public string KnownHosts { get; set; } = "";

    /// <summary>
    /// GOPRIVATE-style patterns of the module paths "direct" fetches at all; "*" allows every path. Any other path is
    /// answered "not found" at once, without starting a go process, so a client cannot make this service contact an
    /// arbitrary (internal) host. Empty: the ModMesh:Private patterns plus the prefixes of <see cref="Mappings"/>.
    /// Default: empty.
    /// </summary>
    public string Patterns { get; set; } = "";

    /// <summary><see cref="Mappings"/> and the entries of <see cref="MappingList"/>.</summary>
    internal IReadOnlyList<DirectMapping> AllMappings =>
    [
        .. Mappings,
        .. MappingList.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(entry =>
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            return equals < 0
                ? new DirectMapping { Prefix = entry }
                : new DirectMapping { Prefix = entry[..equals].Trim(), Repository = entry[(equals + 1)..].Trim() };
        }),
    ];

    /// <summary>The work folder actually used.</summary>
    internal string EffectiveWorkPath => string.IsNullOrWhiteSpace(WorkPath)
        ? Path.Combine(Path.GetTempPath(), "modmesh-direct")
        : Path.GetFullPath(WorkPath);

    /// <summary>The full path of <paramref name="goBinary"/>: itself when it names a path, else the first match on PATH; null when missing.</summary>
    internal static string? LocateGo(string goBinary)
    {
        if (string.IsNullOrWhiteSpace(goBinary))
        {
            return null;
        }

        if (goBinary.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal) || goBinary.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(goBinary) ? Path.GetFullPath(goBinary) : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, goBinary);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
