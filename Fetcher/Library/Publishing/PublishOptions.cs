using System.ComponentModel.DataAnnotations;

namespace ModMesh.Fetcher.Publishing;

/// <summary>
/// Publishing private module versions ("ModMesh:Publish"). Uploads are accepted only for paths matching
/// ModMesh:Private, and only from a gateway (ModMesh:InternalKey set), which checked the uploader's RW permission.
/// </summary>
public sealed class PublishOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "ModMesh:Publish";

    /// <summary>Whether uploads are accepted at all. Default true (still only for private paths, through a gateway).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Comma-separated http(s) URLs that get a POST with a JSON description of every new version, e.g. a chat
    /// integration or a CI trigger. Default: none.
    /// </summary>
    public string Webhooks { get; set; } = "";

    /// <summary>
    /// A file holding the secret that signs webhook bodies: header <c>ModMesh-Signature: sha256=&lt;hex HMAC-SHA256 of
    /// the body&gt;</c>. Default: none (unsigned).
    /// </summary>
    public string WebhookSecretFile { get; set; } = "";

    /// <summary>How long one webhook delivery may take. Default 10 s.</summary>
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Deliveries tried per webhook and version (with 1 s, 2 s, 4 s … between them). Default 3.</summary>
    public int WebhookAttempts { get; set; } = 3;

    /// <summary>How long an upload waits for the version's locks (a concurrent upload or fill of it). Default 30 s.</summary>
    public TimeSpan LockWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The webhook URLs, parsed.</summary>
    internal IReadOnlyList<Uri> WebhookUris => Webhooks
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(u => new Uri(u, UriKind.Absolute))
        .ToArray();

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var url in Webhooks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.UserInfo))
            {
                yield return new ValidationResult($"ModMesh:Publish:Webhooks: \"{url}\" is not an http(s) URL without user information.");
            }
        }

        if (!string.IsNullOrWhiteSpace(WebhookSecretFile) && !File.Exists(WebhookSecretFile))
        {
            yield return new ValidationResult("ModMesh:Publish:WebhookSecretFile names a file that does not exist.");
        }

        if (WebhookTimeout <= TimeSpan.Zero || WebhookAttempts is < 1 or > 10 || LockWait <= TimeSpan.Zero)
        {
            yield return new ValidationResult("ModMesh:Publish: WebhookTimeout and LockWait must be positive, WebhookAttempts 1-10.");
        }
    }
}
