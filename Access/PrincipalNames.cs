namespace ModMesh.Access;

/// <summary>What user and group names may look like, in the tokens file and the rules file alike.</summary>
internal static class PrincipalNames
{
    public const int MaxLength = 256;

    /// <summary>The group every authenticated user is in; it cannot be defined.</summary>
    public const string AllGroup = "@all";

    /// <summary>
    /// A user name: 1-256 characters of ASCII letters, digits and <c>. _ - + @</c>, not starting with '@' (that marks a
    /// group). E-mail addresses qualify; whitespace, '#', '=' and ':' do not.
    /// </summary>
    public static bool IsValidUser(ReadOnlySpan<char> name) =>
        name.Length is > 0 and <= MaxLength && name[0] != '@' && AllNameChars(name, allowAt: true);

    /// <summary>A group name: '@' and 1-255 characters of ASCII letters, digits and <c>. _ -</c>.</summary>
    public static bool IsValidGroup(ReadOnlySpan<char> name) =>
        name.Length is > 1 and <= MaxLength && name[0] == '@' && AllNameChars(name[1..], allowAt: false);

    private static bool AllNameChars(ReadOnlySpan<char> name, bool allowAt)
    {
        foreach (var c in name)
        {
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-'
                || (allowAt && c is '@' or '+');
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
