namespace ModMesh.Protocol;

/// <summary>
/// Shell-style patterns with the syntax and meaning of Go's path.Match: '*' (any run of non-'/' characters),
/// '?' (one non-'/' character), '[' ['^'] ranges ']' (a character class; "a-z" ranges, '\\' escapes) and
/// '\\c' (the character c).
/// </summary>
public static class GlobPattern
{
    /// <summary>True when the whole <paramref name="name"/> matches <paramref name="pattern"/>; false for a malformed pattern.</summary>
    public static bool IsMatch(string pattern, string name) => IsWellFormed(pattern) && MatchAt(pattern, 0, name, 0);

    /// <summary>True when <paramref name="pattern"/> is syntactically valid (classes closed and non-empty, no dangling '\\').</summary>
    public static bool IsWellFormed(string pattern)
    {
        var i = 0;
        while (i < pattern.Length)
        {
            switch (pattern[i])
            {
                case '\\':
                    if (i + 1 >= pattern.Length)
                    {
                        return false;
                    }

                    i += 2;
                    break;
                case '[':
                    if (!TryParseClass(pattern, i, '\0', out _, out var end))
                    {
                        return false;
                    }

                    i = end;
                    break;
                default:
                    i++;
                    break;
            }
        }

        return true;
    }

    private static bool MatchAt(string p, int pi, string s, int si)
    {
        while (pi < p.Length)
        {
            var c = p[pi];
            if (c == '*')
            {
                while (pi < p.Length && p[pi] == '*')
                {
                    pi++;
                }

                // Try every split point that does not cross a '/'.
                for (var k = si; ; k++)
                {
                    if (MatchAt(p, pi, s, k))
                    {
                        return true;
                    }

                    if (k >= s.Length || s[k] == '/')
                    {
                        return false;
                    }
                }
            }

            if (si >= s.Length)
            {
                return false;
            }

            switch (c)
            {
                case '?':
                    if (s[si] == '/')
                    {
                        return false;
                    }

                    pi++;
                    break;
                case '[':
                    TryParseClass(p, pi, s[si], out var matched, out var end);
                    if (!matched)
                    {
                        return false;
                    }

                    pi = end;
                    break;
                case '\\':
                    if (s[si] != p[pi + 1])
                    {
                        return false;
                    }

                    pi += 2;
                    break;
                default:
                    if (s[si] != c)
                    {
                        return false;
                    }

                    pi++;
                    break;
            }

            si++;
        }

        return si == s.Length;
    }

    // Parses the class starting at p[start] == '['; reports whether it is well formed, whether ch is in it, and
    // the index just after its closing ']'.
    private static bool TryParseClass(string p, int start, char ch, out bool matched, out int end)
    {
        matched = false;
        end = start;
        var i = start + 1;
        var negated = i < p.Length && p[i] == '^';
        if (negated)
        {
            i++;
        }

        var inClass = false;
        var ranges = 0;
        while (true)
        {
            if (i < p.Length && p[i] == ']' && ranges > 0)
            {
                i++;
                break;
            }

            if (!TryClassChar(p, ref i, out var lo))
            {
                return false;
            }

            var hi = lo;
            if (i < p.Length && p[i] == '-')
            {
                i++;
                if (!TryClassChar(p, ref i, out hi))
                {
                    return false;
                }
            }

            if (lo <= ch && ch <= hi)
            {
                inClass = true;
            }

            ranges++;
        }

        matched = inClass != negated;
        end = i;
        return true;
    }

    private static bool TryClassChar(string p, ref int i, out char c)
    {
        c = '\0';
        if (i >= p.Length || p[i] is '-' or ']')
        {
            return false;
        }

        if (p[i] == '\\')
        {
            i++;
            if (i >= p.Length)
            {
                return false;
            }
        }

        c = p[i];
        i++;
        return true;
    }
}
