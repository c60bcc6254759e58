using System.Net;
using System.Text;
using ModMesh.CacheNode.Tests.Infrastructure;

namespace ModMesh.CacheNode.Tests;

/// <summary>
/// Malformed requests, sent byte for byte over a socket: every one is answered 4xx (never 500, never a hang), and
/// none reaches the upstream.
/// </summary>
public sealed class MalformedRequestTests(NodeFixture fixture) : IClassFixture<NodeFixture>
{
    public static TheoryData<string, string> BadTargets => new()
    {
        { "raw dot-dot in module path", "/example.com/m/../../../etc/passwd/@v/list" },
        { "raw dot-dot after @v", "/example.com/m/@v/../../x/@v/v1.0.0.info" },
        { "raw single dot", "/example.com/./m/@v/list" },
        { "percent-encoded dot-dot", "/example.com/%2e%2e/%2e%2e/@v/list" },
        { "percent-encoded upper-case dot-dot", "/example.com/m/%2E%2E/@v/v1.0.0.zip" },
        { "percent-encoded slash", "/example.com%2fm/@v/list" },
        { "bang before a digit", "/example.com/!1abc/@v/list" },
        { "bang before upper case", "/example.com/!Abc/@v/list" },
        { "trailing bang", "/example.com/abc!/@v/list" },
        { "trailing bang in version", "/example.com/m/@v/v1.0.0-rc!.info" },
        { "upper case in encoded path", "/github.com/Azure/go/@v/list" },
        { "upper case in encoded version", "/example.com/m/@v/v1.0.0-RC.zip" },
        { "version missing v", "/example.com/m/@v/1.0.0.zip" },
        { "version with leading zero", "/example.com/m/@v/v01.0.0.zip" },
        { "non-canonical version for .zip", "/example.com/m/@v/v1.0.zip" },
        { "non-canonical version for .mod", "/example.com/m/@v/v1.mod" },
        { "build metadata for .zip", "/example.com/m/@v/v1.0.0+meta.zip" },
        { "empty version", "/example.com/m/@v/.zip" },
        { "percent-encoded NUL", "/example.com/m%00/@v/list" },
        { "percent-encoded non-ASCII", "/example.com/caf%C3%A9/@v/list" },
        { "empty element", "/example.com//m/@v/list" },
        { "empty element after @v", "/example.com/m/@v//v1.0.0.info" },
        { "trailing slash", "/example.com/m/@v/list/" },
        { "missing module path", "/@v/list" },
        { "backslash", "/example.com\\m/@v/list" },
        { "query character in version", "/example.com/m/@v/v1.0.0*.info" },
    };

    [Theory]
    [MemberData(nameof(BadTargets))]
    public async Task Get_MalformedPath_Returns400AndNeverAsksUpstream(string why, string target)
    {
        var before = fixture.Upstream.TotalRequests;

        var response = await fixture.Node.SendRawAsync(Encoding.ASCII.GetBytes(target));

        Assert.True(response.StatusCode == (int)HttpStatusCode.BadRequest, $"{why}: {target} answered {response.StatusCode}: {response.BodyText}");
        Assert.Equal(before, fixture.Upstream.TotalRequests);
    }

    public static TheoryData<string, byte[]> BadRawBytes => new()
    {
        { "raw NUL byte", [.. "/example.com/m"u8, 0, .. "/@v/list"u8] },
        { "raw control character", [.. "/example.com/m"u8, 0x01, .. "/@v/list"u8] },
        { "raw UTF-8 (non-ASCII)", [.. "/example.com/caf"u8, 0xC3, 0xA9, .. "/@v/list"u8] },
        { "raw Latin-1 byte (invalid UTF-8)", [.. "/example.com/caf"u8, 0xE9, .. "/@v/list"u8] },
        { "raw DEL", [.. "/example.com/m"u8, 0x7F, .. "/@v/list"u8] },
        { "10 KB path", Encoding.ASCII.GetBytes("/example.com/" + new string('a', 10 * 1024) + "/@v/list") },
        { "5 KB path (under the request-line limit)", Encoding.ASCII.GetBytes("/example.com/" + string.Join('/', Enumerable.Repeat("abcdefghi", 500)) + "/@v/list") },
        { "absolute-form target to another host", "http://evil.example/example.com/m/@v/list"u8.ToArray() },
        { "asterisk target", "*"u8.ToArray() },
    };

    [Theory]
    [MemberData(nameof(BadRawBytes))]
    public async Task Get_MalformedRawBytes_Returns4xxNever500(string why, byte[] target)
    {
        var before = fixture.Upstream.TotalRequests;

        var response = await fixture.Node.SendRawAsync(target);

        Assert.True(response.StatusCode is >= 400 and < 500, $"{why}: answered {response.StatusCode}: {response.BodyText}");
        Assert.Equal(before, fixture.Upstream.TotalRequests);
    }

    [Fact]
    public async Task Get_BadRequest_ExplainsInPlainText()
    {
        var response = await fixture.Node.SendRawAsync("/example.com/!1abc/@v/list"u8.ToArray());

        Assert.Equal(400, response.StatusCode);
        Assert.StartsWith("text/plain", response.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Contains("!", response.BodyText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/example.com/m/@v/v1.0.0.txt")]
    [InlineData("/example.com/m/@v/v1.0.0.info/extra")]
    [InlineData("/example.com/m/@latest/extra")]
    [InlineData("/example.com/m")]
    [InlineData("/")]
    public async Task Get_NotAProtocolRoute_Returns404(string target)
    {
        var before = fixture.Upstream.TotalRequests;

        var response = await fixture.Node.SendRawAsync(Encoding.ASCII.GetBytes(target));

        Assert.Equal(404, response.StatusCode);
        Assert.Equal(before, fixture.Upstream.TotalRequests);
    }

    [Fact]
    public async Task Get_ModuleVersionOfWrongMajor_Returns404WithoutAskingUpstream()
    {
        var before = fixture.Upstream.TotalRequests;

        using var response = await fixture.Node.Client.GetAsync("example.com/m/v2/@v/v1.0.0.zip");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(before, fixture.Upstream.TotalRequests);
    }
}
