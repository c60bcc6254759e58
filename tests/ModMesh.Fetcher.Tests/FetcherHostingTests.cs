using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModMesh.Fetcher.Filling;
using ModMesh.Fetcher.Queueing;
using ModMesh.TestSupport;

namespace ModMesh.Fetcher.Tests;

/// <summary>How "ModMesh:Fill" settings choose and validate the filler.</summary>
public sealed class FetcherHostingTests : IDisposable
{
    private const string Upstream = "http://127.0.0.1:9";

    private readonly string _root = TempDirectory.CreateUnique("fetcher-hosting");

    public void Dispose() => TempDirectory.Delete(_root);

    [Theory]
    [InlineData("Bogus")]
    [InlineData("queued")]
    [InlineData("Local,Queue")]
    public void AddFetcher_UnknownFillMode_ThrowsErrorNamingSettingAndValue(string mode)
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            FillHost.CreateBuilder(_root, Upstream, new Dictionary<string, string?> { ["ModMesh:Fill:Mode"] = mode }, withConsumer: false));

        Assert.Contains("ModMesh:Fill:Mode", error.Message, StringComparison.Ordinal);
        Assert.Contains($"\"{mode}\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("Local", error.Message, StringComparison.Ordinal);
        Assert.Contains("Queue", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Queue", typeof(QueuedModuleFiller))]
    [InlineData(" queue ", typeof(QueuedModuleFiller))]
    [InlineData("QUEUE", typeof(QueuedModuleFiller))]
    [InlineData("Local", typeof(ModuleFiller))]
    [InlineData("local", typeof(ModuleFiller))]
    [InlineData("", typeof(ModuleFiller))] // no Redis configured: the embedded default fills locally
    public void AddFetcher_FillMode_ChoosesFiller(string mode, Type expected)
    {
        using var host = FillHost.CreateBuilder(_root, Upstream, new Dictionary<string, string?> { ["ModMesh:Fill:Mode"] = mode }, withConsumer: false).Build();

        Assert.IsType(expected, host.Services.GetRequiredService<IModuleFiller>());
    }

    [Theory]
    [InlineData("ModMesh:Fill:LockTimeToLive", "00:00:00.500")]
    [InlineData("ModMesh:Fill:WaitTimeout", "00:00:00")]
    [InlineData("ModMesh:Fill:MaxZipBytes", "0")]
    [InlineData("ModMesh:Fetcher:Concurrency", "0")]
    [InlineData("ModMesh:Upstream", "not a url")]
    public async Task StartAsync_InvalidFillSetting_FailsAtStart(string key, string value)
    {
        using var host = FillHost.CreateBuilder(_root, Upstream, new Dictionary<string, string?> { [key] = value }, withConsumer: true).Build();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(bound.Token));
    }
}
