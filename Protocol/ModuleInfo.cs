using System.Globalization;
using System.Text.Json;

namespace ModMesh.Protocol;

/// <summary>
/// The .info JSON of the GOPROXY protocol ({"Version": "v1.2.3", "Time": "2019-...Z", ...}), as the proxy checks it
/// before caching anything: a JSON object whose Version is a canonical version that can belong to the module (and is
/// the one asked for, for a canonical .info), and whose Time is an RFC 3339 time as Go writes it.
/// </summary>
public static class ModuleInfo
{
    /// <summary>
    /// Null when <paramref name="json"/> is a usable .info of <paramref name="modulePath"/>, else what is wrong.
    /// <paramref name="expectedVersion"/> is the version asked for (a canonical .info), or null for a query (@latest,
    /// "@v/master.info"), whose answer may name any valid version.
    /// </summary>
    public static string? Check(ReadOnlySpan<byte> json, string modulePath, string? expectedVersion)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "not a JSON object";
            }

            if (!root.TryGetProperty("Version", out var named) || named.ValueKind != JsonValueKind.String)
            {
                return "no Version field";
            }

            var version = named.GetString() ?? "";
            if (expectedVersion is not null && version != expectedVersion)
            {
                return $"it names version \"{ClientText.Escape(version, 80)}\", not {expectedVersion}";
            }

            if (!Semver.IsCanonical(version) || !ModulePath.IsValidModuleVersion(modulePath, version, out _))
            {
                return $"it names \"{ClientText.Escape(version, 80)}\", not a canonical version of {modulePath}";
            }

            if (!root.TryGetProperty("Time", out var time) || time.ValueKind != JsonValueKind.String)
            {
                return "no Time field";
            }

            return IsRfc3339(time.GetString()!) ? null : $"Time \"{ClientText.Escape(time.GetString()!, 40)}\" is not an RFC 3339 time";
        }
        catch (JsonException)
        {
            return "not JSON";
        }
    }

    /// <summary>The Version of a .info that <see cref="Check"/> accepted.</summary>
    public static string VersionOf(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.GetProperty("Version").GetString()!;
    }

    /// <summary>RFC 3339 as Go's time.Time marshals it: "2006-01-02T15:04:05[.fraction](Z|±hh:mm)".</summary>
    public static bool IsRfc3339(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length < 20 || value.Length > 40 || value[4] != '-' || value[7] != '-' || value[10] != 'T' || value[13] != ':' || value[16] != ':')
        {
            return false;
        }

        var trimmed = value;
        if (value[19] == '.')
        {
            // .NET parses at most 7 fraction digits; Go writes up to 9.
            var end = 20;
            while (end < value.Length && char.IsAsciiDigit(value[end]))
            {
                end++;
            }

            if (end == 20)
            {
                return false;
            }

            trimmed = value[..Math.Min(end, 27)] + value[end..];
        }

        var zone = trimmed.EndsWith('Z') || (trimmed.Length >= 6 && trimmed[^6] is '+' or '-' && trimmed[^3] == ':');
        return zone && DateTimeOffset.TryParseExact(
            trimmed, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"], CultureInfo.InvariantCulture, DateTimeStyles.None, out _);
    }
}
