namespace ModMesh.TestSupport.Go;

/// <summary>
/// One corpus module: where its source comes from (a Debian golang-*-dev package's tree under
/// /usr/share/gocode/src, or synthetic content), its repository root, and the tags its local git repository gets.
/// </summary>
/// <param name="DebianPackage">The Debian package holding the source, or null for a synthetic module.</param>
/// <param name="SourceDir">The source folder relative to /usr/share/gocode/src (ignored for synthetic modules).</param>
/// <param name="ModulePath">The module path (as in its go.mod, or implied when it has none).</param>
/// <param name="RepoRoot">The repository root (differs from the module path for /vN modules kept at the root).</param>
/// <param name="Tags">Git tags in commit order (oldest first).</param>
/// <param name="MainTag">The tag the corpus main module requires (also what other corpus modules are pinned to).</param>
public sealed record CorpusModuleSpec(string? DebianPackage, string SourceDir, string ModulePath, string RepoRoot, string[] Tags, string MainTag)
{
    /// <summary>True for a module path without go.mod at a major version ≥ 2 (its versions become +incompatible).</summary>
    public bool Incompatible { get; init; }

    /// <summary>The go version string of a tag ("v2.0.0" → "v2.0.0+incompatible" for an incompatible module).</summary>
    public string GoVersion(string tag) =>
        Incompatible && !tag.StartsWith("v0.", StringComparison.Ordinal) && !tag.StartsWith("v1.", StringComparison.Ordinal) ? tag + "+incompatible" : tag;
}

/// <summary>The corpus: which Debian packages and which tags. Changing this changes the corpus cache key.</summary>
public static class GoCorpusSpec
{
    /// <summary>Bumped whenever the way the corpus is built changes (part of the cache key).</summary>
    public const string FormatVersion = "3";

    /// <summary>The synthetic module without go.mod whose v2 tags are +incompatible versions.</summary>
    public const string IncompatibleModulePath = "example.com/legacy/incompat";

