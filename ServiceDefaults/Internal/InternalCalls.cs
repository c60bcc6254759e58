using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ModMesh.ServiceDefaults.Internal;

/// <summary>
/// A shared secret (<c>ModMesh:InternalKey</c>, at least 32 characters, from a Kubernetes Secret) that marks calls
/// between ModMesh services. The gateway sends it with every request it forwards (header
/// <see cref="HeaderName"/>); cache nodes and fetchers, when it is set, answer 403 to every call without it except
/// their health probes, so a client cannot bypass the gateway's access control by calling a node or a fetcher
/// directly. A Prometheus scrape of <c>/metrics</c> presents it as <c>Authorization: Bearer &lt;key&gt;</c>.
/// </summary>
public static partial class InternalCalls
{
    /// <summary>The configuration key of the shared secret.</summary>
    public const string ConfigurationKey = "ModMesh:InternalKey";

    /// <summary>The request header that carries it between services.</summary>
    public const string HeaderName = "ModMesh-Internal-Key";

    /// <summary>The shortest key accepted.</summary>
    public const int MinimumLength = 32;

    /// <summary>The configured key, or null; throws when one is set but too short.</summary>
    public static string? Key(IConfiguration configuration)
    {
        var key = configuration[ConfigurationKey];
        if (string.IsNullOrEmpty(key))
        {
            return null;
        }

        return key.Length >= MinimumLength
            ? key
            : throw new InvalidOperationException($"{ConfigurationKey} must be at least {MinimumLength} characters (for example 32 random bytes in base64).");
    }

    /// <summary>True when <paramref name="request"/> carries <paramref name="key"/>, compared in fixed time.</summary>
    public static bool Carries(HttpRequest request, string key)
    {
        var presented = request.Headers[HeaderName].ToString();
        if (presented.Length == 0)
        {
            var authorization = request.Headers.Authorization.ToString();
            if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                presented = authorization[7..].Trim();
            }
        }

        return presented.Length > 0 && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    /// <summary>
    /// When <c>ModMesh:InternalKey</c> is set, answers 403 to every request that does not carry it, except the paths
    /// for which <paramref name="open"/> is true (default: the health probes). For cache nodes and fetchers.
    /// </summary>
    public static WebApplication RequireInternalCalls(this WebApplication app, Func<PathString, bool>? open = null)
    {
        var key = Key(app.Configuration);
        if (key is null)
        {
            return app;
        }

        open ??= path => path.StartsWithSegments(ServiceDefaultsExtensions.LivenessPath) || path.StartsWithSegments(ServiceDefaultsExtensions.ReadinessPath);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(InternalCalls));
        app.Use(async (context, next) =>
        {
            if (open(context.Request.Path) || Carries(context.Request, key))
            {
                await next(context);
                return;
            }

            Log.Refused(logger, context.Request.Method, context.Request.Path.Value ?? "", context.Connection.RemoteIpAddress?.ToString() ?? "");
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("this port takes calls from ModMesh services only; use the gateway\n");
        });
        return app;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.InternalCallRefused, Level = LogLevel.Warning, Message = "Refused a call without the internal key: {Method} {Path} from {Remote}")]
        public static partial void Refused(ILogger logger, string method, string path, string remote);
    }
}
