namespace ModMesh.Protocol.Tests;

public class CaseEncodingTests
{
    [Theory]
    [InlineData("github.com/Azure/x", "github.com/!azure/x")]
    [InlineData("github.com/GoogleCloudPlatform/omega", "github.com/!google!cloud!platform/omega")]
    [InlineData("ascii.com/abcdefghijklmnopqrstuvwxyz.-/~_0123456789", "ascii.com/abcdefghijklmnopqrstuvwxyz.-/~_0123456789")]
    [InlineData("github.com/BurntSushi/toml", "github.com/!burnt!sushi/toml")]
    public void TryEscapePath_ValidPath_EncodesUpperCase(string path, string escaped)
    {
        Assert.True(CaseEncoding.TryEscapePath(path, out var actual, out var error));
        Assert.Null(error);
        Assert.Equal(escaped, actual);

        Assert.True(CaseEncoding.TryUnescapePath(escaped, out var decoded, out error));
        Assert.Null(error);
        Assert.Equal(path, decoded);
    }

    [Theory]
    [MemberData(nameof(ModulePathTests.PathCases), MemberType = typeof(ModulePathTests))]
    public void TryEscapePath_InvalidPath_Fails(string path, bool valid)
    {
        if (!valid)
        {
            Assert.False(CaseEncoding.TryEscapePath(path, out _, out var error));
            Assert.NotNull(error);
            Assert.False(CaseEncoding.TryUnescapePath(path, out _, out error));
            Assert.NotNull(error);
        }
    }

    [Theory]
    [InlineData("github.com/GoogleCloudPlatform/omega")] // upper case in an encoded path
    [InlineData("github.com/!google!cloud!platform!/omega")] // '!' before '/'
    [InlineData("github.com/!0google!cloud!platform/omega")] // '!' before a digit
    [InlineData("github.com/!_google!cloud!platform/omega")] // '!' before '_'
    [InlineData("github.com/!!google!cloud!platform/omega")] // "!!"
    [InlineData("github.com/!Google/omega")] // '!' before an upper-case letter
    [InlineData("github.com/google!")] // trailing '!'
    [InlineData("github.com/gööglé/x")] // non-ASCII
    [InlineData("")]
    public void TryUnescapePath_MalformedEncoding_FailsWithMessage(string escaped)
    {
        Assert.False(CaseEncoding.TryUnescapePath(escaped, out var path, out var error));
        Assert.Equal("", path);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Theory]
    [InlineData("v1.0.0-RC1", "v1.0.0-!r!c1")]
    [InlineData("v1.2.3", "v1.2.3")]
    [InlineData("master", "master")]
    [InlineData("Feature-X", "!feature-!x")]
    [InlineData("v2.0.0+incompatible", "v2.0.0+incompatible")]
    public void TryEscapeVersion_Version_RoundTrips(string version, string escaped)
    {
        Assert.True(CaseEncoding.TryEscapeVersion(version, out var actual, out var error));
        Assert.Null(error);
        Assert.Equal(escaped, actual);

        Assert.True(CaseEncoding.TryUnescapeVersion(escaped, out var decoded, out error));
        Assert.Null(error);
        Assert.Equal(version, decoded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("v1!")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("v1.0.")]
    [InlineData("v1\u0000")]
    [InlineData("v1 x\n")]
    [InlineData("vé")]
    public void TryEscapeVersion_DisallowedVersion_Fails(string version)
    {
        Assert.False(CaseEncoding.TryEscapeVersion(version, out var escaped, out var error));
        Assert.Equal("", escaped);
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData("v1.0.0-!R!C1")]
    [InlineData("v1.0.0-RC1")]
    [InlineData("v1.0.0-!1")]
    [InlineData("v1.0.0!")]
    [InlineData("v1.0.0-é")]
    [InlineData("a/b")]
    [InlineData("")]
    public void TryUnescapeVersion_Malformed_Fails(string escaped)
    {
        Assert.False(CaseEncoding.TryUnescapeVersion(escaped, out var version, out var error));
        Assert.Equal("", version);
        Assert.NotNull(error);
    }
}
