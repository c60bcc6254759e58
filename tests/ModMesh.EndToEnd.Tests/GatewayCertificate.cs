using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ModMesh.EndToEnd.Tests;

/// <summary>
/// A self-signed certificate for 127.0.0.1, so a gateway can serve HTTPS (the go command sends .netrc credentials only
/// over HTTPS): a PFX for Kestrel, and the same certificate as PEM for clients to trust (SSL_CERT_FILE).
/// </summary>
internal sealed record GatewayCertificate(string PfxPath, string Password, string PemPath)
{
    public static async Task<GatewayCertificate> WriteAsync(string folder)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=modmesh-test-gateway", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var pfx = Path.Combine(folder, "gateway.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, password));
        var pem = Path.Combine(folder, "gateway.pem");
        await File.WriteAllTextAsync(pem, certificate.ExportCertificatePem() + "\n");
        return new GatewayCertificate(pfx, password, pem);
    }

    /// <summary>
    /// Waits until <paramref name="httpsUrl"/> accepts connections. Kestrel binds its endpoints one after another and
    /// serves the first (plain http, where readiness is probed) while it still loads the certificate for the second,
    /// so "ready" on http does not yet mean https is listening (seen as "connection refused" under load).
    /// </summary>
    public static async Task WaitForListenerAsync(string httpsUrl, TimeSpan timeout)
    {
        var uri = new Uri(httpsUrl);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(uri.Host, uri.Port);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Kestrel settings (environment variables) for a gateway listening on http and https with this certificate.</summary>
    public Dictionary<string, string?> KestrelSettings(int httpPort, string httpsUrl) => new()
    {
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort};{httpsUrl}",
        ["Kestrel__Certificates__Default__Path"] = PfxPath,
        ["Kestrel__Certificates__Default__Password"] = Password,
    };
}
