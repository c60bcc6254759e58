using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using ModMesh.CacheNode.Tests.Infrastructure;
using ModMesh.TestSupport.Http;
using Xunit.Abstractions;

namespace ModMesh.CacheNode.Tests;

/// <summary>
/// A seeded run of generated hostile request targets (long elements, bad escapes, control characters, unicode, dot
/// segments, huge versions, checksum-database paths with junk, query strings, every route), sent byte for byte to a
/// node whose upstream knows nothing: the node never answers 500, its only 5xx are the upstream's (502/504) and its
/// own overload (503), and no answer shows a local path or an exception.
/// </summary>
public sealed partial class HostileRequestTests(ITestOutputHelper output)
{
    private const int Requests = 12_000;
    private const int Workers = 8;

    [Fact]
    public async Task Get_GeneratedHostilePaths_NeverAnswer500NorLeakInternals()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        await using var node = await TestNode.StartAsync(upstream);
        var generator = new HostilePathGenerator(seed: 20240611);
        var targets = Enumerable.Range(0, Requests).Select(_ => generator.Next()).ToArray();
        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var next = -1;
        var clock = Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            using var connection = new RawHttpConnection(node.BaseAddress);
            for (var i = Interlocked.Increment(ref next); i < targets.Length; i = Interlocked.Increment(ref next))
            {
                var (method, target) = targets[i];
                RawResponse response;
                try
                {
                    response = await connection.SendAsync(method, target, deadline.Token);
                }
                catch (Exception ex) when (ex is IOException or EndOfStreamException or System.Net.Sockets.SocketException)
                {
                    failures.Enqueue($"{method} {Show(target)}: the connection failed: {ex.Message}");
                    continue;
                }

                statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
                var problem = Judge(response, target, node.StoragePath);
                if (problem is not null)
                {
                    failures.Enqueue($"{method} {Show(target)}: {response.StatusCode}: {problem}: {Show(response.Body.Take(300).ToArray())}");
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);

        output.WriteLine($"{Requests} hostile requests in {clock.Elapsed.TotalSeconds:F1} s, {upstream.TotalRequests} reached the upstream; statuses: " +
            string.Join(", ", statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}×{kv.Value}")));
        Assert.True(failures.IsEmpty, $"{failures.Count} bad answers, first ones:\n{string.Join('\n', failures.Take(20))}");
        Assert.True(upstream.TotalRequests > 100, "the run also reaches the fill and query paths, not only the parser");
        Assert.True(statuses.Keys.Count(s => s is >= 400 and < 500) >= 2, "the run covers several kinds of refusals");
    }

    private static string? Judge(RawResponse response, byte[] target, string storagePath)
    {
        if (response.StatusCode >= 500 && response.StatusCode is not (502 or 503 or 504))
        {
            return "a 5xx that is neither the upstream's (502/504) nor overload (503)";
        }

        if (response.StatusCode == 503 && !response.Headers.ContainsKey("Retry-After"))
        {
            return "503 without Retry-After";
        }

        var body = response.BodyText;
        var sent = Encoding.Latin1.GetString(target);
        if (body.Contains(storagePath, StringComparison.Ordinal))
        {
            return "the body shows the storage path";
        }

        if (body.Contains("/tmp/", StringComparison.Ordinal) && !sent.Contains("tmp", StringComparison.Ordinal))
        {
            return "the body shows a /tmp/ path";
        }

        if (ExceptionName().IsMatch(body) || body.Contains("   at ", StringComparison.Ordinal))
        {
            return "the body shows an exception";
        }

        return null;
    }

    private static string Show(byte[] bytes)
    {
        var text = new StringBuilder();
        foreach (var b in bytes.Take(200))
        {
            text.Append(b is >= 0x20 and < 0x7f ? ((char)b).ToString() : $"\\x{b:x2}");
        }

        return bytes.Length > 200 ? $"{text}... ({bytes.Length} bytes)" : text.ToString();
    }

    [GeneratedRegex(@"[A-Z][A-Za-z]*Exception\b|System\.[A-Z]")]
    private static partial Regex ExceptionName();
}

/// <summary>Generates hostile GOPROXY request targets (raw bytes) from a seed.</summary>
internal sealed class HostilePathGenerator(int seed)
{
    private static readonly string[] Hosts = ["example.com", "github.com", "golang.org", "gopkg.in", "go.dev", "a.b", "localhost", "127.0.0.1", "sum.golang.org"];

    private static readonly string[] Junk =
    [
        "..", ".", "", "!", "!!", "!1", "!A", "!-", "a!", "%", "%2e%2e", "%2E", "%00", "%zz", "%2f", "%5c", "%0a", "%0d%0a", "~", "+",
        "*", "'", "\"", "<", ">", "\\", ";", ":", "=", "&", "$", "{", "}", "|", "^", "`", "[", "]", "@", "@v", "@latest", "@@v",
        "v1.0.0", "go.mod", "CON", "aux.go", "x.", ".x", "-x", "x-", "_", "__", "a..b", "\u00e9", "\u202e", "\U0001D518", "\u0130", "\u212a",
        "\ufeff", "\u200b", "\uffff",
    ];

    private static readonly string[] Versions =
    [
        "v1.0.0", "v1.0.0-pre", "v1.0.0+incompatible", "v2.0.0+incompatible", "v0.0.0-20240102030405-abcdefabcdef", "latest", "master",
        "v1", "v1.2", "", "!v1.0.0", "v1.0.0!", "V1.0.0", "v01.0.0", "v1.0.0+meta", "v1.0.0-", "v1.0.0-.", "v99999999999999999999.0.0",
        "v1.0.0..", "..", "v1.0.0/../..", "v1.0.0%00", "v1.0.0\u0001", "v1.0.0\u00e9", "upgrade", "patch", "none", "v1.0.0-rc.1",
    ];

