using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ModMesh.TestSupport.Go;

/// <summary>A module of the corpus with the go versions its repository was tagged with.</summary>
/// <param name="Path">Module path.</param>
/// <param name="RepoRoot">Repository root (what the gitconfig rewrites).</param>
/// <param name="DebianPackage">Source package, or null for synthetic content.</param>
/// <param name="Versions">Go versions in semver order (with +incompatible where it applies).</param>
/// <param name="MainVersion">The version the corpus main module requires.</param>
public sealed record CorpusModule(string Path, string RepoRoot, string? DebianPackage, IReadOnlyList<string> Versions, string MainVersion)
{
    /// <summary>The newest release (non-pre-release) version: what @latest must answer.</summary>
    public string LatestRelease => Versions.Where(v => !GoCorpus.IsPrerelease(v)).Last();
}

/// <summary>One module version (as go writes it: "path@version").</summary>
public sealed record ModuleVersion(string Path, string Version)
{
    public override string ToString() => $"{Path}@{Version}";
}

/// <summary>
/// A realistic module corpus for the real go client, built once per machine state and shared by every test class
/// (and test process) of the run: 30+ Debian golang-*-dev source trees turned into local git repositories with
/// tags, then downloaded by the real go command in direct mode (git insteadOf rewrites to file://), so that go
/// itself writes .info/.mod/.zip/list under $GOMODCACHE/cache/download — that folder is a GOPROXY tree
/// (<see cref="ProxyTree"/>) a <see cref="StaticGoProxyServer"/> serves as ModMesh's upstream.
/// </summary>
/// <remarks>
/// The Debian sources' go.mod files require versions the corpus does not have, so each is rewritten to its
/// module and go lines plus its requirements on other corpus modules, pinned to their main versions: the graph
/// among corpus modules stays real (testify → objx, spew, difflib, yaml.v3; logrus → x/sys; cobra → pflag…).
/// The cache key covers the spec, the go version and the Debian file lists; MODMESH_GOCORPUS_REBUILD=1 forces a build.
/// </remarks>
public sealed class GoCorpus
{
    /// <summary>Where Debian's golang-*-dev packages put their sources.</summary>
    public const string SourceRoot = "/usr/share/gocode/src";

    /// <summary>The module path of the corpus main module.</summary>
    public const string MainModulePath = "example.com/corpus/main";

    private static readonly Lazy<Task<GoCorpus>> Shared = new(() => Task.Run(() => LoadOrBuildAsync(CancellationToken.None)), LazyThreadSafetyMode.ExecutionAndPublication);

    private GoCorpus(string root, Manifest manifest, TimeSpan buildTime, bool reused)
    {
        Root = root;
        Modules = manifest.Modules;
        BuildTime = buildTime;
        Reused = reused;
        GitInsteadOf = Modules.ToDictionary(m => "https://" + m.RepoRoot, m => "file://" + RepoDir(root, m.RepoRoot));
    }

    /// <summary>The corpus folder.</summary>
    public string Root { get; }

    /// <summary>The GOPROXY tree: serve it as an upstream (or use GOPROXY=file://…).</summary>
    public string ProxyTree => Path.Combine(Root, "build", "gopath", "pkg", "mod", "cache", "download");

    /// <summary>The local git repositories, one per repository root.</summary>
    public string GitRoot => Path.Combine(Root, "git");

    /// <summary>The main module folder (go.mod requiring every corpus module). Read-only by convention: use <see cref="CopyMainModule"/>.</summary>
    public string MainModuleDir => Path.Combine(Root, "main");

    public IReadOnlyList<CorpusModule> Modules { get; }

    /// <summary>Every version in the proxy tree.</summary>
    public IReadOnlyList<ModuleVersion> ModuleVersions => Modules.SelectMany(m => m.Versions.Select(v => new ModuleVersion(m.Path, v))).ToList();

    /// <summary>The versions the main module requires.</summary>
    public IReadOnlyList<ModuleVersion> MainVersions => Modules.Select(m => new ModuleVersion(m.Path, m.MainVersion)).ToList();

