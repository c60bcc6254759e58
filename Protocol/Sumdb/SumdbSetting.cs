using System.Diagnostics.CodeAnalysis;

namespace ModMesh.Protocol.Sumdb;

/// <summary>
/// The checksum-database setting, written like GOSUMDB: "off" (or empty) for none; "sum.golang.org" (or its alias
/// "sum.golang.google.cn") for Go's public database with its well-known key; or a verifier key "name+hash+key" of
/// another database. A URL after the key (as GOSUMDB allows) is accepted and ignored: the database is always reached
/// through the upstream proxies' "/sumdb/{name}/" endpoints.
/// </summary>
public sealed class SumdbSetting
{
    /// <summary>The verifier key of sum.golang.org, as built into the go command.</summary>
    public const string SumGolangOrgKey = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";

    private SumdbSetting(NoteVerifier? verifier) => Verifier = verifier;

    /// <summary>No verification.</summary>
    public static SumdbSetting Off { get; } = new(null);

    /// <summary>The database's key; null when verification is off.</summary>
    public NoteVerifier? Verifier { get; }

    /// <summary>True when verification is on.</summary>
    [MemberNotNullWhen(true, nameof(Verifier))]
    public bool IsEnabled => Verifier is not null;

    /// <summary>The database name (the key's name), used in "/sumdb/{name}/..." paths.</summary>
    public string Name => Verifier?.Name ?? "";

    /// <summary>Parses a GOSUMDB-style value.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out SumdbSetting? setting, [NotNullWhen(false)] out string? error)
    {
        setting = null;
        var text = (value ?? "").Trim();
        if (text.Length == 0 || text == "off")
        {
            setting = Off;
            error = null;
            return true;
        }

        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length > 2)
        {
            error = "expected \"off\", \"sum.golang.org\", or a verifier key name+hash+key optionally followed by a URL";
            return false;
        }

        var key = fields[0] is "sum.golang.org" or "sum.golang.google.cn" ? SumGolangOrgKey : fields[0];
        if (!NoteVerifier.TryParse(key, out var verifier, out var keyError))
        {
            error = $"\"{fields[0]}\" is not \"off\", \"sum.golang.org\" or a valid verifier key: {keyError}";
            return false;
        }

        setting = new SumdbSetting(verifier);
        error = null;
        return true;
    }
}
