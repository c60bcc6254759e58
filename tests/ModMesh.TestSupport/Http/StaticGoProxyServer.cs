using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ModMesh.TestSupport.Http;

/// <summary>
/// An upstream GOPROXY for tests: an in-process Kestrel server on 127.0.0.1 that serves a GOPROXY tree folder
/// (what go writes under $GOMODCACHE/cache/download; see <c>GoCorpus.ProxyTree</c>) over HTTP, like
/// <c>GOPROXY=file://</c> would: <c>@v/list</c>, <c>@v/V.info|.mod|.zip</c>, <c>@latest</c> (computed: newest release,
/// else newest pre-release, else 404), and 404 with a text/plain body for anything missing (sumdb included).
/// It counts requests per path and injects faults: added latency, fail-next-N with a status, hang, and a synthetic
/// large zip streamed without buffering.
/// </summary>
public sealed class StaticGoProxyServer : IAsyncDisposable, IDisposable
{
    private readonly string _root;
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SyntheticZip> _synthetic = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private LoopbackWebServer? _server;
    private int _failNext;
    private int _failStatus = StatusCodes.Status500InternalServerError;
    private volatile TaskCompletionSource? _hang;
    private long _latencyTicks;
    private volatile Func<string, bool>? _faultFilter;

    private StaticGoProxyServer(string root) => _root = Path.GetFullPath(root);

    /// <summary>"http://127.0.0.1:port" (no trailing slash): use it as a GOPROXY entry or ModMesh's upstream.</summary>
    public string Url => Server.Url;

    public Uri BaseAddress => Server.BaseAddress;

    /// <summary>The served tree.</summary>
    public string Root => _root;

    /// <summary>All requests served so far, by path (escaped, as requested).</summary>
    public IReadOnlyDictionary<string, int> Requests => new Dictionary<string, int>(_counts, StringComparer.Ordinal);

    public int TotalRequests => _counts.Values.Sum();

