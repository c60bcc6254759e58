using ModMesh.Protocol;

namespace ModMesh.Cli;

/// <summary>One version to warm: whether only its go.mod is needed, and the hashes go.sum gives for it.</summary>
internal sealed record WarmVersion(string Path, string Version, bool ModOnly, string? ZipHash, string? GoModHash);

/// <summary>
/// What <c>modmesh warm</c> was asked for, gathered from go.sum files (<c>path version h1:</c> for the zip,
/// <c>path version/go.mod h1:</c> for the go.mod alone), go.mod files (require lines, one or in blocks) and
/// <c>module@version</c> arguments; each version once, a zip line winning over a go.mod-only one.
/// </summary>
internal sealed class WarmTargets
{
    private readonly Dictionary<(string Path, string Version), WarmVersion> _versions = [];

    /// <summary>The versions, in the order they were first named.</summary>
    public IReadOnlyList<WarmVersion> Versions => [.. _versions.Values];

    /// <summary>Adds a file or a module@version; returns the problems found (lines skipped, with why).</summary>
    public IReadOnlyList<string> Add(string argument)
    {
        if (File.Exists(argument))
        {
            var lines = File.ReadAllLines(argument);
            return Path.GetFileName(argument).EndsWith(".sum", StringComparison.Ordinal) ? AddGoSum(argument, lines) : AddGoMod(argument, lines);
        }

        var at = argument.LastIndexOf('@');
        if (at <= 0)
        {
            return [$"'{argument}' is neither a file nor module@version"];
        }

        return Merge(argument[..at], argument[(at + 1)..], modOnly: false, null, null) is { } problem ? [problem] : [];
    }

    private List<string> AddGoSum(string file, string[] lines)
    {
        var problems = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var fields = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
            {
                continue;
            }

            if (fields.Length != 3 || !fields[2].StartsWith("h1:", StringComparison.Ordinal))
            {
                problems.Add($"{file}:{i + 1}: not a go.sum line");
                continue;
            }

            var modOnly = fields[1].EndsWith("/go.mod", StringComparison.Ordinal);
            var version = modOnly ? fields[1][..^"/go.mod".Length] : fields[1];
            if (Merge(fields[0], version, modOnly, modOnly ? null : fields[2], modOnly ? fields[2] : null) is { } problem)
            {
                problems.Add($"{file}:{i + 1}: {problem}");
            }
        }

        return problems;
    }

    private List<string> AddGoMod(string file, string[] lines)
    {
        var problems = new List<string>();
        var inBlock = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var comment = line.IndexOf("//", StringComparison.Ordinal);
            line = (comment >= 0 ? line[..comment] : line).Trim();
            if (inBlock)
            {
                if (line == ")")
                {
                    inBlock = false;
                    continue;
                }
            }
            else if (line.StartsWith("require", StringComparison.Ordinal) && line.Length > 7 && char.IsWhiteSpace(line[7]) || line == "require(")
            {
                line = line[7..].Trim();
                if (line == "(")
                {
                    inBlock = true;
                    continue;
                }
            }
            else
            {
                continue;
            }

            var fields = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
            {
                continue;
            }

            var problem = fields.Length == 2
                ? Merge(Unquote(fields[0]), fields[1], modOnly: false, null, null)
                : "not a require line with a module path and a version";
            if (problem is not null)
            {
                problems.Add($"{file}:{i + 1}: {problem}");
            }
        }

        return problems;
    }

    private string? Merge(string path, string version, bool modOnly, string? zipHash, string? goModHash)
    {
        if (!ModulePath.IsValid(path, out var error))
        {
            return $"'{path}' is not a module path: {error}";
        }

        if (!Semver.IsCanonical(version))
        {
            return $"'{version}' is not a canonical version";
        }

        var key = (path, version);
        if (_versions.TryGetValue(key, out var known))
        {
            _versions[key] = new WarmVersion(path, version, known.ModOnly && modOnly, zipHash ?? known.ZipHash, goModHash ?? known.GoModHash);
        }
        else
        {
            _versions[key] = new WarmVersion(path, version, modOnly, zipHash, goModHash);
        }

        return null;
    }

    private static string Unquote(string path) => path.Length >= 2 && path[0] == '"' && path[^1] == '"' ? path[1..^1] : path;
}
