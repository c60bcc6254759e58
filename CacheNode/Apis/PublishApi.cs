using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using ModMesh.Fetcher.Publishing;
using ModMesh.Protocol;
using ModMesh.ServiceDefaults.Internal;
using ModMesh.Storage.Modules;

namespace ModMesh.CacheNode.Apis;

/// <summary>
/// Uploads of private module versions (<c>PUT /{module}/@v/{version}.zip</c>) and the module index feed
/// (<c>GET /index?since=&amp;limit=</c>, index.golang.org's format). Uploads are taken only when the node requires
/// the internal key: then every call came through a gateway, which checked the uploader's token and RW permission and
/// names the uploader in <see cref="UserHeader"/>.
/// </summary>
public static class PublishApi
{
    /// <summary>The header in which the gateway names the authenticated user of a forwarded request.</summary>
    public const string UserHeader = "ModMesh-User";

    private const string TextPlain = "text/plain; charset=utf-8";

    /// <summary>Maps the upload and index routes.</summary>
    public static IEndpointRouteBuilder MapPublishApi(this IEndpointRouteBuilder app)
    {
        app.MapPut("/{**path}", UploadAsync).WithName("Publish").ExcludeFromDescription();
        app.MapGet("/index", IndexAsync).WithName("Index").ExcludeFromDescription();
        app.MapGet("/catalog", CatalogAsync).WithName("Catalog").ExcludeFromDescription();
        return app;
    }

    internal static async Task<IResult> UploadAsync(HttpContext context, ModulePublisher publisher, IConfiguration configuration, CancellationToken cancellationToken)
    {
        if (InternalCalls.Key(configuration) is null)
        {
            return Text(403, "publishing needs ModMesh:InternalKey on the nodes: uploads are taken only through a gateway that checks tokens");
        }

        var status = ProxyPathParser.TryParse(GoProxyApi.RawPath(context), out var request, out var error);
        if (status != ProxyPathStatus.Ok || request is null || request.Kind != ProxyRequestKind.Zip)
        {
            return Text(400, $"upload a zip to /{{module}}/@v/{{version}}.zip{(error is null ? "" : $" ({error})")}");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = publisher.MaxUploadBytes;
        }

        var user = context.Request.Headers[UserHeader].ToString();
        var remote = context.Request.Headers["X-Forwarded-For"].ToString().Split(',')[0].Trim() is { Length: > 0 } forwarded
            ? forwarded
            : context.Connection.RemoteIpAddress?.ToString() ?? "";
        try
        {
            PublishResult result;
            if (MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                result = await UploadFormAsync(context, type, publisher, request, user, remote, cancellationToken);
            }
            else
            {
                result = await publisher.PublishAsync(new PublishRequest(request.ModulePath, request.Version!, context.Request.Body, null, user, remote), cancellationToken);
            }

            return Text(result.StatusCode, result.Message);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Text(413, $"the upload is larger than {publisher.MaxUploadBytes} bytes");
        }
        catch (BadHttpRequestException ex)
        {
            // The upload broke off or was malformed on the wire: the client's problem, nothing was stored.
            return Text(ex.StatusCode, "the upload did not arrive whole; nothing was stored");
        }
    }

    // multipart/form-data: a "zip" part and an optional "mod" part (a go.mod given beside the zip), in any order.
    private static async Task<PublishResult> UploadFormAsync(HttpContext context, MediaTypeHeaderValue type, ModulePublisher publisher, ProxyRequest request, string user, string remote, CancellationToken cancellationToken)
    {
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 200)
        {
            return new PublishResult(400, "multipart/form-data without a usable boundary");
        }