    /// <summary>Latency added before every answer (default none).</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set => Interlocked.Exchange(ref _latencyTicks, value.Ticks);
    }

    /// <summary>Restricts latency, failures and hangs to request paths matching this predicate (null: every path).</summary>
    public Func<string, bool>? FaultFilter
    {
        get => _faultFilter;
        set => _faultFilter = value;
    }

    private LoopbackWebServer Server => _server ?? throw new InvalidOperationException("Not started.");

    /// <summary>Starts serving <paramref name="proxyTree"/> on a free loopback port.</summary>
    public static async Task<StaticGoProxyServer> StartAsync(string proxyTree, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(proxyTree))
        {
            throw new DirectoryNotFoundException($"GOPROXY tree not found: {proxyTree}");
        }

        var server = new StaticGoProxyServer(proxyTree);
        server._server = await LoopbackWebServer.StartAsync(server.HandleAsync, cancellationToken).ConfigureAwait(false);
        return server;
    }

    /// <summary>Requests whose path ends with <paramref name="pathSuffix"/> (e.g. "/@v/v1.2.0.zip" or "toml/@v/list").</summary>
    public int Count(string pathSuffix) => _counts.Where(p => p.Key.EndsWith(pathSuffix, StringComparison.Ordinal)).Sum(p => p.Value);

    /// <summary>Requests for one module version's file: kind is "info", "mod" or "zip". Module and version unescaped.</summary>
    public int Count(string modulePath, string version, string kind) =>
        Count($"/{EscapePath(modulePath)}/@v/{EscapePath(version)}.{kind}");

    public void ResetCounts() => _counts.Clear();

    /// <summary>The next <paramref name="count"/> requests (matching <see cref="FaultFilter"/>) get <paramref name="status"/>.</summary>
    public void FailNext(int count, int status = StatusCodes.Status500InternalServerError)
    {
        Volatile.Write(ref _failStatus, status);
        Volatile.Write(ref _failNext, count);
    }

    /// <summary>From now on, requests (matching <see cref="FaultFilter"/>) hang until <see cref="ReleaseHang"/> or dispose.</summary>
    public void Hang() => _hang ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets hanging requests continue (they are then answered normally).</summary>
    public void ReleaseHang() => Interlocked.Exchange(ref _hang, null)?.TrySetResult();

    /// <summary>Clears latency, failures, hangs and the fault filter.</summary>
    public void ResetFaults()
    {
        Latency = TimeSpan.Zero;
        Volatile.Write(ref _failNext, 0);
        FaultFilter = null;
        ReleaseHang();
    }

    /// <summary>
    /// Serves module <paramref name="modulePath"/> at <paramref name="version"/> (added to its list) with a valid module zip
    /// holding a go.mod and one stored file of <paramref name="payloadBytes"/> bytes, generated while streaming — never
    /// buffered, so a test can watch a proxy's memory while 500 MiB pass through. Go's limit is 500 MiB per zip.
    /// </summary>
    public void AddSyntheticModule(string modulePath, string version, long payloadBytes) =>
        _synthetic[$"{EscapePath(modulePath)}@{version}"] = new SyntheticZip(modulePath, version, payloadBytes);

    /// <summary>The exact byte length of the synthetic zip (what Content-Length says).</summary>
    public long SyntheticZipLength(string modulePath, string version) =>
        _synthetic[$"{EscapePath(modulePath)}@{version}"].Length;

    /// <summary>Case-encodes a module path or version for URLs and the tree ("BurntSushi" → "!burnt!sushi").</summary>
    public static string EscapePath(string path)
    {
        var sb = new StringBuilder(path.Length + 8);
        foreach (var c in path)
        {
            if (c is >= 'A' and <= 'Z')
            {
                sb.Append('!').Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        _counts.AddOrUpdate(path, 1, (_, n) => n + 1);
        var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token).Token;

        try
        {
            if (FaultFilter?.Invoke(path) ?? true)
            {
                var latency = Latency;
                if (latency > TimeSpan.Zero)
                {
                    await Task.Delay(latency, aborted).ConfigureAwait(false);
                }

                if (_hang is { } hang)
                {
                    await hang.Task.WaitAsync(aborted).ConfigureAwait(false);
                }

                while (true)
                {
                    var remaining = Volatile.Read(ref _failNext);
                    if (remaining <= 0)
                    {
                        break;
                    }

                    if (Interlocked.CompareExchange(ref _failNext, remaining - 1, remaining) == remaining)
                    {
                        await TextAsync(context, Volatile.Read(ref _failStatus), "injected failure\n").ConfigureAwait(false);
                        return;
                    }
                }
            }

            await ServeAsync(context, path, aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // Client gone or server stopping.
        }
    }

    private async Task ServeAsync(HttpContext context, string path, CancellationToken cancellationToken)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            await TextAsync(context, StatusCodes.Status405MethodNotAllowed, "method not allowed\n").ConfigureAwait(false);
            return;
        }

        var relative = path.TrimStart('/');
        if (relative.Length == 0 || relative.Contains("..", StringComparison.Ordinal) || relative.Contains('\\', StringComparison.Ordinal) || relative.StartsWith("sumdb/", StringComparison.Ordinal))
        {
            await NotFoundAsync(context, path).ConfigureAwait(false);
            return;
        }

        if (relative.EndsWith("/@latest", StringComparison.Ordinal))
        {
            await LatestAsync(context, relative[..^"/@latest".Length], cancellationToken).ConfigureAwait(false);
            return;
        }

        var at = relative.IndexOf("/@v/", StringComparison.Ordinal);
        if (at <= 0)
        {
            await NotFoundAsync(context, path).ConfigureAwait(false);
            return;
        }

        var module = relative[..at];
        var file = relative[(at + "/@v/".Length)..];
        if (file == "list")
        {
            var versions = ListVersions(module);
            if (versions is null)
            {
                await NotFoundAsync(context, path).ConfigureAwait(false);
                return;
            }

            await TextAsync(context, StatusCodes.Status200OK, string.Concat(versions.Select(v => v + "\n"))).ConfigureAwait(false);
            return;
        }

        var dot = file.LastIndexOf('.');
        if (dot <= 0)
        {
            await NotFoundAsync(context, path).ConfigureAwait(false);
            return;
        }

        var version = file[..dot];
        var kind = file[(dot + 1)..];
        if (_synthetic.TryGetValue($"{module}@{version}", out var synthetic))
        {
            await synthetic.ServeAsync(context, kind, cancellationToken).ConfigureAwait(false);
            return;
        }

        var full = Path.GetFullPath(Path.Combine(_root, relative));
        if (kind is not ("info" or "mod" or "zip") || !full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(full))
        {
            await NotFoundAsync(context, path).ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = kind switch
        {
            "info" => "application/json",
            "mod" => "text/plain; charset=utf-8",
            _ => "application/zip",
        };
        await context.Response.SendFileAsync(full, cancellationToken).ConfigureAwait(false);
    }

    private List<string>? ListVersions(string module)
    {
        var versions = new List<string>();
        var listFile = Path.Combine(_root, module, "@v", "list");
        if (File.Exists(listFile))
        {
            versions.AddRange(File.ReadAllLines(listFile).Select(l => l.Trim()).Where(l => l.Length > 0));
        }
        else if (Directory.Exists(Path.Combine(_root, module, "@v")))
        {
            versions.AddRange(Directory.GetFiles(Path.Combine(_root, module, "@v"), "*.mod").Select(f => Path.GetFileNameWithoutExtension(f)));
        }

        var unescapedModule = module;
        versions.AddRange(_synthetic.Values.Where(s => EscapePath(s.ModulePath) == unescapedModule).Select(s => s.Version));
        if (versions.Count == 0 && !Directory.Exists(Path.Combine(_root, module, "@v")))
        {
            return null;
        }

        return versions.Distinct(StringComparer.Ordinal).Order(SemverComparer.Instance).ToList();
    }

    private async Task LatestAsync(HttpContext context, string module, CancellationToken cancellationToken)
    {
        var versions = ListVersions(module);
        var latest = versions?.LastOrDefault(v => !SemverComparer.IsPrerelease(v)) ?? versions?.LastOrDefault();
        if (latest is null)
        {
            await NotFoundAsync(context, "/" + module + "/@latest").ConfigureAwait(false);
            return;
        }

        var info = Path.Combine(_root, module, "@v", latest + ".info");
        context.Response.ContentType = "application/json";
        if (File.Exists(info))
        {
            await context.Response.SendFileAsync(info, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await context.Response.WriteAsync(SyntheticZip.InfoJson(latest), cancellationToken).ConfigureAwait(false);
        }
    }

    private static Task NotFoundAsync(HttpContext context, string path) =>
        TextAsync(context, StatusCodes.Status404NotFound, $"not found: {path.TrimStart('/')}\n");

    private static async Task TextAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(body).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        ReleaseHang();
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>A module zip generated on the fly: "mod@ver/go.mod" and "mod@ver/payload.bin" (stored, data descriptor).</summary>
    private sealed class SyntheticZip(string modulePath, string version, long payloadBytes)
    {
        private const int ChunkSize = 64 * 1024;

        public string ModulePath { get; } = modulePath;

        public string Version { get; } = version;

        private byte[] GoMod { get; } = Encoding.UTF8.GetBytes($"module {modulePath}\n\ngo 1.19\n");

        private string Prefix => $"{ModulePath}@{Version}/";

        public long Length
        {
            get
            {
                var goModName = Encoding.UTF8.GetByteCount(Prefix + "go.mod");
                var payloadName = Encoding.UTF8.GetByteCount(Prefix + "payload.bin");
                return (30 + goModName + GoMod.Length + 16) + (30 + payloadName + payloadBytes + 16) +
                       (46 + goModName) + (46 + payloadName) + 22;
            }
        }

        public static string InfoJson(string version) =>
            JsonSerializer.Serialize(new { Version = version, Time = "2023-01-02T12:00:00Z" });

        public async Task ServeAsync(HttpContext context, string kind, CancellationToken cancellationToken)
        {
            switch (kind)
            {
                case "info":
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync(InfoJson(Version), cancellationToken).ConfigureAwait(false);
                    break;
                case "mod":
                    context.Response.ContentType = "text/plain; charset=utf-8";
                    await context.Response.Body.WriteAsync(GoMod, cancellationToken).ConfigureAwait(false);
                    break;
                case "zip":
                    context.Response.ContentType = "application/zip";
                    context.Response.ContentLength = Length;
                    await WriteZipAsync(context.Response.Body, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await NotFoundAsync(context, context.Request.Path).ConfigureAwait(false);
                    break;
            }
        }

        private async Task WriteZipAsync(Stream output, CancellationToken cancellationToken)
        {
            long offset = 0;
            var goModName = Encoding.UTF8.GetBytes(Prefix + "go.mod");
            var payloadName = Encoding.UTF8.GetBytes(Prefix + "payload.bin");

            var goModCrc = Crc32.Compute(Crc32.Initial, GoMod) ^ 0xFFFFFFFF;
            var goModOffset = offset;
            offset += await WriteAsync(output, LocalHeader(goModName), cancellationToken).ConfigureAwait(false);
            offset += await WriteAsync(output, GoMod, cancellationToken).ConfigureAwait(false);
            offset += await WriteAsync(output, DataDescriptor(goModCrc, GoMod.Length), cancellationToken).ConfigureAwait(false);

            var payloadOffset = offset;
            offset += await WriteAsync(output, LocalHeader(payloadName), cancellationToken).ConfigureAwait(false);
            var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
            try
            {
                var crc = Crc32.Initial;
                long written = 0;
                while (written < payloadBytes)
                {
                    var n = (int)Math.Min(ChunkSize, payloadBytes - written);
                    for (var i = 0; i < n; i++)
                    {
                        buffer[i] = (byte)((written + i) % 251);
                    }

                    crc = Crc32.Compute(crc, buffer.AsSpan(0, n));
                    await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    written += n;
                }

                offset += written;
                crc ^= 0xFFFFFFFF;
                offset += await WriteAsync(output, DataDescriptor(crc, payloadBytes), cancellationToken).ConfigureAwait(false);

                var centralStart = offset;
                var central1 = CentralHeader(goModName, goModCrc, GoMod.Length, goModOffset);
                var central2 = CentralHeader(payloadName, crc, payloadBytes, payloadOffset);
                offset += await WriteAsync(output, central1, cancellationToken).ConfigureAwait(false);
                offset += await WriteAsync(output, central2, cancellationToken).ConfigureAwait(false);
                await WriteAsync(output, EndOfCentralDirectory(2, offset - centralStart, centralStart), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private static async Task<long> WriteAsync(Stream output, byte[] bytes, CancellationToken cancellationToken)
        {
            await output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            return bytes.Length;
        }

        // Stored entries with a data descriptor (flag bit 3): CRC and sizes follow the data.
        private static byte[] LocalHeader(byte[] name)
        {
            var b = new byte[30 + name.Length];
            BinaryPrimitives.WriteUInt32LittleEndian(b, 0x04034b50);
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(4), 20);          // version needed
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(6), 0x0808);      // data descriptor + UTF-8
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(8), 0);           // stored
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(10), 0);          // time
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(12), 0x5622);     // date 2023-01-02
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(26), (ushort)name.Length);
            name.CopyTo(b, 30);
            return b;
        }

        private static byte[] DataDescriptor(uint crc, long size)
        {
            var b = new byte[16];
            BinaryPrimitives.WriteUInt32LittleEndian(b, 0x08074b50);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), crc);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), checked((uint)size));
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(12), checked((uint)size));
            return b;
        }

        private static byte[] CentralHeader(byte[] name, uint crc, long size, long localOffset)
        {
            var b = new byte[46 + name.Length];
            BinaryPrimitives.WriteUInt32LittleEndian(b, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(4), 20);
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(6), 20);
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(8), 0x0808);
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(10), 0);
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(12), 0);
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(14), 0x5622);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(16), crc);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(20), checked((uint)size));
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(24), checked((uint)size));
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(28), (ushort)name.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(42), checked((uint)localOffset));
            name.CopyTo(b, 46);
            return b;
        }

        private static byte[] EndOfCentralDirectory(int entries, long size, long start)
        {
            var b = new byte[22];
            BinaryPrimitives.WriteUInt32LittleEndian(b, 0x06054b50);
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(8), (ushort)entries);
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(10), (ushort)entries);
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(12), checked((uint)size));
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(16), checked((uint)start));
            return b;
        }
    }

    private static class Crc32
    {
        public const uint Initial = 0xFFFFFFFF;
        private static readonly uint[] Table = BuildTable();

        public static uint Compute(uint crc, ReadOnlySpan<byte> data)
        {
            foreach (var b in data)
            {
                crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            }

            return crc;
        }

        private static uint[] BuildTable()
        {
            var table = new uint[256];
            for (uint i = 0; i < 256; i++)
            {
                var c = i;
                for (var k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
                }

                table[i] = c;
            }

            return table;
        }
    }
}

