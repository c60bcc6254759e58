namespace ModMesh.Access;

/// <summary>The outcome of parsing a tokens or rules file: the value when the file has no problem, else every problem.</summary>
/// <typeparam name="T">What the file describes (<see cref="TokenSet"/>, <see cref="AccessRules"/>).</typeparam>
public sealed class AccessFileParseResult<T>
    where T : class
{
    internal AccessFileParseResult(T? value, IReadOnlyList<AccessFileProblem> problems)
    {
        Value = problems.Count == 0 ? value : null;
        Problems = problems;
    }

    /// <summary>The parsed value; null when there is any problem (a file is taken whole or not at all).</summary>
    public T? Value { get; }

    /// <summary>Every problem, in line order; empty when the file parsed.</summary>
    public IReadOnlyList<AccessFileProblem> Problems { get; }

    /// <summary>True when <see cref="Value"/> is set.</summary>
    public bool Succeeded => Value is not null;
}
