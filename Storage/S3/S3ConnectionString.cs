using System.Data.Common;

namespace ModMesh.Storage.S3;

/// <summary>
/// Reads the Aspire-style connection string of the S3 blob store (<c>ConnectionStrings:blobs</c>, environment
/// <c>ConnectionStrings__blobs</c>), for example
/// <c>Endpoint=http://127.0.0.1:4568;Bucket=modmesh;Region=us-east-1;AccessKey=S3RVER;SecretKey=S3RVER;ForcePathStyle=true;Prefix=cache</c>.
/// </summary>
/// <remarks>
/// Keys (case-insensitive): <c>Bucket</c> (required); <c>Endpoint</c> (an S3-compatible server; absent means AWS
/// S3); <c>Region</c> (default <c>us-east-1</c>); <c>AccessKey</c> and <c>SecretKey</c> (both or neither; neither
/// means the default AWS credential chain); <c>ForcePathStyle</c> (<c>true</c>/<c>false</c>; default <c>true</c>
/// when an endpoint is given, else <c>false</c>); <c>Prefix</c> (a key prefix inside the bucket). Any other key is
/// an error, so a typo cannot silently fall back to a default.
/// </remarks>
public static class S3ConnectionString
{
    /// <summary>The connection string name the services read: <c>ConnectionStrings:blobs</c>.</summary>
    public const string Name = "blobs";

    private static readonly string[] KnownKeys = ["Endpoint", "Bucket", "Region", "AccessKey", "SecretKey", "ForcePathStyle", "Prefix"];

    /// <summary>
    /// Parses and validates <paramref name="connectionString"/>. Throws <see cref="FormatException"/> naming the
    /// problem (and never echoing the secret key) when it is malformed, misses the bucket, or holds bad values.
    /// </summary>
    public static S3BlobStoreOptions Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = connectionString;
        }
        catch (ArgumentException ex)
        {
            throw new FormatException(
                $"The S3 connection string is malformed ({ex.Message}). Expected 'Endpoint=http://host:port;Bucket=name;Region=us-east-1;AccessKey=...;SecretKey=...;ForcePathStyle=true;Prefix=optional'.", ex);
        }

        foreach (string key in builder.Keys)
        {
            if (!KnownKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw new FormatException(
                    $"The S3 connection string has an unknown key '{key}'. Known keys: {string.Join(", ", KnownKeys)}.");
            }
        }

        var options = new S3BlobStoreOptions();
        string? endpoint = Get(builder, "Endpoint");
        if (endpoint is not null)
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
            {
                throw new FormatException($"The S3 connection string's Endpoint '{endpoint}' is not an absolute URL.");
            }

            options.Endpoint = uri;
        }

        options.Bucket = Get(builder, "Bucket") ?? "";
        options.Region = Get(builder, "Region") ?? options.Region;
        options.AccessKey = Get(builder, "AccessKey");
        options.SecretKey = Get(builder, "SecretKey");
        options.Prefix = Get(builder, "Prefix") ?? "";
        string? pathStyle = Get(builder, "ForcePathStyle");
        if (pathStyle is null)
        {
            options.ForcePathStyle = options.Endpoint is not null;
        }
        else if (bool.TryParse(pathStyle, out bool forcePathStyle))
        {
            options.ForcePathStyle = forcePathStyle;
        }
        else
        {
            throw new FormatException($"The S3 connection string's ForcePathStyle must be 'true' or 'false' (got '{pathStyle}').");
        }

        if (string.IsNullOrWhiteSpace(options.Bucket))
        {
            throw new FormatException("The S3 connection string has no Bucket: add 'Bucket=<name>' (the bucket must exist).");
        }

        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new FormatException("The S3 connection string is invalid: " + string.Join(" ", errors));
        }

        return options;
    }

    private static string? Get(DbConnectionStringBuilder builder, string key) =>
        builder.TryGetValue(key, out object? value) && value?.ToString() is { Length: > 0 } text ? text.Trim() : null;
}
