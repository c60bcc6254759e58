using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ModMesh.TestSupport.Http;

/// <summary>
/// A fault the <see cref="ScriptedUpstream"/> applies to a request before (or while) answering it.
/// Combine freely: a delay, then a status, or a hang, or a normal answer whose body is cut after some bytes.
/// </summary>
public sealed record UpstreamFault
{
    /// <summary>Answer with this status (and a short text/plain body) instead of the real answer.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Wait this long before sending the status line and headers.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Never answer (until the client gives up or the upstream is disposed).</summary>
    public bool Hang { get; init; }

    /// <summary>Send the real headers (with the full Content-Length) and this many body bytes, then drop the connection.</summary>
    public long? DropAfterBytes { get; init; }

    /// <summary>Send the real body without a Content-Length (chunked), as an upstream that does not announce sizes.</summary>
    public bool OmitContentLength { get; init; }

    /// <summary>Answer with <see cref="RedirectStatus"/> and this Location header (sent as is: any scheme, any host).</summary>
    public string? RedirectLocation { get; init; }

    /// <summary>The status of a <see cref="RedirectLocation"/> answer. Default 302.</summary>
    public int RedirectStatus { get; init; } = 302;

    /// <summary>Send the real headers (full Content-Length), then the body one byte at a time, this far apart.</summary>
    public TimeSpan? DripEvery { get; init; }

    /// <summary>Hold the answer back until this task completes (or the request is aborted).</summary>
    public Task? WaitFor { get; init; }

    /// <summary>Answer 200 with this body instead of the real one.</summary>
    public byte[]? Body { get; init; }

    /// <summary>The Content-Type of <see cref="Body"/>. Default "application/octet-stream".</summary>
    public string ContentType { get; init; } = "application/octet-stream";

    /// <summary>Answer with <paramref name="statusCode"/>.</summary>
    public static UpstreamFault Status(int statusCode) => new() { StatusCode = statusCode };

    /// <summary>Answer normally, <paramref name="delay"/> late.</summary>
    public static UpstreamFault Delayed(TimeSpan delay) => new() { Delay = delay };

    /// <summary>Never answer.</summary>
    public static UpstreamFault Hanging { get; } = new() { Hang = true };

    /// <summary>Cut the body after <paramref name="bytes"/> bytes.</summary>
    public static UpstreamFault DropAfter(long bytes) => new() { DropAfterBytes = bytes };

    /// <summary>Answer normally but chunked, with no Content-Length.</summary>
    public static UpstreamFault Unsized { get; } = new() { OmitContentLength = true };

    /// <summary>Answer <paramref name="status"/> with "Location: <paramref name="location"/>".</summary>
    public static UpstreamFault RedirectTo(string location, int status = 302) => new() { RedirectLocation = location, RedirectStatus = status };

    /// <summary>Send the real body one byte every <paramref name="every"/>.</summary>
    public static UpstreamFault Drip(TimeSpan every) => new() { DripEvery = every };

    /// <summary>Answer normally once <paramref name="release"/> completes.</summary>
    public static UpstreamFault Gated(Task release) => new() { WaitFor = release };

    /// <summary>Answer 200 with <paramref name="body"/> as <paramref name="contentType"/>.</summary>
    public static UpstreamFault Serve(byte[] body, string contentType) => new() { Body = body, ContentType = contentType };
}

