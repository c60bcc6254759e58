using System.Net;
using System.Net.Sockets;

namespace ModMesh.TestSupport.Net;

/// <summary>
/// A TCP relay on 127.0.0.1 in front of another endpoint, for fault injection: while <see cref="Broken"/> it resets
/// every open connection and refuses new ones (closes them at once), like a backend that went away.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _loop;
    private volatile bool _broken;

    public TcpRelay(IPEndPoint target)
    {
        _target = target;
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => $"http://127.0.0.1:{Port}";

    public bool Broken
    {
        get => _broken;
        set
        {
            _broken = value;
            if (value)
            {
                lock (_gate)
                {
                    foreach (var client in _open)
                    {
                        client.Client.LingerState = new LingerOption(true, 0);
                        client.Dispose();
                    }

                    _open.Clear();
                }
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await _listener.AcceptTcpClientAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            if (_broken)
            {
                inbound.Client.LingerState = new LingerOption(true, 0);
                inbound.Dispose();
                continue;
            }

            _ = Task.Run(() => RelayAsync(inbound));
        }
    }

    private async Task RelayAsync(TcpClient inbound)
    {
        using var outbound = new TcpClient();
        try
        {
            await outbound.ConnectAsync(_target, _stopping.Token).ConfigureAwait(false);
            lock (_gate)
            {
                _open.Add(inbound);
                _open.Add(outbound);
            }

            var a = inbound.GetStream().CopyToAsync(outbound.GetStream(), _stopping.Token);
            var b = outbound.GetStream().CopyToAsync(inbound.GetStream(), _stopping.Token);
            await Task.WhenAny(a, b).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or IOException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _open.Remove(inbound);
                _open.Remove(outbound);
            }

            inbound.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        Broken = true;
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }
}
