using System.Net;
using Microsoft.AspNetCore.Http;
using ModMesh.Cli.Tests.Infrastructure;
using ModMesh.Protocol;
using ModMesh.Protocol.Zip;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Http;

namespace ModMesh.Cli.Tests.Commands;

/// <summary>
/// <c>modmesh publish</c>: the dry run, and uploads to an in-test Kestrel server on 127.0.0.1 that records the request
/// and answers each status of the publish contract.
/// </summary>
public sealed class PublishCommandTests : IDisposable
{
    private const string Module = "example.test/Acme/Lib";
    private const string Token = "mm_abcdefghijkl_secret";

    private readonly ModuleTree _tree = new ModuleTree(ModuleTree.GoMod(Module), "publish")
        .File("lib.go", "package lib\n")
        .File("LICENSE", "MIT\n")
        .File("vendor/x/y/z.go", "package y\n")
        .File("README.md", "# lib\n");

    public void Dispose() => _tree.Dispose();

    [Fact]
    public async Task DryRun_PrintsCountAndHash_UploadsNothing()
    {
        var run = await CliRunner.RunAsync("publish", "--dry-run", "--dir", _tree.Root, "v1.2.3-RC.1");

        Assert.True(run.ExitCode == 0, run.ToString());
        // Left out, as in Go's CheckDir: the vendored folder vendor/x/y and the file in it.
        Assert.StartsWith($"{Module}@v1.2.3-RC.1: 4 file(s), 2 left out, ", run.OutLines[0], StringComparison.Ordinal);
        Assert.Equal(ExpectedHash("v1.2.3-RC.1"), run.OutLines[1]);
        Assert.Equal("dry run: nothing uploaded", run.OutLines[2]);
    }