    private static readonly string[] VersionFiles = [".info", ".mod", ".zip", ".txt", "", ".info.zip", ".ZIP", ".zip/", ".mod?", ".info#"];

    private readonly Random _random = new(seed);

    /// <summary>A method and a request target.</summary>
    public (string Method, byte[] Target) Next()
    {
        var method = _random.Next(8) == 0 ? "HEAD" : "GET";
        var target = _random.Next(10) switch
        {
            0 or 1 => Sumdb(),
            _ => ModuleRoute(),
        };
        if (_random.Next(8) == 0)
        {
            target += "?" + Element() + (_random.Next(2) == 0 ? "=" + Element() : "");
        }

        if (_random.Next(30) == 0)
        {
            target += "#" + Element();
        }

        var bytes = Encoding.UTF8.GetBytes(target);
        return (method, _random.Next(12) == 0 ? InjectControl(bytes) : bytes);
    }

    private string ModuleRoute()
    {
        var module = ModulePath();
        return _random.Next(6) switch
        {
            0 => $"/{module}/@v/list",
            1 => $"/{module}/@latest",
            2 => $"/{module}/@v/{Version()}{Pick(VersionFiles)}",
            3 => $"/{module}/@v/{Version()}{Pick(VersionFiles)}/{Element()}",
            4 => $"/{module}/{Pick(["@v", "@latest", "@v/", "@V/list", "@v/list/x", "@latest/x", "@v/@v/list"])}",
            _ => $"/{module}/@v/{Pick(["v1.0.0", "v1.2.3"])}{Pick([".info", ".mod", ".zip"])}",
        };
    }

    private string Sumdb()
    {
        var name = _random.Next(3) == 0 ? Element() : Pick(["sum.golang.org", "sum.golang.google.cn", "example.com", "SUM.golang.org"]);
        return _random.Next(6) switch
        {
            0 => $"/sumdb/{name}/supported",
            1 => $"/sumdb/{name}/latest",
            2 => $"/sumdb/{name}/lookup/{ModulePath()}@{Version()}",
            3 => $"/sumdb/{name}/tile/{Number()}/{Number()}/{TileIndex()}",
            4 => $"/sumdb/{name}/tile/{Number()}/data/{TileIndex()}{(_random.Next(2) == 0 ? ".p/" + Number() : "")}",
            _ => $"/sumdb/{name}/{Element()}/{Element()}",
        };
    }

    private string ModulePath()
    {
        var count = _random.Next(20) == 0 ? _random.Next(50, 400) : _random.Next(0, 7);
        var elements = new List<string>(count + 1);
        if (_random.Next(4) != 0)
        {
            elements.Add(Pick(Hosts));
        }

        for (var i = 0; i < count; i++)
        {
            elements.Add(_random.Next(4) == 0 ? Element() : Plain(_random.Next(1, 12)));
        }

        return string.Join('/', elements);
    }

    private string Version() => _random.Next(5) switch
    {
        0 => "v" + Digits(_random.Next(1, 300)) + "." + Digits(_random.Next(1, 40)) + "." + Digits(_random.Next(1, 40)),
        1 => "v1.0.0-" + Plain(_random.Next(1, 300)),
        2 => Element(),
        _ => Pick(Versions),
    };

    private string Element() => _random.Next(6) switch
    {
        0 => Plain(_random.Next(190, 260)),
        1 => string.Concat(Enumerable.Range(0, _random.Next(1, 5)).Select(_ => Pick(Junk))),
        2 => Plain(_random.Next(1, 8)) + Pick(Junk) + Plain(_random.Next(0, 8)),
        _ => Pick(Junk),
    };

    private string Number() => _random.Next(4) switch
    {
        0 => "-" + _random.Next(1, 100),
        1 => Digits(_random.Next(1, 30)),
        2 => Pick(["0", "8", "30", "31", "", "x", "08", "1e3"]),
        _ => _random.Next(0, 40).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private string TileIndex() => _random.Next(3) switch
    {
        0 => "x" + Digits(3) + "/" + Digits(3),
        1 => Digits(_random.Next(1, 12)),
        _ => Pick(["000", "001", "x000/000", "x999/x999/999", "../000", "000.p/8"]),
    };

    private string Plain(int length)
    {
        // Lower-case letters, digits and '-': no element accidentally spells a local path.
        const string alphabet = "abcdefghijklmnopqrsuvwxyz0123456789-";
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = alphabet[_random.Next(alphabet.Length)];
        }

        return new string(chars);
    }

    private string Digits(int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = (char)('0' + _random.Next(10));
        }

        return new string(chars);
    }

    private byte[] InjectControl(byte[] bytes)
    {
        // Raw control bytes (not CR, LF, tab or space, which would end the request line), DEL, and invalid UTF-8.
        byte[] hostile = [0x00, 0x01, 0x07, 0x08, 0x0b, 0x0c, 0x1b, 0x1f, 0x7f, 0x80, 0xc0, 0xff, 0xfe];
        var at = bytes.Length <= 1 ? bytes.Length : _random.Next(1, bytes.Length);
        return [.. bytes[..at], hostile[_random.Next(hostile.Length)], .. bytes[at..]];
    }

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];
}
