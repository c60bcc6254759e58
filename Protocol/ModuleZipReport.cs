namespace ModMesh.Protocol;

/// <summary>What <see cref="ModuleZip.Inspect"/> found.</summary>
/// <param name="Problem">Null when the zip is a valid module zip; else the first problem found, worded for a person.</param>
/// <param name="Hash">The zip's "h1:" dirhash (go.sum's value), only when <paramref name="Problem"/> is null.</param>
/// <param name="GoMod">The bytes of the root go.mod entry when the zip has one and is valid, else null.</param>
public sealed record ModuleZipReport(string? Problem, string? Hash, byte[]? GoMod)
{
    /// <summary>Whether the zip is a valid module zip.</summary>
    public bool IsValid => Problem is null;

    internal static ModuleZipReport Invalid(string problem) => new(problem, null, null);
}
