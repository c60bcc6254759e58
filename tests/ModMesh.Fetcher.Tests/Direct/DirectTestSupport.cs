using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ModMesh.Fetcher.Direct;
using ModMesh.Fetcher.Upstream;
using ModMesh.TestSupport.Go;
using ModMesh.Coordination;

namespace ModMesh.Fetcher.Tests.Direct;

/// <summary>The local git repositories, built once for a test class.</summary>
public sealed class LocalGitModulesFixture : IAsyncLifetime
{
    private LocalGitModules? _modules;

    public LocalGitModules Modules => _modules ?? throw new InvalidOperationException("Not initialized.");

    public async Task InitializeAsync() => _modules = await LocalGitModules.CreateAsync();

    public Task DisposeAsync()
    {
        _modules?.Dispose();
        return Task.CompletedTask;
    }
}

internal static class DirectTestSupport
{
    public static DirectSource Create(DirectOptions options, TimeProvider? time = null) =>
        new(Options.Create(new UpstreamOptions { Upstream = "direct", Direct = options }), time ?? TimeProvider.System, NullLogger<DirectSource>.Instance);

    public static async Task<byte[]> ReadAllAsync(UpstreamResponse response)
    {
        Assert.True(response.Status == OutcomeKind.Ok, $"{response.Status}: {response.Message}");
        using var buffer = new MemoryStream();
        await response.Content!.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    public static async Task<string> ReadTextAsync(UpstreamResponse response) => Encoding.UTF8.GetString(await ReadAllAsync(response));

    /// <summary>Writes an executable shell script standing in for the go command.</summary>
    public static string WriteScript(string folder, string name, string body)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    /// <summary>The sub-folders left under a work path (every process folder and its module folders).</summary>
    public static string[] Leftovers(string workPath) =>
        Directory.Exists(workPath) ? Directory.GetDirectories(workPath, "*", SearchOption.AllDirectories) : [];
}