/// <summary>Orders Go module versions by semantic-version precedence.</summary>
public sealed class SemverComparer : IComparer<string>
{
    public static SemverComparer Instance { get; } = new();

    public static bool IsPrerelease(string version) => version.Split('+')[0].Contains('-', StringComparison.Ordinal);

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) { return 0; }
        if (x is null) { return -1; }
        if (y is null) { return 1; }
        var (xCore, xPre) = Split(x);
        var (yCore, yPre) = Split(y);
        for (var i = 0; i < 3; i++)
        {
            var c = xCore[i].CompareTo(yCore[i]);
            if (c != 0) { return c; }
        }

        if (xPre is null || yPre is null)
        {
            return xPre is null ? (yPre is null ? string.CompareOrdinal(x, y) : 1) : -1;
        }

        var xs = xPre.Split('.');
        var ys = yPre.Split('.');
        for (var i = 0; i < Math.Min(xs.Length, ys.Length); i++)
        {
            var xNum = long.TryParse(xs[i], out var xn);
            var yNum = long.TryParse(ys[i], out var yn);
            var c = (xNum, yNum) switch
            {
                (true, true) => xn.CompareTo(yn),
                (true, false) => -1,
                (false, true) => 1,
                _ => string.CompareOrdinal(xs[i], ys[i]),
            };
            if (c != 0) { return c; }
        }

        return xs.Length.CompareTo(ys.Length);
    }

    private static (long[] Core, string? Pre) Split(string version)
    {
        var v = version.TrimStart('v').Split('+')[0];
        var dash = v.IndexOf('-', StringComparison.Ordinal);
        var core = dash >= 0 ? v[..dash] : v;
        var pre = dash >= 0 ? v[(dash + 1)..] : null;
        var parts = core.Split('.').Select(p => long.TryParse(p, out var n) ? n : 0).ToList();
        while (parts.Count < 3) { parts.Add(0); }
        return (parts.ToArray(), pre);
    }
}
