// DRAFT public surface of ModMesh.Protocol, agreed between the team. The Protocol helper replaces every
// NotImplementedException with a real implementation (split into one file per type) and deletes this file.
// Signatures may only grow; do not rename or remove what is here (CacheNode code is written against it).
namespace ModMesh.Protocol;

/// <summary>Module path rules of go.dev/ref/mod (golang.org/x/mod/module.CheckPath and friends).</summary>
public static class ModulePath
{
    /// <summary>True when <paramref name="path"/> is a valid module path; otherwise <paramref name="error"/> says why.</summary>
    public static bool IsValid(string path, out string? error) => throw new NotImplementedException();

    /// <summary>Splits "example.com/m/v2" into ("example.com/m", "/v2"), "gopkg.in/yaml.v3" into ("gopkg.in/yaml", ".v3"); false when malformed.</summary>
    public static bool TrySplitPathVersion(string path, out string prefix, out string pathMajor) => throw new NotImplementedException();

    /// <summary>True when <paramref name="version"/> (canonical semver) may belong to a module whose path ends in <paramref name="pathMajor"/> ("" / "/v2" / ".v1"); +incompatible rules included.</summary>
    public static bool VersionMatchesPathMajor(string version, string pathMajor) => throw new NotImplementedException();

    /// <summary>Checks path and version together (module.Check): path valid, version canonical and compatible with the path's major suffix.</summary>
    public static bool IsValidModuleVersion(string path, string version, out string? error) => throw new NotImplementedException();
}

/// <summary>Case-encoding ("!a" for "A") of module paths and versions in GOPROXY URLs and file names.</summary>
public static class CaseEncoding
{
    /// <summary>Encodes a valid module path; false (with error) when the path is invalid.</summary>
    public static bool TryEscapePath(string path, out string escaped, out string? error) => throw new NotImplementedException();

    /// <summary>Decodes an encoded module path and validates the result; false (with error) on any malformed input.</summary>
    public static bool TryUnescapePath(string escaped, out string path, out string? error) => throw new NotImplementedException();

    /// <summary>Encodes a version (any version string acceptable in a URL element, canonical or a query like "master").</summary>
    public static bool TryEscapeVersion(string version, out string escaped, out string? error) => throw new NotImplementedException();

    /// <summary>Decodes an encoded version; false (with error) on malformed input.</summary>
    public static bool TryUnescapeVersion(string escaped, out string version, out string? error) => throw new NotImplementedException();
}

/// <summary>Semantic versions as the go command uses them (golang.org/x/mod/semver): "v" prefix, shorthands v1 / v1.2.</summary>
public static class Semver
{
    /// <summary>True for a valid semantic version (shorthands "v1", "v1.2" included).</summary>
    public static bool IsValid(string version) => throw new NotImplementedException();

    /// <summary>Canonical form ("v1.2" → "v1.2.0", build metadata dropped but "+incompatible" kept), or "" when invalid.</summary>
    public static string Canonical(string version) => throw new NotImplementedException();

    /// <summary>True when <paramref name="version"/> is valid and equal to its canonical form (+incompatible allowed).</summary>
    public static bool IsCanonical(string version) => throw new NotImplementedException();

    /// <summary>Semver precedence; an invalid version is lower than every valid one and equal to other invalid ones.</summary>
    public static int Compare(string v, string w) => throw new NotImplementedException();

    /// <summary>"v2" for "v2.1.0", "" when invalid.</summary>
    public static string Major(string version) => throw new NotImplementedException();

    /// <summary>"-rc.1" for "v1.0.0-rc.1", "" when none.</summary>
    public static string Prerelease(string version) => throw new NotImplementedException();

    /// <summary>"+incompatible" etc., "" when none.</summary>
    public static string Build(string version) => throw new NotImplementedException();
}

/// <summary>Pseudo-versions (go.dev/ref/mod#pseudo-versions).</summary>
public static class PseudoVersion
{
    /// <summary>True when <paramref name="version"/> is a pseudo-version such as v0.0.0-20191109021931-daa7c04131f5.</summary>
    public static bool IsPseudoVersion(string version) => throw new NotImplementedException();

    /// <summary>The UTC time inside a pseudo-version; false when not one.</summary>
    public static bool TryGetTime(string version, out DateTimeOffset time) => throw new NotImplementedException();
}

/// <summary>What the go command expects of list and @latest.</summary>
public static class VersionOrdering
{
    /// <summary>
    /// Versions for "@v/list": valid canonical versions only, no pseudo-versions, no duplicates, ascending semver order.
    /// Retracted versions stay (retraction is the go command's business).
    /// </summary>
    public static IReadOnlyList<string> ForList(IEnumerable<string> versions) => throw new NotImplementedException();