    /// <summary>git insteadOf rewrites ("https://repo/root" → "file:///…") for direct-mode tests.</summary>
    public IReadOnlyDictionary<string, string> GitInsteadOf { get; }

    /// <summary>How long this process spent building (zero when an earlier build was reused).</summary>
    public TimeSpan BuildTime { get; }

    public bool Reused { get; }

    public CorpusModule Module(string path) => Modules.Single(m => m.Path == path);

    /// <summary>github.com/BurntSushi/toml: uppercase letters in the path, several tags, a pre-release.</summary>
    public CorpusModule UppercaseModule => Module("github.com/BurntSushi/toml");

    /// <summary>github.com/cespare/xxhash/v2.</summary>
    public CorpusModule MajorVersionModule => Module("github.com/cespare/xxhash/v2");

    /// <summary>gopkg.in/yaml.v3.</summary>
    public CorpusModule GopkgInModule => Module("gopkg.in/yaml.v3");

    /// <summary>example.com/legacy/incompat: v2.x.y+incompatible versions.</summary>
    public CorpusModule IncompatibleModule => Module(GoCorpusSpec.IncompatibleModulePath);

    /// <summary>github.com/google/uuid: releases v1.1.0…v1.3.0 and v1.4.0-beta.1.</summary>
    public CorpusModule MultiTagModule => Module("github.com/google/uuid");

    /// <summary>Gets the shared corpus, building it on first use.</summary>
    public static Task<GoCorpus> GetAsync() => Shared.Value;