/// <summary>
/// An in-process upstream GOPROXY on 127.0.0.1 with a free port, serving modules defined in code: list, @latest,
/// .info (canonical versions and queries such as "master"), .mod and real .zip files whose entries are prefixed
/// "{path}@{version}/". Large synthetic zips are generated on the fly (never buffered). Requests are counted per raw
/// (case-encoded) path, and faults can be injected per path or for every request.
/// </summary>
public sealed class ScriptedUpstream : IAsyncDisposable
{
    private static readonly DateTimeOffset BaseTime = new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ScriptedModule> _modules = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string ContentType, byte[] Body)> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, UpstreamFault> _faults = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private volatile UpstreamFault? _globalFault;
    private int _total;

    private ScriptedUpstream(WebApplication app)
    {
        _app = app;
        app.Run(HandleAsync);
    }

    /// <summary>"http://127.0.0.1:port" (no trailing slash), fit for a GOPROXY list.</summary>
    public string Url { get; private set; } = "";

    /// <summary>Every request received so far.</summary>
    public int TotalRequests => Volatile.Read(ref _total);

    /// <summary>Starts the server.</summary>
    public static async Task<ScriptedUpstream> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.AddServerHeader = false;
        });
        var upstream = new ScriptedUpstream(builder.Build());
        await upstream._app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = upstream._app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        upstream.Url = address.TrimEnd('/');
        return upstream;
    }

    /// <summary>The case-encoded URL path of a module request: <c>UrlPath("github.com/A/b", "@v/list")</c> is "/github.com/!a/b/@v/list".</summary>
    public static string UrlPath(string modulePath, string rest) => $"/{Escape(modulePath)}/{Escape(rest)}";

    /// <summary>Case-encodes a module path or version ("!a" for "A").</summary>
    public static string Escape(string value)
    {
        var sb = new StringBuilder(value.Length + 4);
        foreach (var c in value)
        {
            if (c is >= 'A' and <= 'Z')
            {
                sb.Append('!').Append((char)(c + ('a' - 'A')));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>Adds (or extends) a module with ordinary small versions: .info, go.mod and a real zip each.</summary>
    public ScriptedModule AddModule(string path, params string[] versions)
    {
        var module = _modules.GetOrAdd(Escape(path), _ => new ScriptedModule(path));
        foreach (var version in versions)
        {
            module.Put(ScriptedVersion.Small(path, version, NextTime(module)));
        }

        return module;
    }

    /// <summary>
    /// Adds a version whose zip holds its go.mod and one stored (uncompressed) entry of <paramref name="dataBytes"/>
    /// deterministic pseudo-random bytes, generated while it is sent (Content-Length set, nothing buffered).
    /// </summary>
    public ScriptedVersion AddLargeZip(string path, string version, long dataBytes)
    {
        var module = _modules.GetOrAdd(Escape(path), _ => new ScriptedModule(path));
        var added = ScriptedVersion.Large(path, version, NextTime(module), dataBytes);
        module.Put(added);
        return added;
    }

    /// <summary>The module defined for <paramref name="path"/>.</summary>
    public ScriptedModule Module(string path) =>
        _modules.TryGetValue(Escape(path), out var module) ? module : throw new KeyNotFoundException($"no scripted module {path}");

    /// <summary>Removes a module: every request for it answers 404 from now on.</summary>
    public void RemoveModule(string path) => _modules.TryRemove(Escape(path), out _);

    /// <summary>Every raw URL path asked for so far (each once).</summary>
    public IReadOnlyCollection<string> RequestedPaths => _counts.Keys.ToArray();

    /// <summary>Requests received for one raw URL path (as built by <see cref="UrlPath"/>).</summary>
    public int RequestCount(string rawPath) => _counts.TryGetValue(rawPath, out var n) ? n : 0;

    /// <summary>Requests received for one file of a module, e.g. <c>RequestCount("example.com/a", "@v/v1.0.0.zip")</c>.</summary>
    public int RequestCount(string modulePath, string rest) => RequestCount(UrlPath(modulePath, rest));

    /// <summary>Requests received for anything below a module path (list, @latest, every version file).</summary>
    public int ModuleRequestCount(string modulePath)
    {
        var prefix = $"/{Escape(modulePath)}/@";
        return _counts.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(kv => kv.Value);
    }

    /// <summary>Applies <paramref name="fault"/> to every request for <paramref name="rawPath"/> (null: to every request without a fault of its own).</summary>
    public void InjectFault(string? rawPath, UpstreamFault fault)
    {
        if (rawPath is null)
        {
            _globalFault = fault;
        }
        else
        {
            _faults[rawPath] = fault;
        }
    }

    /// <summary>Removes the fault of one path (null: the global fault).</summary>
    public void ClearFault(string? rawPath)
    {
        if (rawPath is null)
        {
            _globalFault = null;
        }
        else
        {
            _faults.TryRemove(rawPath, out _);
        }
    }

    /// <summary>Removes every fault.</summary>
    public void ClearFaults()
    {
        _faults.Clear();
        _globalFault = null;
    }

    /// <summary>Serves fixed bytes at a raw path (e.g. checksum-database files under "/sumdb/...").</summary>
    public void AddFile(string rawPath, byte[] body, string contentType = "text/plain; charset=utf-8") =>
        _files[rawPath] = (contentType, body);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Requests still running are abandoned.
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private static DateTimeOffset NextTime(ScriptedModule module) => BaseTime.AddHours(module.VersionCount);

    private async Task HandleAsync(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? "/";
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? raw : raw[..query];
        _counts.AddOrUpdate(path, 1, (_, n) => n + 1);
        Interlocked.Increment(ref _total);

        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        var token = aborted.Token;
        var fault = _faults.TryGetValue(path, out var own) ? own : _globalFault;
        try
        {
            if (fault is not null)
            {
                if (fault.Delay > TimeSpan.Zero)
                {
                    await Task.Delay(fault.Delay, token).ConfigureAwait(false);
                }

                if (fault.WaitFor is { } gate)
                {
                    await gate.WaitAsync(token).ConfigureAwait(false);
                }

                if (fault.Hang)
                {
                    await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
                }

                if (fault.StatusCode is int status)
                {
                    await WriteTextAsync(context, status, $"scripted upstream fault: {status}", token).ConfigureAwait(false);
                    return;
                }

                if (fault.RedirectLocation is { } location)
                {
                    context.Response.StatusCode = fault.RedirectStatus;
                    context.Response.Headers.Location = location;
                    context.Response.ContentLength = 0;
                    return;
                }
            }

            var body = fault?.Body is { } replaced
                ? (fault.ContentType, (long)replaced.Length, (Func<Stream, CancellationToken, Task>)((stream, ct) => stream.WriteAsync(replaced, ct).AsTask()))
                : _files.TryGetValue(path, out var file)
                ? (file.ContentType, (long)file.Body.Length, (Func<Stream, CancellationToken, Task>)((stream, ct) => stream.WriteAsync(file.Body, ct).AsTask()))
                : Route(path);
            if (body is null)
            {
                await WriteTextAsync(context, StatusCodes.Status404NotFound, $"not found: {path}", token).ConfigureAwait(false);
                return;
            }

            var (contentType, length, write) = body.Value;
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = contentType;
            context.Response.ContentLength = fault?.OmitContentLength == true ? null : length;
            if (HttpMethods.IsHead(context.Request.Method))
            {
                return;
            }

            if (fault?.DropAfterBytes is long limit && limit < length)
            {
                var cut = new CuttingStream(context.Response.Body, limit);
                try
                {
                    await write(cut, token).ConfigureAwait(false);
                }
                catch (CutException)
                {
                    await context.Response.Body.FlushAsync(token).ConfigureAwait(false);
                    context.Abort();
                }

                return;
            }

            if (fault?.DripEvery is { } every)
            {
                await context.Response.StartAsync(token).ConfigureAwait(false);
                await write(new DrippingStream(context.Response.Body, every), token).ConfigureAwait(false);
                return;
            }

            await write(context.Response.Body, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The client went away, or the upstream is stopping.
            context.Abort();
        }
    }

    private (string ContentType, long Length, Func<Stream, CancellationToken, Task> Write)? Route(string path)
    {
        string escapedModule;
        string rest;
        if (path.EndsWith("/@latest", StringComparison.Ordinal))
        {
            escapedModule = path[1..^"/@latest".Length];
            rest = "@latest";
        }
        else
        {
            var marker = path.IndexOf("/@v/", StringComparison.Ordinal);
            if (marker <= 0)
            {
                return null;
            }

            escapedModule = path[1..marker];
            rest = path[(marker + "/@v/".Length)..];
        }

        if (!_modules.TryGetValue(escapedModule, out var module))
        {
            return null;
        }

        if (rest == "@latest")
        {
            return module.Latest() is { } latest ? Bytes("application/json", latest.Info) : null;
        }

        if (rest == "list")
        {
            return Bytes("text/plain; charset=utf-8", Encoding.UTF8.GetBytes(module.ListBody()));
        }

        var dot = rest.LastIndexOf('.');
        if (dot <= 0)
        {
            return null;
        }

        var version = Unescape(rest[..dot]);
        var extension = rest[dot..];
        if (extension == ".info" && module.Query(version) is { } queried)
        {
            return Bytes("application/json", queried.Info);
        }

        if (module.Find(version) is not { } found)
        {
            return null;
        }

        return extension switch
        {
            ".info" => Bytes("application/json", found.Info),
            ".mod" => Bytes("text/plain; charset=utf-8", found.Mod),
            ".zip" when found.SmallZip is { } zip => Bytes("application/zip", zip),
            ".zip" => ("application/zip", found.ZipLength, found.WriteZipAsync),
            _ => null,
        };
    }

    private static (string, long, Func<Stream, CancellationToken, Task>) Bytes(string contentType, byte[] body) =>
        (contentType, body.Length, (stream, token) => stream.WriteAsync(body, token).AsTask());

    private static async Task WriteTextAsync(HttpContext context, int status, string text, CancellationToken token)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        var bytes = Encoding.UTF8.GetBytes(text + "\n");
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, token).ConfigureAwait(false);
    }

    private static string Unescape(string escaped)
    {
        var sb = new StringBuilder(escaped.Length);
        for (var i = 0; i < escaped.Length; i++)
        {
            if (escaped[i] == '!' && i + 1 < escaped.Length)
            {
                sb.Append(char.ToUpperInvariant(escaped[++i]));
            }
            else
            {
                sb.Append(escaped[i]);
            }
        }

        return sb.ToString();
    }

    private sealed class CutException() : Exception("scripted connection drop");

    /// <summary>Writes one byte at a time, flushed, <c>every</c> apart (a slow-loris upstream).</summary>
    private sealed class DrippingStream(Stream inner, TimeSpan every) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            for (var i = 0; i < buffer.Length; i++)
            {
                await inner.WriteAsync(buffer.Slice(i, 1), cancellationToken).ConfigureAwait(false);
                await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(every, cancellationToken).ConfigureAwait(false);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>Passes writes through until the limit, then throws <see cref="CutException"/>.</summary>
    private sealed class CuttingStream(Stream inner, long limit) : Stream
    {
        private long _written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var room = limit - _written;
            var take = (int)Math.Min(room, buffer.Length);
            if (take > 0)
            {
                await inner.WriteAsync(buffer[..take], cancellationToken).ConfigureAwait(false);
                _written += take;
            }

            if (take < buffer.Length)
            {
                throw new CutException();
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

/// <summary>A module of a <see cref="ScriptedUpstream"/>: its versions, queries and what list/@latest say.</summary>
public sealed class ScriptedModule
{
    private readonly Lock _gate = new();
    private readonly List<ScriptedVersion> _versions = [];
    private readonly Dictionary<string, ScriptedVersion> _queries = new(StringComparer.Ordinal);

    internal ScriptedModule(string path) => Path = path;

    /// <summary>The module path (real case).</summary>
    public string Path { get; }

    /// <summary>How many versions have been added.</summary>
    public int VersionCount
    {
        get
        {
            lock (_gate)
            {
                return _versions.Count;
            }
        }
    }

    /// <summary>The version <paramref name="version"/> (throws when it was never added).</summary>
    public ScriptedVersion Version(string version) => Find(version) ?? throw new KeyNotFoundException($"{Path}@{version} is not scripted");

    /// <summary>Makes ".info" of <paramref name="query"/> (e.g. "master") answer the .info of <paramref name="version"/>.</summary>
    public ScriptedModule AddQuery(string query, string version)
    {
        var target = Version(version);
        lock (_gate)
        {
            _queries[query] = target;
        }

        return this;
    }

    internal void Put(ScriptedVersion version)
    {
        lock (_gate)
        {
            _versions.RemoveAll(v => v.Version == version.Version);
            _versions.Add(version);
        }
    }

    internal ScriptedVersion? Find(string version)
    {
        lock (_gate)
        {
            return _versions.FirstOrDefault(v => v.Version == version);
        }
    }

    internal ScriptedVersion? Query(string query)
    {
        lock (_gate)
        {
            return _queries.GetValueOrDefault(query);
        }
    }

    /// <summary>@latest: the version added last (the newest Time).</summary>
    internal ScriptedVersion? Latest()
    {
        lock (_gate)
        {
            return _versions.Count == 0 ? null : _versions.MaxBy(v => v.Time);
        }
    }

    internal string ListBody()
    {
        lock (_gate)
        {
            return string.Concat(_versions.Select(v => v.Version + "\n"));
        }
    }
}

/// <summary>One version of a scripted module: the bytes the upstream serves for it (replaceable by tests).</summary>
public sealed class ScriptedVersion
{
    private const int ChunkSize = 64 * 1024;
    private readonly long _dataBytes;
    private readonly Lazy<uint> _dataCrc;
    private byte[] _info;
    private byte[] _mod;
    private byte[]? _zip;

    private ScriptedVersion(string path, string version, DateTimeOffset time, long dataBytes)
    {
        ModulePath = path;
        Version = version;
        Time = time;
        _dataBytes = dataBytes;
        _info = Encoding.UTF8.GetBytes($"{{\"Version\":\"{version}\",\"Time\":\"{time.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}\"}}\n");
        _mod = Encoding.UTF8.GetBytes($"module {path}\n\ngo 1.19\n");
        _dataCrc = new Lazy<uint>(() => ComputeDataCrc(), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The module path.</summary>
    public string ModulePath { get; }

    /// <summary>The version.</summary>
    public string Version { get; }

    /// <summary>The commit time given in the .info.</summary>
    public DateTimeOffset Time { get; }

    /// <summary>The .info bytes served.</summary>
    public byte[] Info { get => Volatile.Read(ref _info); set => Volatile.Write(ref _info, value); }

    /// <summary>The go.mod bytes served.</summary>
    public byte[] Mod { get => Volatile.Read(ref _mod); set => Volatile.Write(ref _mod, value); }

    /// <summary>The zip bytes served, for ordinary (small) versions; null for a synthetic large zip.</summary>
    public byte[]? SmallZip { get => Volatile.Read(ref _zip); set => Volatile.Write(ref _zip, value); }

    /// <summary>The length of the zip served.</summary>
    public long ZipLength => SmallZip?.LongLength ?? LargeZipLayout().Total;

    /// <summary>SHA-256 of the zip served (a large zip is generated once more to hash it).</summary>
    public async Task<byte[]> ZipSha256Async(CancellationToken cancellationToken = default)
    {
        if (SmallZip is { } zip)
        {
            return SHA256.HashData(zip);
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var sink = new HashingStream(hash);
        await WriteZipAsync(sink, cancellationToken).ConfigureAwait(false);
        return hash.GetHashAndReset();
    }

    internal static ScriptedVersion Small(string path, string version, DateTimeOffset time)
    {
        var v = new ScriptedVersion(path, version, time, 0);
        v.SmallZip = BuildZip(path, version, v.Mod);
        return v;
    }

    internal static ScriptedVersion Large(string path, string version, DateTimeOffset time, long dataBytes)
    {
        if (dataBytes is < 0 or > uint.MaxValue - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(dataBytes), "a synthetic zip holds less than 4 GiB (no zip64)");
        }

        return new ScriptedVersion(path, version, time, dataBytes);
    }

    /// <summary>Builds a real module zip: go.mod and one Go file, both below "{path}@{version}/".</summary>
    public static byte[] BuildZip(string path, string version, byte[] mod, string? extraContent = null)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            var prefix = $"{path}@{version}/";
            using (var entry = archive.CreateEntry(prefix + "go.mod").Open())
            {
                entry.Write(mod);
            }

            var package = path[(path.LastIndexOf('/') + 1)..].Replace('-', '_').Replace('.', '_');
            using (var entry = archive.CreateEntry(prefix + "lib.go").Open())
            {
                entry.Write(Encoding.UTF8.GetBytes($"package {package}\n\n// Version is the module version.\nconst Version = \"{version}\"\n{extraContent}"));
            }
        }

        return buffer.ToArray();
    }

    /// <summary>Writes the zip: the small bytes, or the synthetic large zip generated chunk by chunk.</summary>
    internal async Task WriteZipAsync(Stream output, CancellationToken cancellationToken)
    {
        if (SmallZip is { } zip)
        {
            await output.WriteAsync(zip, cancellationToken).ConfigureAwait(false);
            return;
        }

        var layout = LargeZipLayout();
        var mod = Mod;
        var modCrc = ModMesh.Protocol.Zip.Crc32.Compute(mod);
        var dataCrc = _dataCrc.Value;
        var modName = Encoding.UTF8.GetBytes($"{ModulePath}@{Version}/go.mod");
        var dataName = Encoding.UTF8.GetBytes($"{ModulePath}@{Version}/data.bin");

        await output.WriteAsync(LocalHeader(modName, modCrc, (uint)mod.Length), cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(mod, cancellationToken).ConfigureAwait(false);
        await output.WriteAsync(LocalHeader(dataName, dataCrc, (uint)_dataBytes), cancellationToken).ConfigureAwait(false);

        var buffer = new byte[ChunkSize];
        var random = new Xorshift(Seed());
        for (long left = _dataBytes; left > 0;)
        {
            var n = (int)Math.Min(left, buffer.Length);
            random.Fill(buffer);
            await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            left -= n;
        }

        using var tail = new MemoryStream();
        tail.Write(CentralHeader(modName, modCrc, (uint)mod.Length, 0));
        tail.Write(CentralHeader(dataName, dataCrc, (uint)_dataBytes, (uint)layout.DataHeaderOffset));
        var end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), (uint)tail.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), (uint)layout.CentralOffset);
        tail.Write(end);
        await output.WriteAsync(tail.ToArray(), cancellationToken).ConfigureAwait(false);
    }

    private (long DataHeaderOffset, long CentralOffset, long Total) LargeZipLayout()
    {
        var modName = Encoding.UTF8.GetByteCount($"{ModulePath}@{Version}/go.mod");
        var dataName = Encoding.UTF8.GetByteCount($"{ModulePath}@{Version}/data.bin");
        long dataHeaderOffset = 30 + modName + Mod.Length;
        var centralOffset = dataHeaderOffset + 30 + dataName + _dataBytes;
        var total = centralOffset + 46 + modName + 46 + dataName + 22;
        return (dataHeaderOffset, centralOffset, total);
    }

    private ulong Seed()
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{ModulePath}@{Version}"));
        return BinaryPrimitives.ReadUInt64LittleEndian(hash) | 1;
    }

    private uint ComputeDataCrc()
    {
        var buffer = new byte[ChunkSize];
        var random = new Xorshift(Seed());
        var crc = new ModMesh.Protocol.Zip.Crc32();
        for (long left = _dataBytes; left > 0;)
        {
            var n = (int)Math.Min(left, buffer.Length);
            random.Fill(buffer);
            crc.Append(buffer.AsSpan(0, n));
            left -= n;
        }

        return crc.Value;
    }

    // Zip times: 2024-01-02 03:04:04 in MS-DOS format.
    private const ushort DosTime = (3 << 11) | (4 << 5) | 2;
    private const ushort DosDate = ((2024 - 1980) << 9) | (1 << 5) | 2;

    private static byte[] LocalHeader(byte[] name, uint crc, uint size)
    {
        var h = new byte[30 + name.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0x04034b50);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(4), 20);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(6), 0x0800); // UTF-8 names
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(8), 0); // stored
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(10), DosTime);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(12), DosDate);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(14), crc);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(18), size);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(22), size);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(26), (ushort)name.Length);
        name.CopyTo(h, 30);
        return h;
    }

    private static byte[] CentralHeader(byte[] name, uint crc, uint size, uint localOffset)
    {
        var h = new byte[46 + name.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(h, 0x02014b50);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(4), 20);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(6), 20);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(8), 0x0800);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(10), 0);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(12), DosTime);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(14), DosDate);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(16), crc);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(20), size);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(24), size);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(28), (ushort)name.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(42), localOffset);
        name.CopyTo(h, 46);
        return h;
    }

    private struct Xorshift(ulong state)
    {
        private ulong _state = state;

        public void Fill(Span<byte> buffer)
        {
            var words = MemoryMarshal.Cast<byte, ulong>(buffer);
            var s = _state;
            for (var i = 0; i < words.Length; i++)
            {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                words[i] = s;
            }

            _state = s;
        }
    }

    private sealed class HashingStream(IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => hash.AppendData(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            hash.AppendData(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
