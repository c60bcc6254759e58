using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ModMesh.TestSupport.Dns;

/// <summary>
/// A tiny authoritative DNS responder over UDP on 127.0.0.1 (RFC 1035 wire format) for tests: answers A, AAAA and SRV
/// questions for the names it was given (SRV answers carry the targets' A/AAAA records in the additional section, as
/// Kubernetes' DNS does), NXDOMAIN for other names. <see cref="Failure"/> makes it answer SERVFAIL or not at all.
/// </summary>
public sealed class LoopbackDnsServer : IAsyncDisposable
{
    private const ushort TypeA = 1;
    private const ushort TypeAaaa = 28;
    private const ushort TypeSrv = 33;

    private readonly UdpClient _socket;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Zone> _zones = new(StringComparer.OrdinalIgnoreCase);
    private readonly Task _loop;
    private int _queries;

    private LoopbackDnsServer()
    {
        _socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.Client.LocalEndPoint!).Port;
        _loop = Task.Run(LoopAsync);
    }

    public enum FailureMode
    {
        None,

        /// <summary>Answer every question with SERVFAIL.</summary>
        ServerFailure,

        /// <summary>Read questions and never answer (a resolver that is down).</summary>
        NoAnswer,
    }

    public int Port { get; }

    /// <summary>"127.0.0.1:port", what Gateway:Discovery:Dns:Servers takes.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    public FailureMode Failure { get; set; }

    /// <summary>Questions received so far.</summary>
    public int Queries => Volatile.Read(ref _queries);

    public static LoopbackDnsServer Start() => new();

    /// <summary>Sets (replaces) the A/AAAA records of <paramref name="name"/>.</summary>
    public void SetAddresses(string name, IEnumerable<IPAddress> addresses, int ttlSeconds = 5)
    {
        lock (_gate)
        {
            Get(name).Addresses = [.. addresses.Select(a => (a, ttlSeconds))];
        }
    }

    /// <summary>Sets (replaces) the SRV records of <paramref name="name"/>; targets get their A records from <see cref="SetAddresses"/>.</summary>
    public void SetSrv(string name, IEnumerable<(string Target, int Port)> targets, int ttlSeconds = 5)
    {
        lock (_gate)
        {
            Get(name).Srv = [.. targets.Select(t => (t.Target.TrimEnd('.'), t.Port, ttlSeconds))];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _stopping.Dispose();
    }

    private Zone Get(string name)
    {
        name = name.TrimEnd('.');
        if (!_zones.TryGetValue(name, out var zone))
        {
            zone = new Zone();
            _zones[name] = zone;
        }

        return zone;
    }

    private async Task LoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            UdpReceiveResult received;
            try
            {
                received = await _socket.ReceiveAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // ICMP port unreachable of an earlier reply, etc.
            }

            Interlocked.Increment(ref _queries);
            if (Failure == FailureMode.NoAnswer)
            {
                continue;
            }

            byte[]? reply;
            try
            {
                reply = Answer(received.Buffer);
            }
            catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException)
            {
                reply = null; // malformed question
            }

            if (reply is not null)
            {
                try
                {
                    await _socket.SendAsync(reply, received.RemoteEndPoint, _stopping.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                }
            }
        }
    }

    private byte[]? Answer(byte[] query)
    {
        if (query.Length < 12 || BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(4)) < 1)
        {
            return null;
        }

        var id = BinaryPrimitives.ReadUInt16BigEndian(query);
        var flags = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(2));
        var offset = 12;
        var name = ReadName(query, ref offset);
        var type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(offset));
        var questionEnd = offset + 4;

        var answers = new List<byte[]>();
        var additionals = new List<byte[]>();
        var rcode = 0;
        if (Failure == FailureMode.ServerFailure)
        {
            rcode = 2;
        }
        else
        {
            lock (_gate)
            {
                if (!_zones.TryGetValue(name, out var zone))
                {
                    rcode = 3; // NXDOMAIN
                }
                else if (type is TypeA or TypeAaaa)
                {
                    var family = type == TypeA ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
                    answers.AddRange(zone.Addresses.Where(a => a.Address.AddressFamily == family).Select(a => AddressRecord(null, a.Address, a.Ttl)));
                }
                else if (type == TypeSrv)
                {
                    foreach (var (target, port, ttl) in zone.Srv)
                    {
                        answers.Add(SrvRecord(target, port, ttl));
                        if (_zones.TryGetValue(target, out var targetZone))
                        {
                            additionals.AddRange(targetZone.Addresses.Select(a => AddressRecord(target, a.Address, a.Ttl)));
                        }
                    }
                }
            }
        }

        var reply = new List<byte>(512);
        var header = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, id);
        // QR=1, AA=1, RD copied, RA=1, RCODE.
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)(0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode));
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), (ushort)answers.Count);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(10), (ushort)additionals.Count);
        reply.AddRange(header);
        reply.AddRange(query.AsSpan(12, questionEnd - 12).ToArray());
        foreach (var record in answers.Concat(additionals))
        {
            reply.AddRange(record);
        }

        return [.. reply];
    }

    /// <summary>A or AAAA record; a null owner means "the question's name" (a pointer to offset 12).</summary>
    private static byte[] AddressRecord(string? owner, IPAddress address, int ttl)
    {
        var data = address.GetAddressBytes();
        return Record(owner, data.Length == 4 ? TypeA : TypeAaaa, ttl, data);
    }

    private static byte[] SrvRecord(string target, int port, int ttl)
    {
        var data = new List<byte>();
        var fixedPart = new byte[6];
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart, 10); // priority
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart.AsSpan(2), 100); // weight
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart.AsSpan(4), (ushort)port);
        data.AddRange(fixedPart);
        data.AddRange(EncodeName(target));
        return Record(null, TypeSrv, ttl, [.. data]);
    }

    private static byte[] Record(string? owner, ushort type, int ttl, byte[] data)
    {
        var record = new List<byte>();
        record.AddRange(owner is null ? [0xC0, 0x0C] : EncodeName(owner));
        var fixedPart = new byte[10];
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart, type);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart.AsSpan(2), 1); // IN
        BinaryPrimitives.WriteInt32BigEndian(fixedPart.AsSpan(4), ttl);
        BinaryPrimitives.WriteUInt16BigEndian(fixedPart.AsSpan(8), (ushort)data.Length);
        record.AddRange(fixedPart);
        record.AddRange(data);
        return [.. record];
    }

    private static byte[] EncodeName(string name)
    {
        var bytes = new List<byte>();
        foreach (var label in name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var encoded = Encoding.ASCII.GetBytes(label);
            bytes.Add((byte)encoded.Length);
            bytes.AddRange(encoded);
        }

        bytes.Add(0);
        return [.. bytes];
    }

    private static string ReadName(byte[] message, ref int offset)
    {
        var labels = new List<string>();
        while (true)
        {
            var length = message[offset++];
            if (length == 0)
            {
                break;
            }

            if ((length & 0xC0) != 0)
            {
                throw new ArgumentException("Compressed names are not expected in a question.");
            }

            labels.Add(Encoding.ASCII.GetString(message, offset, length));
            offset += length;
        }

        return string.Join('.', labels);
    }

    private sealed class Zone
    {
        public (IPAddress Address, int Ttl)[] Addresses { get; set; } = [];

        public (string Target, int Port, int Ttl)[] Srv { get; set; } = [];
    }
}
