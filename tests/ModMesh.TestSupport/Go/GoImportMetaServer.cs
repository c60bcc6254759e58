using System.Net;
using Microsoft.AspNetCore.Http;
using ModMesh.TestSupport.Http;

namespace ModMesh.TestSupport.Go;

/// <summary>
/// A loopback stand-in for the web servers of custom import-path domains (gopkg.in, golang.org, example.com):
/// used as the go command's HTTP_PROXY/HTTPS_PROXY while it resolves repositories directly, it answers
/// <c>?go-get=1</c> with a go-import meta tag naming "git https://&lt;repo root&gt;", which the generated gitconfig
/// rewrites to a local file:// repository. HTTPS CONNECT is refused, so go falls back to plain HTTP (GOINSECURE);
/// nothing leaves the machine.
/// </summary>
public sealed class GoImportMetaServer : IAsyncDisposable
{
    private readonly LoopbackWebServer _server;

    private GoImportMetaServer(LoopbackWebServer server) => _server = server;

    /// <summary>The proxy URL to give go as HTTP_PROXY/HTTPS_PROXY.</summary>
    public string ProxyUrl => _server.Url;

    /// <summary>Starts answering go-import for <paramref name="repoRoots"/> (each also covers the paths below it).</summary>
    public static async Task<GoImportMetaServer> StartAsync(IReadOnlyCollection<string> repoRoots, CancellationToken cancellationToken)
    {
        var roots = repoRoots.OrderByDescending(r => r.Length).ToArray();
        var server = await LoopbackWebServer.StartAsync(context => HandleAsync(context, roots), cancellationToken).ConfigureAwait(false);
        return new GoImportMetaServer(server);
    }

    private static async Task HandleAsync(HttpContext context, string[] roots)
    {
        if (HttpMethods.IsConnect(context.Request.Method) || context.Request.Query["go-get"] != "1")
        {
            context.Response.StatusCode = (int)HttpStatusCode.Forbidden;
            return;
        }

        var importPath = context.Request.Host.Host + context.Request.Path.Value?.TrimEnd('/');
        var root = roots.FirstOrDefault(r => importPath == r || importPath.StartsWith(r + "/", StringComparison.Ordinal));
        if (root is null)
        {
            context.Response.StatusCode = (int)HttpStatusCode.NotFound;
            await context.Response.WriteAsync($"no repository for {importPath}").ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(
            $"<!DOCTYPE html><html><head><meta name=\"go-import\" content=\"{root} git https://{root}\"></head><body></body></html>")
            .ConfigureAwait(false);
    }

    /// <summary>Stops the server.</summary>
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