    public static IReadOnlyList<CorpusModuleSpec> Modules { get; } =
    [
        // Uppercase letters in the path (case-encoded as !burnt!sushi), several tags and a pre-release above the latest release.
        Deb("golang-github-burntsushi-toml-dev", "github.com/BurntSushi/toml", ["v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0-rc.1"], "v1.2.0"),
        // A /v2 module kept at the repository root.
        Deb("golang-github-cespare-xxhash-dev", "github.com/cespare/xxhash", ["v2.0.0", "v2.1.1"], "v2.1.1", modulePath: "github.com/cespare/xxhash/v2"),
        Deb("golang-gopkg-yaml.v3-dev", "gopkg.in/yaml.v3", ["v3.0.0", "v3.0.1"], "v3.0.1"),
        Deb("golang-gopkg-yaml.v2-dev", "gopkg.in/yaml.v2", ["v2.4.0"], "v2.4.0"),
        Deb("golang-gopkg-check.v1-dev", "gopkg.in/check.v1", ["v1.0.0"], "v1.0.0"),
        Deb("golang-golang-x-sys-dev", "golang.org/x/sys", ["v0.3.0"], "v0.3.0"),
        Deb("golang-github-davecgh-go-spew-dev", "github.com/davecgh/go-spew", ["v1.1.1"], "v1.1.1"),
        Deb("golang-github-pmezard-go-difflib-dev", "github.com/pmezard/go-difflib", ["v1.0.0"], "v1.0.0"),
        Deb("golang-github-stretchr-testify-dev", "github.com/stretchr/testify", ["v1.8.0", "v1.8.1"], "v1.8.1"),
        Deb("golang-github-stretchr-objx-dev", "github.com/stretchr/objx", ["v0.5.0"], "v0.5.0"),
        Deb("golang-github-google-go-cmp-dev", "github.com/google/go-cmp", ["v0.5.9"], "v0.5.9"),
        Deb("golang-github-pkg-errors-dev", "github.com/pkg/errors", ["v0.8.1", "v0.9.0", "v0.9.1"], "v0.9.1"),
        Deb("golang-github-mattn-go-isatty-dev", "github.com/mattn/go-isatty", ["v0.0.17"], "v0.0.17"),
        Deb("golang-github-mattn-go-colorable-dev", "github.com/mattn/go-colorable", ["v0.1.13"], "v0.1.13"),
        Deb("golang-github-fatih-color-dev", "github.com/fatih/color", ["v1.7.0"], "v1.7.0"),
        Deb("golang-github-kr-pretty-dev", "github.com/kr/pretty", ["v0.3.0"], "v0.3.0"),
        Deb("golang-github-kr-text-dev", "github.com/kr/text", ["v0.2.0"], "v0.2.0"),
        // Several releases and a pre-release above the newest release: @latest must pick v1.3.0.
        Deb("golang-github-google-uuid-dev", "github.com/google/uuid", ["v1.1.0", "v1.2.0", "v1.3.0", "v1.4.0-beta.1"], "v1.3.0"),
        Deb("golang-github-gorilla-mux-dev", "github.com/gorilla/mux", ["v1.8.0"], "v1.8.0"),
        Deb("golang-github-spf13-pflag-dev", "github.com/spf13/pflag", ["v1.0.6"], "v1.0.6"),
        Deb("golang-github-spf13-cobra-dev", "github.com/spf13/cobra", ["v1.6.1"], "v1.6.1"),
        Deb("golang-github-cpuguy83-go-md2man-v2-dev", "github.com/cpuguy83/go-md2man/v2", ["v2.0.2"], "v2.0.2", repoRoot: "github.com/cpuguy83/go-md2man"),
        Deb("golang-github-russross-blackfriday-v2-dev", "github.com/russross/blackfriday/v2", ["v2.1.0"], "v2.1.0", repoRoot: "github.com/russross/blackfriday"),
        Deb("golang-github-inconshreveable-mousetrap-dev", "github.com/inconshreveable/mousetrap", ["v1.0.0"], "v1.0.0"),
        Deb("golang-github-hashicorp-golang-lru-dev", "github.com/hashicorp/golang-lru", ["v0.5.4"], "v0.5.4"),
        Deb("golang-github-mitchellh-mapstructure-dev", "github.com/mitchellh/mapstructure", ["v1.5.0"], "v1.5.0"),
        Deb("golang-github-sirupsen-logrus-dev", "github.com/sirupsen/logrus", ["v1.9.0"], "v1.9.0"),
        Deb("golang-github-dustin-go-humanize-dev", "github.com/dustin/go-humanize", ["v1.0.0"], "v1.0.0"),
        Deb("golang-github-go-logr-logr-dev", "github.com/go-logr/logr", ["v1.2.3"], "v1.2.3"),
        Deb("golang-github-mattn-go-runewidth-dev", "github.com/mattn/go-runewidth", ["v0.0.14"], "v0.0.14"),
        Deb("golang-github-kballard-go-shellquote-dev", "github.com/kballard/go-shellquote", ["v0.1.0"], "v0.1.0"),
        Deb("golang-github-creack-pty-dev", "github.com/creack/pty", ["v1.1.18"], "v1.1.18"),
        // No go.mod, tagged v1.0.0, v2.0.0, v2.1.0: v2.x are +incompatible versions.
        new CorpusModuleSpec(null, "", IncompatibleModulePath, IncompatibleModulePath, ["v1.0.0", "v2.0.0", "v2.1.0"], "v2.1.0") { Incompatible = true },
    ];

    /// <summary>The Debian packages the corpus needs (what tests/corpus-packages.txt lists).</summary>
    public static IEnumerable<string> DebianPackages =>
        Modules.Select(m => m.DebianPackage).OfType<string>().Distinct(StringComparer.Ordinal);

    private static CorpusModuleSpec Deb(string package, string sourceDir, string[] tags, string mainTag, string? modulePath = null, string? repoRoot = null) =>
        new(package, sourceDir, modulePath ?? sourceDir, repoRoot ?? sourceDir, tags, mainTag);
}
