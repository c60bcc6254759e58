namespace ModMesh.Storage.Tests.Tiering;

/// <summary>
/// A decorator for the "shared" store under a tier: counts Stat/Open calls, can fail every call like an S3 outage
/// (<see cref="BlobStoreUnavailableException"/>, an <see cref="IOException"/>), and can hold the content of the next
/// opened blob until released (to stage a race between a reader and a writer).
/// </summary>
internal sealed class CountingBlobStore(IBlobStore inner) : IBlobStore
{
    private int _stats;
    private int _opens;
    private volatile bool _failing;
    private volatile TaskCompletionSource? _gate;
    private volatile TaskCompletionSource? _openHold;
    private volatile TaskCompletionSource? _statHold;

    public string Name => inner.Name;

    public int StatCalls => Volatile.Read(ref _stats);

    public int OpenCalls => Volatile.Read(ref _opens);

    /// <summary>While true every call throws, as an unreachable shared store.</summary>
    public bool Failing { get => _failing; set => _failing = value; }

    /// <summary>The next blob opened returns a stream whose first read waits for the returned source.</summary>
    public TaskCompletionSource HoldNextOpen()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _gate = gate;
        return gate;
    }

    /// <summary>Every open waits for the returned source before it asks the inner store (a slow first byte).</summary>
    public TaskCompletionSource HoldOpens()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _openHold = hold;
        return hold;
    }

    /// <summary>Every stat waits for the returned source before it asks the inner store.</summary>
    public TaskCompletionSource HoldStats()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _statHold = hold;
        return hold;
    }

    public async ValueTask<BlobProperties?> StatAsync(string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _stats);
        ThrowIfFailing();
        if (_statHold is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }

        return await inner.StatAsync(key, cancellationToken);
    }

    public async ValueTask<BlobReader?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _opens);
        ThrowIfFailing();
        if (_openHold is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }

        var reader = await inner.OpenReadAsync(key, cancellationToken);
        var gate = Interlocked.Exchange(ref _gate, null);
        if (reader is null || gate is null)
        {
            return reader;
        }

        return new BlobReader(new GatedStream(reader.Content, gate.Task), reader.Properties, reader.LocalFilePath);
    }

    public Task<BlobProperties> PutAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        return inner.PutAsync(key, content, cancellationToken);
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        return inner.DeleteAsync(key, cancellationToken);
    }

    public IAsyncEnumerable<string> ListKeysAsync(string prefix, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        return inner.ListKeysAsync(prefix, cancellationToken);
    }

    private void ThrowIfFailing()
    {
        if (_failing)
        {
            throw new BlobStoreUnavailableException("the shared store is unreachable (test outage)");
        }
    }

    private sealed class GatedStream(Stream inner, Task gate) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await gate.WaitAsync(cancellationToken);
            return await inner.ReadAsync(buffer, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}

/// <summary>Shows a store's keys under a fixed prefix: lets the conformance suite's keys land on the tier's cached ("modules/") path.</summary>
internal sealed class PrefixedBlobStore(IBlobStore inner, string prefix) : IBlobStore
{
    public string Name => inner.Name;

    public ValueTask<BlobProperties?> StatAsync(string key, CancellationToken cancellationToken) => inner.StatAsync(prefix + key, cancellationToken);

    public ValueTask<BlobReader?> OpenReadAsync(string key, CancellationToken cancellationToken) => inner.OpenReadAsync(prefix + key, cancellationToken);

    public Task<BlobProperties> PutAsync(string key, Stream content, CancellationToken cancellationToken) => inner.PutAsync(prefix + key, content, cancellationToken);

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(prefix + key, cancellationToken);

    public async IAsyncEnumerable<string> ListKeysAsync(string listPrefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var key in inner.ListKeysAsync(prefix + listPrefix, cancellationToken))
        {
            yield return key[prefix.Length..];
        }
    }
}
