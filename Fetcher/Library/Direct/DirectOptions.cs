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
