using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ModMesh.Fetcher.Publishing;

/// <summary>What a webhook is told about a new version (JSON, camel case).</summary>
/// <param name="Event">Always "module.published".</param>
/// <param name="Path">The module path.</param>
/// <param name="Version">The version.</param>
/// <param name="Timestamp">When it was published (its index entry).</param>
/// <param name="Hash">The zip's h1: hash (what go.sum records).</param>
/// <param name="User">Who published it (the token's user).</param>
public sealed record PublishedVersion(string Event, string Path, string Version, DateTimeOffset Timestamp, string Hash, string User);

/// <summary>
/// Tells the configured webhooks about each new version: a POST of <see cref="PublishedVersion"/> as JSON, signed with
/// HMAC-SHA256 when a secret is configured, retried with backoff, in the background (the upload's answer does not wait
/// for it). A delivery that fails every attempt is logged; the version stays published.
/// </summary>
public sealed partial class PublishWebhooks(IHttpClientFactory clients, IOptions<PublishOptions> options, TimeProvider time, ILogger<PublishWebhooks> logger)
{
    /// <summary>The named HTTP client used for deliveries (no redirects followed).</summary>
    public const string HttpClientName = "ModMesh.Webhooks";

    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "ModMesh-Signature";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly PublishOptions _options = options.Value;
    private readonly byte[]? _secret = string.IsNullOrWhiteSpace(options.Value.WebhookSecretFile)
        ? null
        : Encoding.UTF8.GetBytes(File.ReadAllText(options.Value.WebhookSecretFile).Trim());

    /// <summary>Starts the deliveries of one announcement; the returned task ends when every webhook is done (for tests).</summary>
    public Task AnnounceAsync(PublishedVersion version)
    {
        var targets = _options.WebhookUris;
        if (targets.Count == 0)
        {
            return Task.CompletedTask;
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(version, Json);
        var signature = _secret is null ? null : "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(_secret, body));
        return Task.WhenAll(targets.Select(target => Task.Run(() => DeliverAsync(target, body, signature, version))));
    }

    private async Task DeliverAsync(Uri target, byte[] body, string? signature, PublishedVersion version)
    {
        var client = clients.CreateClient(HttpClientName);
        for (var attempt = 1; ; attempt++)
        {
            string problem;
            try
            {
                using var bound = new CancellationTokenSource(_options.WebhookTimeout, time);
                using var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                if (signature is not null)
                {
                    request.Headers.TryAddWithoutValidation(SignatureHeader, signature);
                }

                using var response = await client.SendAsync(request, bound.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    Log.Delivered(logger, target.GetLeftPart(UriPartial.Path), version.Path, version.Version, attempt);
                    return;
                }

                problem = $"status {(int)response.StatusCode}";
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                problem = ex is OperationCanceledException ? $"no answer within {_options.WebhookTimeout}" : ex.Message;
            }

            if (attempt >= _options.WebhookAttempts)
            {
                Log.Failed(logger, target.GetLeftPart(UriPartial.Path), version.Path, version.Version, attempt, problem);
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(1 << (attempt - 1)), time).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2601, Level = LogLevel.Information, Message = "Webhook {Target} told of {ModulePath}@{Version} (attempt {Attempt})")]
        public static partial void Delivered(ILogger logger, string target, string modulePath, string version, int attempt);

        [LoggerMessage(EventId = 2602, Level = LogLevel.Warning, Message = "Webhook {Target} was not told of {ModulePath}@{Version} after {Attempts} attempts: {Problem}")]
        public static partial void Failed(ILogger logger, string target, string modulePath, string version, int attempts, string problem);
    }
}
