using System.Globalization;
using System.Text.RegularExpressions;

namespace ModMesh.Protocol;

/// <summary>Pseudo-versions (go.dev/ref/mod#pseudo-versions).</summary>
/// <remarks>
/// The three forms: vX.0.0-yyyymmddhhmmss-rev (no base), vX.Y.Z-pre.0.yyyymmddhhmmss-rev (base is a pre-release),
/// vX.Y.(Z+1)-0.yyyymmddhhmmss-rev (base is a release vX.Y.Z); each may carry build metadata such as +incompatible.
/// </remarks>
public static partial class PseudoVersion
{
    /// <summary>The layout of the timestamp inside a pseudo-version (UTC).</summary>
    public const string TimestampFormat = "yyyyMMddHHmmss";

    /// <summary>True when <paramref name="version"/> is a pseudo-version such as v0.0.0-20191109021931-daa7c04131f5.</summary>
    public static bool IsPseudoVersion(string version) =>
        version is not null
        && version.Count(c => c == '-') >= 2
        && Semver.IsValid(version)
        && Shape().IsMatch(version);

    /// <summary>The UTC time inside a pseudo-version; false when not one.</summary>
    public static bool TryGetTime(string version, out DateTimeOffset time)
    {
        time = default;
        if (!TryGetTimestamp(version, out var timestamp))
        {
            return false;
        }

        if (!DateTime.TryParseExact(timestamp, TimestampFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }

        time = new DateTimeOffset(DateTime.SpecifyKind(parsed, DateTimeKind.Utc));
        return true;
    }

    /// <summary>The commit identifier at the end of a pseudo-version ("daa7c04131f5"); false when not one.</summary>
    public static bool TryGetRevision(string version, out string revision)
    {
        revision = "";
        if (!IsPseudoVersion(version))
        {
            return false;
        }

        var core = version.Substring(0, version.Length - Semver.Build(version).Length);
        revision = core.Substring(core.LastIndexOf('-') + 1);
        return true;
    }

    private static bool TryGetTimestamp(string version, out string timestamp)
    {
        timestamp = "";
        if (!IsPseudoVersion(version))
        {
            return false;
        }

        var core = version.Substring(0, version.Length - Semver.Build(version).Length);
        core = core.Substring(0, core.LastIndexOf('-'));
        var dash = core.LastIndexOf('-');
        var dot = core.LastIndexOf('.');
        timestamp = dot > dash ? core.Substring(dot + 1) : core.Substring(dash + 1);
        return true;
    }

    [GeneratedRegex(@"^v[0-9]+\.(0\.0-|[0-9]+\.[0-9]+-([^+]*\.)?0\.)[0-9]{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
