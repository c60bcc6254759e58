namespace ModMesh.Access;

/// <summary>One problem of a tokens or rules file: where (1-based line; 0 for the whole file), what kind, and what.</summary>
/// <param name="Line">The 1-based line number, or 0 when the problem is the file as a whole.</param>
/// <param name="Kind">The kind of problem.</param>
/// <param name="Message">A sentence saying what is wrong (never a token: tokens files hold only hashes).</param>
public sealed record AccessFileProblem(int Line, AccessFileProblemKind Kind, string Message)
{
    /// <summary><c>line N: message</c>, the form a <c>check</c> command prints.</summary>
    public override string ToString() => Line > 0 ? $"line {Line}: {Message}" : Message;
}
