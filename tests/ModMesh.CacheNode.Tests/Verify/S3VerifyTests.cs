using ModMesh.TestSupport.Servers;

namespace ModMesh.CacheNode.Tests.Verify;

/// <summary>
/// <see cref="VerifyTests"/> with a real S3 server (s3rver) behind the node-local tier: the corruption is written to
/// the bucket behind the node's back, while the node's tier still holds the good copy (verify must read the bucket).
/// </summary>
public sealed class S3VerifyTests : VerifyTests
{
    private S3rverServer? _s3;

    protected override async Task<Dictionary<string, string?>> StorageSettingsAsync()
    {
        _s3 = await S3rverServer.StartAsync();
        var bucket = await _s3.CreateBucketAsync();
        return new Dictionary<string, string?> { ["ConnectionStrings:blobs"] = _s3.ConnectionString(bucket) };
    }

    protected override async Task DisposeStorageAsync()
    {
        if (_s3 is not null)
        {
            await _s3.DisposeAsync();
        }
    }

    protected override async Task FlipByteAsync(string key, int offset)
    {
        byte[] bytes;
        await using (var reader = (await Store.SharedBlobs.OpenReadAsync(key, default))!)
        {
            bytes = new byte[reader.Properties.Length];
            await reader.Content.ReadExactlyAsync(bytes);
        }

        bytes[offset] ^= 0xFF;
        using var content = new MemoryStream(bytes);
        var written = await Store.SharedBlobs.PutAsync(key, content, default);
        Assert.Equal(bytes.Length, written.Length);
    }
}
