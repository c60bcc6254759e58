namespace ModMesh.Storage.S3;

/// <summary>
/// Settings of <see cref="S3BlobStore"/>. Usually made from the Aspire-style connection string
/// <c>ConnectionStrings:blobs</c> by <see cref="S3ConnectionString.Parse"/>; the tuning knobs below have no
/// connection-string keys and keep their defaults there.
/// </summary>
public sealed class S3BlobStoreOptions
{
    /// <summary>The smallest part S3 accepts in a multipart upload (every part but the last).</summary>
    public const int MinPartSize = 5 * 1024 * 1024;

    /// <summary>The largest part size this store allows (the part is held in memory while it is sent).</summary>
    public const int MaxPartSize = 64 * 1024 * 1024;

    /// <summary>The default of <see cref="PartSize"/>: 8 MiB.</summary>
    public const int DefaultPartSize = 8 * 1024 * 1024;

    /// <summary>
    /// The service URL of an S3-compatible server (<c>http://127.0.0.1:4568</c>, a MinIO, Ceph or R2 endpoint).
    /// <c>null</c> (the default) means AWS S3 itself in <see cref="Region"/>.
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The bucket that holds the blobs (it must exist; the store never creates it). Required.</summary>
    public string Bucket { get; set; } = "";

    /// <summary>The signing region (and the AWS region when <see cref="Endpoint"/> is null). Default <c>us-east-1</c>.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>
    /// The access key id. When <see cref="AccessKey"/> and <see cref="SecretKey"/> are both null the default AWS
    /// credential chain is used (environment, profile, web identity, instance role). Give both or neither.
    /// </summary>
    public string? AccessKey { get; set; }

    /// <summary>The secret access key; see <see cref="AccessKey"/>.</summary>
    public string? SecretKey { get; set; }

    /// <summary>
    /// Address buckets as <c>endpoint/bucket/key</c> instead of <c>bucket.endpoint/key</c>. Most S3-compatible
    /// servers (s3rver, MinIO) need it. Default <c>false</c>; <see cref="S3ConnectionString.Parse"/> defaults it to
    /// <c>true</c> when the connection string names an endpoint.
    /// </summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>
    /// A key prefix inside the bucket, so several deployments can share one bucket: blob key <c>k</c> is the object
    /// <c>{Prefix}/k</c>. Empty (the default) uses the bucket's root. Leading and trailing '/' are ignored.
    /// </summary>
    public string Prefix { get; set; } = "";

    /// <summary>
    /// The size of one multipart-upload part, and the largest blob written with a single PutObject. Every write
    /// holds one buffer of this size (pooled) while it runs. Default <see cref="DefaultPartSize"/> (8 MiB); between
    /// <see cref="MinPartSize"/> and <see cref="MaxPartSize"/>.
    /// </summary>
    public int PartSize { get; set; } = DefaultPartSize;

    /// <summary>How many times the SDK retries a failed request (connection errors, 5xx, throttling). Default 2.</summary>
    public int MaxErrorRetry { get; set; } = 2;

    /// <summary>
    /// The time one HTTP request may take (a part upload, a metadata request, the headers of a read).
    /// Default 100 seconds.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>The time to open a TCP connection to the server. Default 5 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The object key of a blob key: <see cref="Prefix"/>, a '/', the key.</summary>
    internal string NormalizedPrefix => Prefix.Trim('/') is { Length: > 0 } p ? p + "/" : "";

    /// <summary>Every problem with these settings (empty when they are usable).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Bucket))
        {
            errors.Add("S3 blob store: 'Bucket' is required.");
        }
        else if (!IsValidBucketName(Bucket))
        {
            errors.Add($"S3 blob store: '{Bucket}' is not a valid bucket name (3-63 characters: lowercase letters, digits, '.', '-'; starting and ending with a letter or digit).");
        }

        if (Endpoint is not null && (!Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttp && Endpoint.Scheme != Uri.UriSchemeHttps)))
        {
            errors.Add($"S3 blob store: 'Endpoint' must be an absolute http:// or https:// URL (got '{Endpoint}').");
        }

        if (string.IsNullOrWhiteSpace(Region))
        {
            errors.Add("S3 blob store: 'Region' must not be empty.");
        }

        if (string.IsNullOrEmpty(AccessKey) != string.IsNullOrEmpty(SecretKey))
        {
            errors.Add("S3 blob store: give both 'AccessKey' and 'SecretKey', or neither (then the default AWS credential chain is used).");
        }

        string prefix = Prefix.Trim('/');
        if (prefix.Length > 0 && !S3Keys.IsValidKey(prefix))
        {
            errors.Add($"S3 blob store: 'Prefix' '{Prefix}' must be '/'-separated printable ASCII segments without '.', '..', '\\' or empty segments.");
        }

        if (PartSize is < MinPartSize or > MaxPartSize)
        {
            errors.Add($"S3 blob store: 'PartSize' must be between {MinPartSize} and {MaxPartSize} bytes (got {PartSize}).");
        }

        if (MaxErrorRetry < 0)
        {
            errors.Add("S3 blob store: 'MaxErrorRetry' must not be negative.");
        }

        if (RequestTimeout <= TimeSpan.Zero || ConnectTimeout <= TimeSpan.Zero)
        {
            errors.Add("S3 blob store: 'RequestTimeout' and 'ConnectTimeout' must be positive.");
        }

        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem, unless the settings are usable.</summary>
    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors));
        }
    }

    /// <summary>A description for logs: endpoint, bucket and prefix, never credentials.</summary>
    public override string ToString() =>
        $"s3 {(Endpoint is null ? $"aws:{Region}" : Endpoint.GetLeftPart(UriPartial.Authority))}/{Bucket}/{NormalizedPrefix}";

    private static bool IsValidBucketName(string name)
    {
        if (name.Length is < 3 or > 63 || !IsLowerOrDigit(name[0]) || !IsLowerOrDigit(name[^1]))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!IsLowerOrDigit(c) && c is not '.' and not '-')
            {
                return false;
            }
        }

        return !name.Contains("..", StringComparison.Ordinal);
    }

    private static bool IsLowerOrDigit(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);
}