    /// <summary>Copies the main module into a new folder under <paramref name="parent"/> and returns it.</summary>
    public string CopyMainModule(string parent)
    {
        var dir = Directory.CreateDirectory(Path.Combine(parent, "main-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        foreach (var file in Directory.GetFiles(MainModuleDir))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }

        return dir;
    }

    internal static bool IsPrerelease(string version)
    {
        var core = version.Split('+')[0];
        return core.Contains('-', StringComparison.Ordinal);
    }

    private static string RepoDir(string root, string repoRoot) => Path.Combine(root, "git", repoRoot);

    private static async Task<GoCorpus> LoadOrBuildAsync(CancellationToken cancellationToken)
    {
        var tool = GoTool.Locate();
        var fileLists = ReadDebianFileLists();
        var key = CacheKey(tool, fileLists);
        var root = Path.Combine(Path.GetTempPath(), "modmesh-gocorpus-" + key);
        var manifestPath = Path.Combine(root, "manifest.json");
        var force = Environment.GetEnvironmentVariable("MODMESH_GOCORPUS_REBUILD") == "1";

        await using var fileLock = await AcquireLockAsync(root + ".lock", cancellationToken).ConfigureAwait(false);
        if (!force && File.Exists(manifestPath))
        {
            var existing = JsonSerializer.Deserialize<Manifest>(await File.ReadAllTextAsync(manifestPath, cancellationToken).ConfigureAwait(false))!;
            if (existing.Key == key && Directory.Exists(Path.Combine(root, "build", "gopath", "pkg", "mod", "cache", "download")))
            {
                return new GoCorpus(root, existing, TimeSpan.Zero, reused: true);
            }
        }

        TempDirectory.Delete(root);
        Directory.CreateDirectory(root);
        var stopwatch = Stopwatch.StartNew();
        var manifest = await BuildAsync(root, key, fileLists, cancellationToken).ConfigureAwait(false);
        stopwatch.Stop();
        // The manifest is the commit marker: written last.
        await File.WriteAllTextAsync(manifestPath, JsonSerializer.Serialize(manifest), cancellationToken).ConfigureAwait(false);
        return new GoCorpus(root, manifest, stopwatch.Elapsed, reused: false);
    }

    private static async Task<Manifest> BuildAsync(string root, string key, IReadOnlyDictionary<string, string[]> fileLists, CancellationToken cancellationToken)
    {
        var specs = GoCorpusSpec.Modules;
        var pins = specs.ToDictionary(s => s.ModulePath, s => s.GoVersion(s.MainTag), StringComparer.Ordinal);

        // 1. Local git repositories with tags.
        var gitEnv = new Dictionary<string, string>
        {
            ["HOME"] = root,
            ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_CONFIG_GLOBAL"] = "/dev/null",
            ["GIT_AUTHOR_NAME"] = "ModMesh Corpus",
            ["GIT_AUTHOR_EMAIL"] = "corpus@modmesh.invalid",
            ["GIT_COMMITTER_NAME"] = "ModMesh Corpus",
            ["GIT_COMMITTER_EMAIL"] = "corpus@modmesh.invalid",
        };
        await Parallel.ForEachAsync(
            specs,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount * 2), CancellationToken = cancellationToken },
            async (spec, ct) => await CreateRepositoryAsync(root, spec, fileLists, pins, gitEnv, ct).ConfigureAwait(false)).ConfigureAwait(false);

        // 2. The real go command downloads every tagged version in direct mode: go writes the GOPROXY tree.
        var nonGitHubRoots = specs.Select(s => s.RepoRoot).ToArray();
        await using var meta = await GoImportMetaServer.StartAsync(nonGitHubRoots, cancellationToken).ConfigureAwait(false);
        var insteadOf = specs.Select(s => s.RepoRoot).Distinct().ToDictionary(r => "https://" + r, r => "file://" + RepoDir(root, r));
        using var sandbox = GoSandbox.Create(
            new GoSandboxOptions
            {
                GoProxy = "direct",
                GoPrivate = "*",
                GoInsecure = "*",
                HttpProxy = meta.ProxyUrl,
                GitInsteadOf = insteadOf,
                Timeout = TimeSpan.FromMinutes(5),
            },
            Path.Combine(root, "build"));
        sandbox.DeleteOnDispose = false; // its module cache download folder is the corpus' GOPROXY tree.
        var all = specs.SelectMany(s => s.Tags.Select(t => $"{s.ModulePath}@{s.GoVersion(t)}")).ToList();
        var result = await sandbox.GoAsync(["mod", "download", "-json", .. all], timeout: TimeSpan.FromMinutes(5), cancellationToken: cancellationToken).ConfigureAwait(false);
        var downloads = GoModDownload.ParseAll(result.StandardOutput);
        var failed = downloads.Where(d => d.Error is not null).ToList();
        if (!result.Succeeded || failed.Count > 0 || downloads.Count != all.Count)
        {
            throw new InvalidOperationException(
                $"Building the go corpus: go mod download in direct mode failed ({downloads.Count}/{all.Count} results, " +
                $"{failed.Count} errors: {string.Join("; ", failed.Select(f => $"{f.Path}@{f.Version}: {f.Error}"))}).{Environment.NewLine}{result}");
        }

        // Drop the VCS clones and the build cache; keep the download folder.
        TempDirectory.Delete(Path.Combine(sandbox.GoModCache, "cache", "vcs"));
        TempDirectory.Delete(sandbox.GoCache);

        // 3. The main module: requires every corpus module at its main version.
        var main = Directory.CreateDirectory(Path.Combine(root, "main")).FullName;
        var goMod = new StringBuilder($"module {MainModulePath}\n\ngo 1.19\n\nrequire (\n");
        foreach (var (path, version) in pins.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            goMod.Append('\t').Append(path).Append(' ').Append(version).Append('\n');
        }

        goMod.Append(")\n");
        await File.WriteAllTextAsync(Path.Combine(main, "go.mod"), goMod.ToString(), cancellationToken).ConfigureAwait(false);

        var modules = specs.Select(s => new CorpusModule(
            s.ModulePath,
            s.RepoRoot,
            s.DebianPackage,
            s.Tags.Select(s.GoVersion).ToList(),
            s.GoVersion(s.MainTag))).ToList();
        return new Manifest(key, modules);
    }

