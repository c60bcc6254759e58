using System.Text;
using ModMesh.Access;

namespace ModMesh.Cli;

/// <summary>
/// <c>modmesh tokens issue|revoke|list</c> over a tokens file (see docs/ACCESS.md). The file is replaced whole: the new
/// content goes to a temporary file in the same folder, which is then renamed over the old one, so the gateway's
/// watcher never reads half a file.
/// </summary>
internal static class TokensCommand
{
    private static readonly string[] FileOption = ["file"];

    public static int Issue(IReadOnlyList<string> args, CliContext context)
    {
        var parsed = Arguments.Parse(args, ["file", "expires"], []);
        var user = parsed.ExpectPositional(1, "user name")[0];
        var path = parsed.RequireOption("file", "tokens file");
        DateTimeOffset? expires = null;
        if (parsed.Option("expires") is { } text)
        {
            if (!TokenFile.TryParseTime(text, out var time))
            {
                throw new UsageException($"--expires '{text}' is not an RFC 3339 date and time with an offset (e.g. 2026-01-02T03:04:05Z)");
            }

            if (time <= DateTimeOffset.UtcNow)
            {
                throw new UsageException($"--expires {TokenFile.FormatTime(time)} is already past");
            }

            expires = time;
        }

        if (!PrincipalNames.IsValidUser(user))
        {
            throw new UsageException($"'{user}' is not a user name (1-256 letters, digits and . _ - + @, not starting with '@')");
        }

        var existing = File.Exists(path) ? File.ReadAllText(path) : "";
        if (!CheckFile(path, existing, context))
        {
            return ExitCodes.Failure;
        }

        var issued = TokenFile.Issue(user, expires);
        var content = new StringBuilder(existing);
        if (content.Length > 0 && content[^1] != '\n')
        {
            content.Append('\n');
        }

        content.Append(issued.Line).Append('\n');
        ReplaceFile(path, content.ToString());
        context.Out.WriteLine(issued.Token);
        context.Error.WriteLine($"issued token {issued.Id} for {user}{(expires is { } e ? ", expires " + TokenFile.FormatTime(e) : ", no expiry")}; added to {path}. The token above is shown only this once.");
        return ExitCodes.Success;
    }

    public static int Revoke(IReadOnlyList<string> args, CliContext context)
    {
        var parsed = Arguments.Parse(args, FileOption, []);
        var id = parsed.ExpectPositional(1, "token id")[0];
        var path = parsed.RequireOption("file", "tokens file");
        if (!TryRead(path, context, out var text))
        {
            return ExitCodes.Failure;
        }

        var set = TokenFile.Parse(text);
        var lines = text.Split('\n').Select(line => line.TrimEnd('\r')).ToList();
        var endsWithNewline = text.EndsWith('\n');
        if (endsWithNewline)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        var kept = TokenFile.Revoke(lines, id);
        if (kept.Count == lines.Count)
        {
            context.Error.WriteLine($"modmesh: no token '{id}' in {path}");
            return ExitCodes.Failure;
        }

        ReplaceFile(path, string.Join('\n', kept) + (kept.Count > 0 && endsWithNewline ? "\n" : ""));
        var user = set.Value?.TryGet(id, out var entry) == true ? $" (user {entry.User})" : "";
        context.Out.WriteLine($"revoked token {id}{user} in {path}");
        return ExitCodes.Success;
    }

    public static int List(IReadOnlyList<string> args, CliContext context)
    {
        var parsed = Arguments.Parse(args, FileOption, []);
        parsed.ExpectPositional(0, "");
        var path = parsed.RequireOption("file", "tokens file");
        if (!TryRead(path, context, out var text) || !CheckFile(path, text, context))
        {
            return ExitCodes.Failure;
        }

        var now = DateTimeOffset.UtcNow;
        var entries = TokenFile.Parse(text).Value!.Entries.OrderBy(e => e.Line).ToList();
        var userWidth = Math.Max(4, entries.Select(e => e.User.Length).DefaultIfEmpty(0).Max());
        context.Out.WriteLine($"{"ID",-12}  {"USER".PadRight(userWidth)}  EXPIRES");
        foreach (var e in entries)
        {
            var expiry = e.Expires is { } x ? TokenFile.FormatTime(x) + (e.IsExpired(now) ? " (expired)" : "") : "never";
            context.Out.WriteLine($"{e.Id,-12}  {e.User.PadRight(userWidth)}  {expiry}");
        }

        return ExitCodes.Success;
    }

    private static bool TryRead(string path, CliContext context, out string text)
    {
        try
        {
            text = File.ReadAllText(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"modmesh: cannot read {path}: {ex.Message}");
            text = "";
            return false;
        }
    }

    private static bool CheckFile(string path, string text, CliContext context)
    {
        var problems = TokenFile.Parse(text).Problems;
        foreach (var problem in problems)
        {
            context.Error.WriteLine(problem.Line > 0 ? $"{path}:{problem.Line}: {problem.Message}" : $"{path}: {problem.Message}");
        }

        if (problems.Count > 0)
        {
            context.Error.WriteLine($"modmesh: {path} has {problems.Count} problem(s); fix them first");
        }

        return problems.Count == 0;
    }

    /// <summary>Writes <paramref name="content"/> to a temporary file beside <paramref name="path"/>, then renames it over <paramref name="path"/>.</summary>
    private static void ReplaceFile(string path, string content)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        var temporary = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                var bytes = new UTF8Encoding(false).GetBytes(content);
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows() && File.Exists(full))
            {
                File.SetUnixFileMode(temporary, File.GetUnixFileMode(full));
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
