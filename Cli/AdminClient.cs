using System.Net;
using System.Net.Http.Headers;

namespace ModMesh.Cli;

/// <summary>The HTTP client of the admin commands: the proxy (a gateway, or a node on loopback) and the token.</summary>
internal static class AdminClient
{
    /// <summary>A client for <c>--proxy</c> with the token of <c>--token</c> or MODMESH_TOKEN (none: anonymous, for a node or gateway on loopback).</summary>
    public static HttpClient Create(Arguments parsed, CliContext context)
    {
        var proxy = parsed.RequireOption("proxy", "proxy URL");
        if (!Uri.TryCreate(proxy.TrimEnd('/') + "/", UriKind.Absolute, out var proxyUri) || proxyUri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--proxy '{proxy}' is not an http:// or https:// URL");
        }

        var client = context.HttpHandler is { } handler
            ? new HttpClient(handler, disposeHandler: false)
            : new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }, disposeHandler: true);
        client.BaseAddress = proxyUri;
        client.Timeout = TimeSpan.FromMinutes(5);
        if ((parsed.Option("token") ?? context.GetEnvironmentVariable(PublishCommand.TokenVariable)) is { Length: > 0 } token)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>Prints a refusal or failure of an admin call and returns its exit code.</summary>
    public static async Task<int> FailedAsync(HttpResponseMessage response, CliContext context, CancellationToken cancellationToken)
    {
        var text = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
        if (text.Length > 500)
        {
            text = text[..500];
        }

        await context.Error.WriteLineAsync($"modmesh: the proxy answered {(int)response.StatusCode}: {text}").ConfigureAwait(false);
        return response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? ExitCodes.Denied : ExitCodes.Failure;
    }
}