    private static async Task CreateRepositoryAsync(
        string root,
        CorpusModuleSpec spec,
        IReadOnlyDictionary<string, string[]> fileLists,
        IReadOnlyDictionary<string, string> pins,
        IReadOnlyDictionary<string, string> gitEnv,
        CancellationToken cancellationToken)
    {
        var repo = Directory.CreateDirectory(RepoDir(root, spec.RepoRoot)).FullName;
        if (spec.DebianPackage is not null)
        {
            CopyDebianSource(spec, fileLists[spec.DebianPackage], repo, pins);
        }

        await GitAsync(repo, gitEnv, cancellationToken, "init", "-q", "-b", "main").ConfigureAwait(false);
        for (var i = 0; i < spec.Tags.Length; i++)
        {
            var tag = spec.Tags[i];
            if (spec.DebianPackage is null)
            {
                await File.WriteAllTextAsync(
                    Path.Combine(repo, "incompat.go"),
                    $"// Package incompat is a module without go.mod tagged at major versions above 1.\npackage incompat\n\n// Version is the tag of this commit.\nconst Version = \"{tag}\"\n",
                    cancellationToken).ConfigureAwait(false);
                await File.WriteAllTextAsync(Path.Combine(repo, "README"), "A legacy repository without go.mod.\n", cancellationToken).ConfigureAwait(false);
            }

            await File.WriteAllTextAsync(Path.Combine(repo, "CORPUS-VERSION"), $"{spec.ModulePath} {tag}\n", cancellationToken).ConfigureAwait(false);
            var date = new DateTimeOffset(2023, 1, 2, 12, 0, 0, TimeSpan.Zero).AddDays(30 * i).ToString("yyyy-MM-ddTHH:mm:ssZ");
            var env = new Dictionary<string, string>(gitEnv) { ["GIT_AUTHOR_DATE"] = date, ["GIT_COMMITTER_DATE"] = date };
            await GitAsync(repo, env, cancellationToken, "add", "-A").ConfigureAwait(false);
            await GitAsync(repo, env, cancellationToken, "commit", "-q", "--no-gpg-sign", "-m", $"Release {tag}").ConfigureAwait(false);
            await GitAsync(repo, env, cancellationToken, "tag", tag).ConfigureAwait(false);
        }
    }

    private static async Task GitAsync(string repo, IReadOnlyDictionary<string, string> env, CancellationToken cancellationToken, params string[] args)
    {
        var result = await GoTool.RunProcessAsync(GoTool.Locate().GitPath, args, repo, env, TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Building the go corpus: git failed in {repo}.{Environment.NewLine}{result}");
        }
    }