    /// <summary>
    /// The version "@latest" should name: the highest release; else the highest pre-release; else the newest
    /// pseudo-version; null when there is no valid version.
    /// </summary>
    public static string? SelectLatest(IEnumerable<string> versions) => throw new NotImplementedException();
}

/// <summary>The kind of a GOPROXY protocol request.</summary>
public enum ProxyRequestKind
{
    /// <summary>$module/@v/list</summary>
    List,
    /// <summary>$module/@v/$version.info</summary>
    Info,
    /// <summary>$module/@v/$version.mod</summary>
    Mod,
    /// <summary>$module/@v/$version.zip</summary>
    Zip,
    /// <summary>$module/@latest</summary>
    Latest,
    /// <summary>sumdb/$name/supported</summary>
    SumdbSupported,
    /// <summary>sumdb/$name/latest</summary>
    SumdbLatest,
    /// <summary>sumdb/$name/lookup/$module@$version</summary>
    SumdbLookup,
    /// <summary>sumdb/$name/tile/$H/$L/$K[.p/$W] (and /tile/$H/data/...)</summary>
    SumdbTile,
}

/// <summary>
/// A parsed GOPROXY request. Module paths and versions are decoded (real case); the Escaped* forms are as they
/// appear in URLs. For sumdb requests, <see cref="SumdbName"/> is the database name and <see cref="SumdbPath"/>
/// the rest of the path after "sumdb/$name/" (e.g. "lookup/golang.org/x/text@v0.3.0"); module fields are empty
/// except for lookups, where they hold the looked-up module and version.
/// </summary>
public sealed record ProxyRequest(
    ProxyRequestKind Kind,
    string ModulePath,
    string EscapedModulePath,
    string? Version,
    string? EscapedVersion,
    string? SumdbName = null,
    string? SumdbPath = null)
{
    /// <summary>True for .info/.mod/.zip of a canonical semantic version (immutable answers).</summary>
    public bool IsCanonicalVersion => Version is not null && Semver.IsCanonical(Version);
}

/// <summary>Outcome of parsing a request path: a request, a "malformed" (400) or "no such route" (404).</summary>
public enum ProxyPathStatus
{
    /// <summary>Parsed.</summary>
    Ok,
    /// <summary>Shaped like a protocol request but malformed (bad escape, invalid path or version): answer 400.</summary>
    BadRequest,
    /// <summary>Not a protocol route at all: answer 404.</summary>
    NotFound,
}

/// <summary>Parses the path of a GOPROXY request.</summary>
public static class ProxyPathParser
{
    /// <summary>
    /// Parses <paramref name="path"/>, the request path below the proxy's base ("/github.com/!azure/x/@v/list").
    /// Must be given the raw (not percent-decoded) path; any '%', NUL, control or non-ASCII character, "." or ".."
    /// element, empty element, or path over 4096 bytes is BadRequest with a message.
    /// </summary>
    public static ProxyPathStatus TryParse(string path, out ProxyRequest? request, out string? error) => throw new NotImplementedException();
}

/// <summary>How the go command treats an entry of a GOPROXY list.</summary>
public enum ProxyEntryKind
{
    /// <summary>An http(s) or file URL of a module proxy.</summary>
    Url,
    /// <summary>"direct": fetch from version control.</summary>
    Direct,
    /// <summary>"off": stop; nothing may be fetched.</summary>
    Off,
}

/// <summary>
/// One GOPROXY list entry. <see cref="FallThroughOnAnyError"/> is true when the separator after it was '|'
/// (try the next entry after any error), false for ',' (only after 404/410) and for the last entry.
/// </summary>
public sealed record ProxyListEntry(ProxyEntryKind Kind, string Value, bool FallThroughOnAnyError);

/// <summary>Parses GOPROXY-style lists ("https://a,https://b|direct").</summary>
public static class ProxyList
{
    /// <summary>Parses the list; false with an error for empty entries, bad URLs, or entries after "off"/"direct" used wrongly.</summary>
    public static bool TryParse(string value, out IReadOnlyList<ProxyListEntry> entries, out string? error) => throw new NotImplementedException();
}

/// <summary>GOPRIVATE/GONOSUMDB-style comma-separated glob patterns matched against module path prefixes (module.MatchPrefixPatterns).</summary>
public sealed class ModulePatternSet
{
    /// <summary>An empty set that matches nothing.</summary>
    public static ModulePatternSet Empty { get; } = Parse("");

    /// <summary>Parses "*.corp.example.com,rsc.io/private"; empty elements are ignored.</summary>
    public static ModulePatternSet Parse(string patterns) => throw new NotImplementedException();

    /// <summary>The patterns, as given.</summary>
    public IReadOnlyList<string> Patterns => throw new NotImplementedException();

    /// <summary>True when some pattern matches a leading run of path elements of <paramref name="modulePath"/>.</summary>
    public bool Matches(string modulePath) => throw new NotImplementedException();
}
