using System.Diagnostics;
using System.Net.Sockets;
using ModMesh.TestSupport.Processes;

namespace ModMesh.Bench.Tools;

/// <summary>
/// nginx 1.22 (Debian's) as a foreground child process with a prefix, pid file, error log, temp and cache folders
/// of its own under a temporary folder; /etc/nginx is never read or written. Static files from a folder,
/// <c>proxy_cache</c> in front of one upstream (the reference an ops team would deploy in front of a node), or a plain
/// load balancer in front of one upstream (what the gateway replaces).
/// </summary>
internal sealed class Nginx : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _prefix;

    private Nginx(Process process, string prefix, int port)
    {
        _process = process;
        _prefix = prefix;
        Port = port;
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public int Pid => _process.Id;

    /// <summary>Serves <paramref name="root"/> as static files (sendfile on).</summary>
    public static Task<Nginx> StartStaticAsync(string root, string scratch) =>
        StartAsync(scratch, port => $$"""
            server {
                listen 127.0.0.1:{{port}} reuseport;
                root {{root}};
                location / { }
            }
            """);

    /// <summary>
    /// A plain reverse proxy (no cache) in front of <paramref name="upstreamUrl"/>: the classic load balancer set-up
    /// the gateway replaces, with passive health checks (<c>max_fails=3 fail_timeout=30s</c>) and 32 keep-alive
    /// connections to the node.
    /// </summary>
    public static Task<Nginx> StartLoadBalancerAsync(string upstreamUrl, string scratch)
    {
        var upstream = new Uri(upstreamUrl);
        return StartAsync(scratch, port => $$"""
            upstream modmesh_nodes {
                server {{upstream.Host}}:{{upstream.Port}} max_fails=3 fail_timeout=30s;
                keepalive 32;
            }
            server {
                listen 127.0.0.1:{{port}} reuseport;
                location / {
                    proxy_pass http://modmesh_nodes;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                }
            }
            """);
    }

    /// <summary><c>proxy_cache</c> in front of <paramref name="upstreamUrl"/> with 32 keep-alive connections to it.</summary>
    public static Task<Nginx> StartProxyCacheAsync(string upstreamUrl, string scratch)
    {
        var upstream = new Uri(upstreamUrl);
        return StartAsync(scratch, port => $$"""
            proxy_cache_path {{Path.Combine(scratch, "cache")}} levels=1:2 keys_zone=modmesh:16m max_size=8g inactive=1d use_temp_path=off;
            upstream node {
                server {{upstream.Host}}:{{upstream.Port}};
                keepalive 32;
            }
            server {
                listen 127.0.0.1:{{port}} reuseport;
                location / {
                    proxy_pass http://node;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_cache modmesh;
                    proxy_cache_valid 200 1d;
                    proxy_cache_lock on;
                    add_header X-Cache-Status $upstream_cache_status;
                }
            }
            """);
    }

    private static async Task<Nginx> StartAsync(string scratch, Func<int, string> server)
    {
        var prefix = Path.Combine(scratch, "nginx-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(prefix);
        foreach (var temp in new[] { "client_body", "proxy", "fastcgi", "uwsgi", "scgi" })
        {
            Directory.CreateDirectory(Path.Combine(prefix, temp));
        }

        var port = ServiceProcess.FreeLoopbackPort();
        var conf = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(conf, $$"""
            # Written by ModMesh.Bench; runs in the foreground with everything under {{prefix}}.
            user root;
            worker_processes auto;
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/error.log warn;
            events { worker_connections 4096; }
            http {
                access_log off;
                sendfile on;
                tcp_nopush on;
                tcp_nodelay on;
                keepalive_timeout 65;
                keepalive_requests 10000000;
                default_type application/octet-stream;
                client_body_temp_path {{prefix}}/client_body;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;
            {{server(port)}}
            }
            """).ConfigureAwait(false);

        var psi = new ProcessStartInfo("nginx")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-p", prefix + "/", "-e", Path.Combine(prefix, "error.log"), "-c", conf, "-g", "daemon off; master_process on;" })
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("nginx did not start");
        var nginx = new Nginx(process, prefix, port);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (process.HasExited)
            {
                var log = File.Exists(Path.Combine(prefix, "error.log")) ? await File.ReadAllTextAsync(Path.Combine(prefix, "error.log")).ConfigureAwait(false) : "";
                throw new InvalidOperationException($"nginx exited with {process.ExitCode}: {await process.StandardError.ReadToEndAsync().ConfigureAwait(false)} {log}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, port).ConfigureAwait(false);
                return nginx;
            }
            catch (SocketException)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        }

        await nginx.DisposeAsync().ConfigureAwait(false);
        throw new TimeoutException("nginx did not listen within 10 s");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (TimeoutException)
        {
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_prefix, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
