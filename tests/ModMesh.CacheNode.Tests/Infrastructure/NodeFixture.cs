using System.Security.Cryptography;
using ModMesh.TestSupport.Http;

namespace ModMesh.CacheNode.Tests.Infrastructure;

/// <summary>One scripted upstream and one node with default settings, shared by a test class (each test uses its own module paths).</summary>
public sealed class NodeFixture : IAsyncLifetime
{
    private TestNode? _node;
    private ScriptedUpstream? _upstream;

    public ScriptedUpstream Upstream => _upstream ?? throw new InvalidOperationException("not started");

    internal TestNode Node => _node ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _upstream = await ScriptedUpstream.StartAsync();
        _node = await TestNode.StartAsync(_upstream);
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }
    }
}

internal static class Hashing
{
    /// <summary>Streams a response body into SHA-256 (never buffers it whole).</summary>
    public static async Task<(byte[] Hash, long Length)> Sha256Async(HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            total += read;
        }

        return (hash.GetHashAndReset(), total);
    }
}
