using ModMesh.TestSupport.Go;
using ModMesh.TestSupport.Processes;

namespace ModMesh.EndToEnd.Tests;

/// <summary>
/// A gateway process with access control serving HTTPS (the go command sends <c>.netrc</c> credentials only over
/// HTTPS) with a self-signed certificate, in front of one node; and go sandboxes that trust it, a token in their
/// <c>~/.netrc</c>.
/// </summary>
internal sealed class HttpsAccessGateway : IAsyncDisposable
{
    private HttpsAccessGateway(ServiceProcess process, GatewayCertificate certificate, string url)
    {
        Process = process;
        Certificate = certificate;
        Url = url;
    }

    /// <summary>The gateway process.</summary>
    public ServiceProcess Process { get; }

    /// <summary>Its certificate (the PEM is what clients trust).</summary>
    public GatewayCertificate Certificate { get; }

    /// <summary>The https:// base URL, the GOPROXY of the sandboxes.</summary>
    public string Url { get; }

    /// <summary>
    /// Starts a gateway for <paramref name="nodeUrl"/> with <paramref name="privatePatterns"/>, the tokens and rules
    /// files, and <paramref name="internalKey"/> when given; returns once both its http and https listeners take connections.
    /// </summary>
    public static async Task<HttpsAccessGateway> StartAsync(string folder, string nodeUrl, string privatePatterns, string tokensFile, string rulesFile, string? internalKey = null)
    {
        var certificate = await GatewayCertificate.WriteAsync(folder);
        int http = ServiceProcess.FreeLoopbackPort(), https = ServiceProcess.FreeLoopbackPort();
        var url = $"https://127.0.0.1:{https}";
        var settings = certificate.KestrelSettings(http, url);
        settings["Gateway__Nodes__0"] = nodeUrl;
        settings["Gateway__Access__Private"] = privatePatterns;
        settings["Gateway__Access__TokensFile"] = tokensFile;
        settings["Gateway__Access__RulesFile"] = rulesFile;
        settings["ModMesh__InternalKey"] = internalKey;
        var process = await ServiceProcess.StartAsync(ServiceProcess.Services.Gateway, settings, port: http);
        await GatewayCertificate.WaitForListenerAsync(url, TimeSpan.FromSeconds(30));
        return new HttpsAccessGateway(process, certificate, url);
    }

    /// <summary>
    /// A go sandbox for <paramref name="goProxy"/> (default: this gateway) trusting the certificate; with a token, its
    /// <c>~/.netrc</c> holds it for the proxy's host (go 1.19 matches the host name without the port).
    /// </summary>
    public GoSandbox Sandbox(string? token, string? goProxy = null, string goNoSumDb = "*")
    {
        goProxy ??= Url;
        var go = GoSandbox.Create(new GoSandboxOptions
        {
            GoProxy = goProxy,
            GoNoSumDb = goNoSumDb,
            Environment = new Dictionary<string, string> { ["SSL_CERT_FILE"] = Certificate.PemPath },
        });
        if (token is not null)
        {
            var netrc = Path.Combine(go.Home, ".netrc");
            File.WriteAllText(netrc, $"machine {new Uri(goProxy).Host} login ci password {token}\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(netrc, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        return go;
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
