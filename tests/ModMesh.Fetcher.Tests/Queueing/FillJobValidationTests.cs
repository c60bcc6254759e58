using ModMesh.Coordination;
using ModMesh.Fetcher.Queueing;
using ModMesh.Storage.Modules;

namespace ModMesh.Fetcher.Tests.Queueing;

/// <summary>
/// A fetcher trusts nothing in a job it reads from the queue: the module path and version are re-validated and the
/// escaped forms derived again; a job whose escaped forms disagree (a forged job that would fetch one module and commit
/// it under another's name) is refused.
/// </summary>
public sealed class FillJobValidationTests
{
    private static FillJob Job(string path, string version, string escapedPath, string escapedVersion, string file = "zip") =>
        new(path, version, escapedPath, escapedVersion, null, DateTimeOffset.UnixEpoch, file);

    [Theory]
    [InlineData("github.com/BurntSushi/toml", "v1.2.0", "github.com/!burnt!sushi/toml", "v1.2.0", "mod", ModuleFile.Mod)]
    [InlineData("example.com/m/v2", "v2.0.0-rc.1", "example.com/m/v2", "v2.0.0-rc.1", "info", ModuleFile.Info)]
    [InlineData("example.com/legacy", "v3.0.0+incompatible", "example.com/legacy", "v3.0.0+incompatible", "zip", ModuleFile.Zip)]
    public void TryValidate_HonestJob_RequestWithDerivedEscapedForms(string path, string version, string escapedPath, string escapedVersion, string file, ModuleFile expected)
    {
        Assert.True(FillJobConsumer.TryValidate(Job(path, version, escapedPath, escapedVersion, file), out var request, out var problem), problem);

        Assert.Equal(path, request.ModulePath);
        Assert.Equal(version, request.Version);
        Assert.Equal(new ModuleVersionKey(escapedPath, escapedVersion), request.Key);
        Assert.Equal(expected, request.File);
    }

    [Theory]
    [InlineData("corp.example.com/secret", "v1.0.0", "github.com/popular/lib", "v1.0.0", "zip", "does not match")] // committed under another name
    [InlineData("github.com/popular/lib", "v1.0.0", "corp.example.com/secret", "v1.0.0", "zip", "does not match")]
    [InlineData("github.com/BurntSushi/toml", "v1.2.0", "github.com/BurntSushi/toml", "v1.2.0", "zip", "does not match")] // unescaped upper case
    [InlineData("example.com/m", "v1.0.0", "example.com/m", "v1.0.1", "zip", "does not match")]
    [InlineData("example.com/m", "master", "example.com/m", "master", "zip", "canonical")]
    [InlineData("example.com/m", "v2.0.0", "example.com/m", "v2.0.0", "zip", "invalid module version")]
    [InlineData("../../etc", "v1.0.0", "../../etc", "v1.0.0", "zip", "invalid module version")]
    [InlineData("example.com/m", "v1.0.0", "example.com/m", "v1.0.0", "tar", "unknown file")]
    [InlineData("example.com/m", "v1.0.0", "example.com/m", "v1.0.0", "", "unknown file")]
    public void TryValidate_ForgedOrMalformedJob_Refused(string path, string version, string escapedPath, string escapedVersion, string file, string reason)
    {
        Assert.False(FillJobConsumer.TryValidate(Job(path, version, escapedPath, escapedVersion, file), out var request, out var problem));

        Assert.Null(request);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryValidate_MissingOrOversizedFields_Refused()
    {
        Assert.False(FillJobConsumer.TryValidate(Job(null!, "v1.0.0", "x", "v1.0.0"), out _, out _));
        Assert.False(FillJobConsumer.TryValidate(Job("example.com/" + new string('a', 2000), "v1.0.0", "x", "v1.0.0"), out _, out var problem));
        Assert.Contains("oversized", problem, StringComparison.Ordinal);
    }
}