    private static void CopyDebianSource(CorpusModuleSpec spec, string[] packageFiles, string repo, IReadOnlyDictionary<string, string> pins)
    {
        var sourceDir = Path.Combine(SourceRoot, spec.SourceDir);
        var prefix = sourceDir + "/";
        var files = packageFiles
            .Where(f => f.StartsWith(prefix, StringComparison.Ordinal))
            .Where(f => File.Exists(f) && new FileInfo(f).LinkTarget is null)
            .Select(f => f[prefix.Length..])
            .ToList();
        // Nested modules are not part of this module.
        var nested = files.Where(f => f.EndsWith("/go.mod", StringComparison.Ordinal)).Select(f => f[..^"go.mod".Length]).ToList();
        files = files.Where(f => !nested.Any(n => f.StartsWith(n, StringComparison.Ordinal))).ToList();
        if (!files.Any(f => f.EndsWith(".go", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"Building the go corpus: no Go files of {spec.DebianPackage} under {sourceDir}.");
        }

        foreach (var file in files)
        {
            if (file is "go.sum")
            {
                continue;
            }

            var destination = Path.Combine(repo, file);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            if (file is "go.mod")
            {
                File.WriteAllText(destination, RewriteGoMod(File.ReadAllText(Path.Combine(sourceDir, file)), spec.ModulePath, pins));
            }
            else
            {
                File.Copy(Path.Combine(sourceDir, file), destination);
            }
        }
    }

    /// <summary>Keeps the module and go lines, and requirements on corpus modules pinned to their corpus versions.</summary>
    internal static string RewriteGoMod(string original, string expectedModulePath, IReadOnlyDictionary<string, string> pins)
    {
        string? module = null, go = null;
        var requires = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string? block = null;
        foreach (var rawLine in original.Split('\n'))
        {
            var comment = rawLine.IndexOf("//", StringComparison.Ordinal);
            var line = (comment >= 0 ? rawLine[..comment] : rawLine).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (block is not null)
            {
                if (line == ")")
                {
                    block = null;
                }
                else if (block == "require")
                {
                    AddRequire(line);
                }

                continue;
            }

            var fields = line.Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries);
            var rest = fields.Length > 1 ? fields[1].Trim() : "";
            if (rest == "(")
            {
                block = fields[0];
                continue;
            }

            switch (fields[0])
            {
                case "module": module = Unquote(rest); break;
                case "go": go = rest; break;
                case "require": AddRequire(rest); break;
                default: break; // replace, exclude, retract, toolchain: dropped.
            }
        }

        if (module != expectedModulePath)
        {
            throw new InvalidOperationException($"Building the go corpus: go.mod says module '{module}', the corpus expects '{expectedModulePath}'.");
        }

        if (go is not null && Version.TryParse(go, out var goVersion) && goVersion > new Version(1, 19))
        {
            go = "1.19"; // go 1.19 is the client here.
        }

        var sb = new StringBuilder($"module {module}\n");
        if (go is not null)
        {
            sb.Append($"\ngo {go}\n");
        }

        if (requires.Count > 0)
        {
            sb.Append("\nrequire (\n");
            foreach (var (path, version) in requires)
            {
                sb.Append('\t').Append(path).Append(' ').Append(version).Append('\n');
            }

            sb.Append(")\n");
        }

        return sb.ToString();

        void AddRequire(string requirement)
        {
            var parts = requirement.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 1)
            {
                var path = Unquote(parts[0]);
                if (path != expectedModulePath && pins.TryGetValue(path, out var pinned))
                {
                    requires[path] = pinned;
                }
            }
        }

        static string Unquote(string s) => s.Trim().Trim('"');
    }

    private static IReadOnlyDictionary<string, string[]> ReadDebianFileLists()
    {
        var lists = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var package in GoCorpusSpec.DebianPackages)
        {
            var list = new[] { $"/var/lib/dpkg/info/{package}.list", $"/var/lib/dpkg/info/{package}:all.list" }.FirstOrDefault(File.Exists);
            if (list is null)
            {
                missing.Add(package);
                continue;
            }

            lists[package] = File.ReadAllLines(list);
        }

        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                "The go module corpus is built from Debian golang-*-dev sources, and these packages are not installed: " +
                string.Join(' ', missing) + $". Install them: apt-get install -y {string.Join(' ', missing)}   (the full list is tests/corpus-packages.txt).");
        }

        return lists;
    }

    private static string CacheKey(GoTool tool, IReadOnlyDictionary<string, string[]> fileLists)
    {
        var sb = new StringBuilder();
        sb.Append(GoCorpusSpec.FormatVersion).Append('\n').Append(tool.Version).Append('\n');
        foreach (var spec in GoCorpusSpec.Modules)
        {
            sb.Append(JsonSerializer.Serialize(spec)).Append('\n');
        }

        foreach (var (package, files) in fileLists.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append(package).Append(':').Append(files.Length).Append('\n');
            foreach (var file in files)
            {
                if (File.Exists(file))
                {
                    var info = new FileInfo(file);
                    sb.Append(info.Length).Append(' ').Append(info.LastWriteTimeUtc.Ticks).Append('\n');
                }
            }
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16].ToLowerInvariant();
    }

    private static async Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private sealed record Manifest(string Key, List<CorpusModule> Modules);
}