    [Fact]
    public async Task DryRun_Output_KeepsAValidZip()
    {
        var output = Path.Combine(_tree.Root, "..", Path.GetFileName(_tree.Root) + ".zip");
        try
        {
            var run = await CliRunner.RunAsync("publish", "--dry-run", "--dir", _tree.Root, "--output", output, "v1.0.0");

            Assert.True(run.ExitCode == 0, run.ToString());
            await using var zip = File.OpenRead(output);
            var report = ModuleZip.Inspect(zip, Module, "v1.0.0");
            Assert.True(report.IsValid, report.Problem);
            Assert.Equal(run.OutLines[1], report.Hash);
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public async Task DryRun_OutputInsideTheTree_IsNotZippedIntoItself()
    {
        var output = _tree.Full("lib.zip");

        var run = await CliRunner.RunAsync("publish", "--dry-run", "--dir", _tree.Root, "--output", output, "v1.0.0");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain(ZipEntries.Names(output), n => n.EndsWith(".zip", StringComparison.Ordinal) || n.EndsWith(".tmp", StringComparison.Ordinal));
        Assert.Equal(["LICENSE", "README.md", "go.mod", "lib.go"], ZipEntries.Names(output).Select(n => n[(Module.Length + "@v1.0.0/".Length)..]));
    }

    [Theory]
    [InlineData("1.0.0")]
    [InlineData("v1.0")]
    [InlineData("v2.0.0")] // the module path has no /v2
    public async Task BadVersion_Fails_WithoutUpload(string version)
    {
        var run = await CliRunner.RunAsync("publish", "--dry-run", "--dir", _tree.Root, version);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(version, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModuleOption_OnlyWithoutGoMod()
    {
        var withGoMod = await CliRunner.RunAsync("publish", "--dry-run", "--dir", _tree.Root, "--module", "example.test/other", "v1.0.0");
        Assert.Equal(2, withGoMod.ExitCode);
        Assert.Contains("--module is only for a module without go.mod", withGoMod.Error, StringComparison.Ordinal);

        using var legacy = new ModuleTree(purpose: "legacy").File("l.go", "package l\n");
        Assert.Equal(2, (await CliRunner.RunAsync("publish", "--dry-run", "--dir", legacy.Root, "v1.0.0")).ExitCode);
        var run = await CliRunner.RunAsync("publish", "--dry-run", "--dir", legacy.Root, "--module", "example.test/legacy", "v1.0.0");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("example.test/legacy@v1.0.0: 1 file(s)", run.OutLines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidTree_FailsNamingTheFile()
    {
        _tree.File("bad:name.go", "x");

        var run = await CliRunner.RunAsync("publish", "--dry-run", "--dir", _tree.Root, "v1.0.0");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("bad:name.go: malformed file path", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_MissingTokenOrProxy_IsAUsageError()
    {
        Assert.Equal(2, (await CliRunner.RunAsync("publish", "--proxy", "http://127.0.0.1:9", "--dir", _tree.Root, "v1.0.0")).ExitCode);
        Assert.Equal(2, (await CliRunner.RunAsync("publish", "--token", Token, "--dir", _tree.Root, "v1.0.0")).ExitCode);
        Assert.Equal(2, (await CliRunner.RunAsync("publish", "--proxy", "ftp://127.0.0.1", "--token", Token, "--dir", _tree.Root, "v1.0.0")).ExitCode);
    }

    [Fact]
    public async Task Upload_201_SendsPutWithEscapedPathHeadersAndTheZip()
    {
        Recorded? seen = null;
        await using var server = await LoopbackWebServer.StartAsync(async context =>
        {
            seen = await Recorded.ReadAsync(context.Request);
            context.Response.StatusCode = StatusCodes.Status201Created;
        });
        var output = Path.Combine(Path.GetTempPath(), $"modmesh-publish-test-{Guid.NewGuid():N}.zip");
        try
        {
            var run = await CliRunner.RunAsync("publish", "--proxy", server.Url + "/base/", "--token", Token, "--dir", _tree.Root, "--output", output, "v1.0.0-Beta");

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.NotNull(seen);
            Assert.Equal("PUT", seen.Method);
            Assert.Equal("/base/example.test/!acme/!lib/@v/v1.0.0-!beta.zip", seen.Path);
            Assert.Equal("application/zip", seen.ContentType);
            Assert.Equal($"Bearer {Token}", seen.Authorization);
            Assert.Equal(File.ReadAllBytes(output), seen.Body);
            Assert.Equal(seen.Body.Length, seen.ContentLength);
            var hash = ExpectedHash("v1.0.0-Beta");
            Assert.Equal($"published {Module}@v1.0.0-Beta {hash}", run.OutLines[^1]);
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public async Task Upload_TokenFromEnvironment()
    {
        Recorded? seen = null;
        await using var server = await LoopbackWebServer.StartAsync(async context =>
        {
            seen = await Recorded.ReadAsync(context.Request);
            context.Response.StatusCode = StatusCodes.Status201Created;
        });

        var run = await CliRunner.RunAsync(new Dictionary<string, string> { ["MODMESH_TOKEN"] = "mm_from_env" }, "publish", "--proxy", server.Url, "--dir", _tree.Root, "v1.0.0");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("Bearer mm_from_env", seen!.Authorization);
        Assert.Equal("/example.test/!acme/!lib/@v/v1.0.0.zip", seen.Path);
    }

    [Theory]
    [InlineData(200, 0, "already published: example.test/Acme/Lib@v1.0.0 has exactly this content h1:")]
    [InlineData(409, 3, "refused: example.test/Acme/Lib@v1.0.0 is already published with different content")]
    [InlineData(401, 4, "refused: the proxy did not accept the token (401")]
    [InlineData(403, 4, "refused: the token may not publish example.test/Acme/Lib (403)")]
    [InlineData(400, 5, "refused: the proxy rejected the zip of example.test/Acme/Lib@v1.0.0 (400): server says why")]
    [InlineData(404, 6, "refused: example.test/Acme/Lib is not a module path this proxy publishes (404)")]
    [InlineData(500, 1, "failed: unexpected answer 500")]
    [InlineData(307, 1, "failed: unexpected answer 307")]
    public async Task Upload_EachAnswer_HasItsLineAndExitCode(int status, int exitCode, string line)
    {
        await using var server = await LoopbackWebServer.StartAsync(async context =>
        {
            await Recorded.ReadAsync(context.Request);
            context.Response.StatusCode = status;
            if (status == 307)
            {
                context.Response.Headers.Location = "http://127.0.0.1:9/elsewhere";
            }
            await context.Response.WriteAsync("server says why\n\u001b[31mred");
        });

        var run = await CliRunner.RunAsync("publish", "--proxy", server.Url, "--token", Token, "--dir", _tree.Root, "v1.0.0");

        Assert.Equal(exitCode, run.ExitCode);
        var printed = (exitCode == 0 ? run.Out : run.Error).Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.StartsWith(line, printed, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', run.Out + run.Error);
    }

    [Fact]
    public async Task Upload_ProxyDown_Fails()
    {
        var run = await CliRunner.RunAsync("publish", "--proxy", "http://127.0.0.1:9", "--token", Token, "--dir", _tree.Root, "v1.0.0");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("failed: cannot upload", run.Error, StringComparison.Ordinal);
    }

    private string ExpectedHash(string version)
    {
        using var zip = new MemoryStream();
        return ModuleZipWriter.Create(zip, Module, version, _tree.Root).Hash;
    }

    private sealed record Recorded(string Method, string Path, string? ContentType, string? Authorization, long? ContentLength, byte[] Body)
    {
        public static async Task<Recorded> ReadAsync(HttpRequest request)
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            return new Recorded(request.Method, request.Path + request.QueryString, request.ContentType, request.Headers.Authorization, request.ContentLength, body.ToArray());
        }
    }
}