        var reader = new MultipartReader(boundary, context.Request.Body);
        byte[]? goMod = null;
        FileStream? zip = null;
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                var name = ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    ? HeaderUtilities.RemoveQuotes(disposition.Name).Value
                    : null;
                switch (name)
                {
                    case "mod" when goMod is null:
                        using (var buffer = new MemoryStream())
                        {
                            await section.Body.CopyToAsync(buffer, cancellationToken);
                            if (buffer.Length > publisher.MaxGoModBytes)
                            {
                                return new PublishResult(413, $"the go.mod is larger than {publisher.MaxGoModBytes} bytes");
                            }

                            goMod = buffer.ToArray();
                        }

                        break;
                    case "zip" when zip is null:
                        zip = publisher.CreateSpool();
                        await section.Body.CopyToAsync(zip, cancellationToken);
                        zip.Position = 0;
                        break;
                    default:
                        return new PublishResult(400, "a form upload has one \"zip\" part and at most one \"mod\" part");
                }
            }

            if (zip is null)
            {
                return new PublishResult(400, "the form has no \"zip\" part");
            }

            return await publisher.PublishAsync(new PublishRequest(request.ModulePath, request.Version!, zip, goMod, user, remote), cancellationToken);
        }
        catch (InvalidDataException ex)
        {
            return new PublishResult(400, $"the form is malformed: {ClientText.Escape(ex.Message, 120)}");
        }
        finally
        {
            if (zip is not null)
            {
                await zip.DisposeAsync();
            }
        }
    }

    internal static async Task IndexAsync(HttpContext context, ModuleIndex index, CancellationToken cancellationToken)
    {
        var since = DateTimeOffset.MinValue;
        var limit = ModuleIndex.MaxPage;
        var query = context.Request.Query;
        if (query["since"].ToString() is { Length: > 0 } s &&
            !DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out since))
        {
            await WriteTextAsync(context, 400, "since must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z");
            return;
        }

        if (query["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1))
        {
            await WriteTextAsync(context, 400, $"limit must be a whole number from 1 to {ModuleIndex.MaxPage}");
            return;
        }

        context.Response.ContentType = "application/x-ndjson; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        await using var lines = new StreamWriter(context.Response.Body, leaveOpen: true);
        await foreach (var entry in index.ReadAsync(since, limit, cancellationToken))
        {
            if (!CaseEncoding.TryUnescapePath(entry.Key.EscapedPath, out var path, out _) ||
                !CaseEncoding.TryUnescapeVersion(entry.Key.EscapedVersion, out var version, out _))
            {
                continue;
            }

            await lines.WriteAsync(JsonSerializer.Serialize(new IndexLine(path, version, entry.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", CultureInfo.InvariantCulture))));
            await lines.WriteAsync('\n');
        }
    }

    /// <summary>
    /// The module paths ModMesh holds, one JSON line each (<c>{"Path": ...}</c>), in pages of at most
    /// <see cref="ModuleIndex.MaxPage"/>: <c>/catalog?after=&lt;last path of the previous page&gt;&amp;limit=&lt;n&gt;</c>.
    /// </summary>
    internal static async Task CatalogAsync(HttpContext context, ModuleStore store, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        var limit = ModuleIndex.MaxPage;
        if (query["limit"].ToString() is { Length: > 0 } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1))
        {
            await WriteTextAsync(context, 400, $"limit must be a whole number from 1 to {ModuleIndex.MaxPage}");
            return;
        }

        string? after = null;
        if (query["after"].ToString() is { Length: > 0 } a && !CaseEncoding.TryEscapePath(a, out after, out _))
        {
            await WriteTextAsync(context, 400, "after must be a module path (the last one of the previous page)");
            return;
        }

        context.Response.ContentType = "application/x-ndjson; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        await using var lines = new StreamWriter(context.Response.Body, leaveOpen: true);
        await foreach (var escaped in store.ListModulePathsAsync(after, Math.Min(limit, ModuleIndex.MaxPage), cancellationToken))
        {
            if (CaseEncoding.TryUnescapePath(escaped, out var path, out _))
            {
                await lines.WriteAsync(JsonSerializer.Serialize(new CatalogLine(path)));
                await lines.WriteAsync('\n');
            }
        }
    }

    private sealed record IndexLine(string Path, string Version, string Timestamp);

    private sealed record CatalogLine(string Path);

    private static IResult Text(int status, string message) => Results.Text(message.EndsWith('\n') ? message : message + "\n", TextPlain, statusCode: status);

    private static async Task WriteTextAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = TextPlain;
        await context.Response.WriteAsync(message + "\n");
    }
}
