using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;

namespace ModMesh.AppHost;

/// <summary>
/// The AppHost's own settings, section "ModMesh" of its configuration: appsettings.json, environment variables
/// (<c>ModMesh__Upstream=...</c>) or the command line (<c>dotnet run --project AppHost -- --ModMesh:Upstream=...</c>).
/// </summary>
internal sealed record AppHostSettings(
    string Upstream,
    string? Private,
    string StoragePath,
    int GatewayPort,
    bool Distributed,
    int CacheNodes,
    int Fetchers,
    int RedisPort,
    int S3Port,
    string? Sumdb,
    string RedisPassword,
    string JobSigningKey,
    string? InternalKey,
    string? TokensFile,
    string? RulesFile,
    string? Webhooks)
{
    /// <summary>The upstream chain when none is configured, written like GOPROXY.</summary>
    public const string DefaultUpstream = "https://proxy.golang.org";

    /// <summary>The port go clients use (GOPROXY=http://127.0.0.1:8080) when none is configured.</summary>
    public const int DefaultGatewayPort = 8080;

    public static AppHostSettings Read(IDistributedApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("ModMesh");

        var upstream = section["Upstream"] is { Length: > 0 } u ? u : DefaultUpstream;
        var privatePatterns = section["Private"] is { Length: > 0 } p ? p : null;

        // Default storage: <repository root>/.modmesh/storage, the repository root being the AppHost project's
        // parent folder, so every `dotnet run --project AppHost` (from any working directory) shares one cache.
        // A relative configured path is taken relative to the AppHost project folder.
        var storagePath = Path.GetFullPath(
            section["Storage:Path"] is { Length: > 0 } s ? s : Path.Combine("..", ".modmesh", "storage"),
            builder.AppHostDirectory);

        var gatewayPort = section.GetValue("GatewayPort", DefaultGatewayPort);
        if (gatewayPort is < 1 or > 65535)
        {
            throw new InvalidOperationException($"ModMesh:GatewayPort must be a TCP port (1-65535), not {gatewayPort}.");
        }

        // "embedded" (default): one node, folder store, in-process fills. "distributed": redis-server and an S3
        // server as executables, N cache nodes and M fetchers.
        var topology = section["Topology"] is { Length: > 0 } t ? t.Trim().ToLowerInvariant() : "embedded";
        if (topology is not ("embedded" or "distributed"))
        {
            throw new InvalidOperationException($"ModMesh:Topology must be \"embedded\" or \"distributed\", not \"{topology}\".");
        }

        var nodes = section.GetValue("CacheNodes", 3);
        var fetchers = section.GetValue("Fetchers", 2);
        var redisPort = section.GetValue("RedisPort", 6380);
        var s3Port = section.GetValue("S3Port", 4569);
        if (nodes is < 1 or > 16 || fetchers is < 1 or > 16)
        {
            throw new InvalidOperationException("ModMesh:CacheNodes and ModMesh:Fetchers must be between 1 and 16.");
        }

        // The distributed topology's secrets: configured, or new on every run (random, never written anywhere).
        var redisPassword = section["RedisPassword"] is { Length: > 0 } rp ? rp : Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        if (!redisPassword.All(char.IsAsciiLetterOrDigit))
        {
            throw new InvalidOperationException("ModMesh:RedisPassword must be ASCII letters and digits (it goes into the Redis connection string).");
        }

        var jobSigningKey = section["JobSigningKey"] is { Length: > 0 } k ? k : Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        // Private modules: the gateway checks tokens and rules (files reloaded live; by default under
        // <repository root>/.modmesh/access, created empty), and nodes and fetchers take calls only from the gateway
        // (the internal key: configured, or new on every run). Without private patterns none of this is switched on.
        string? internalKey = section["InternalKey"] is { Length: > 0 } ik ? ik : null;
        string? tokensFile = null, rulesFile = null;
        if (privatePatterns is not null)
        {
            internalKey ??= Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            var accessFolder = Path.GetFullPath(Path.Combine("..", ".modmesh", "access"), builder.AppHostDirectory);
            tokensFile = AccessFile(section["TokensFile"], Path.Combine(accessFolder, "tokens"), builder.AppHostDirectory,
                "# ModMesh tokens: one line per token, from `modmesh tokens issue <user> --file <this file>`\n");
            rulesFile = AccessFile(section["RulesFile"], Path.Combine(accessFolder, "rules"), builder.AppHostDirectory,
                "# ModMesh access rules (docs/ACCESS.md): <module path pattern> <R|RW|-> = <users and @groups>\n");
        }

        return new AppHostSettings(upstream, privatePatterns, storagePath, gatewayPort, topology == "distributed", nodes, fetchers, redisPort, s3Port,
            section["Sumdb"] is { Length: > 0 } sumdb ? sumdb : null, redisPassword, jobSigningKey,
            internalKey, tokensFile, rulesFile, section["Publish:Webhooks"] is { Length: > 0 } hooks ? hooks : null);
    }

    // A configured access file must exist; the default one is created (empty but for a comment) when missing.
    private static string AccessFile(string? configured, string defaultPath, string baseDirectory, string header)
    {
        if (configured is { Length: > 0 })
        {
            var path = Path.GetFullPath(configured, baseDirectory);
            return File.Exists(path) ? path : throw new InvalidOperationException($"The access file {path} does not exist.");
        }

        if (!File.Exists(defaultPath))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(defaultPath)!);
            File.WriteAllText(defaultPath, header);
        }

        return defaultPath;
    }
}
