using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ModMesh.Discovery;

namespace ModMesh.Discovery.Tests.Conformance;

/// <summary>
/// What every <see cref="IDestinationSource"/> must do, written once and run against each implementation (through
/// the same DI wiring the gateway uses): report the initial set, follow additions and removals within a bound while
/// running (no restart), stay quiet when nothing changed, and keep the last good set while its backend fails.
/// Nodes are numbered; each backend decides what node i's address looks like.
/// </summary>
public abstract class DestinationSourceConformanceTests
{
    /// <summary>How soon a change in the backend must show up.</summary>
    protected static readonly TimeSpan ChangeBound = TimeSpan.FromSeconds(5);

    protected abstract Task<DestinationSourceHarness> StartAsync(IReadOnlyList<int> nodes);

    [Fact]
    public async Task Current_AfterStart_HoldsTheInitialNodes()
    {
        await using var harness = await StartAsync([0, 1]);

        await harness.WaitForAsync([0, 1], ChangeBound);
    }

    [Fact]
    public async Task SetNodes_NodeAdded_ShowsUpWithinBoundAndFiresTheChangeToken()
    {
        await using var harness = await StartAsync([0]);
        await harness.WaitForAsync([0], ChangeBound);
        var token = harness.Source.GetChangeToken();
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = token.RegisterChangeCallback(_ => fired.TrySetResult(), null);

        var stopwatch = Stopwatch.StartNew();
        await harness.SetNodesAsync([0, 1]);

        await fired.Task.WaitAsync(ChangeBound);
        await harness.WaitForAsync([0, 1], ChangeBound - stopwatch.Elapsed);
    }

    [Fact]
    public async Task SetNodes_NodeRemoved_LeavesWithinBound()
    {
        await using var harness = await StartAsync([0, 1, 2]);
        await harness.WaitForAsync([0, 1, 2], ChangeBound);

        await harness.SetNodesAsync([0, 2]);

        await harness.WaitForAsync([0, 2], ChangeBound);
    }

    [Fact]
    public async Task Current_NothingChanged_ChangeTokenStaysQuiet()
    {
        await using var harness = await StartAsync([0, 1]);
        await harness.WaitForAsync([0, 1], ChangeBound);
        var token = harness.Source.GetChangeToken();

        await Task.Delay(harness.QuietPeriod);

        Assert.False(token.HasChanged, $"the set did not change, yet the token fired; now: {harness.Source.Current}");
    }

    [Fact]
    public async Task BackendFails_KeepsTheLastGoodSet_AndFollowsChangesAfterRecovery()
    {
        await using var harness = await StartAsync([0, 1]);
        await harness.WaitForAsync([0, 1], ChangeBound);

        await harness.BreakAsync();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < harness.QuietPeriod)
        {
            Assert.Equal(harness.Expected([0, 1]), harness.Addresses());
            await Task.Delay(50);
        }

        await harness.RepairAsync();
        await harness.SetNodesAsync([1, 2]);

        await harness.WaitForAsync([1, 2], ChangeBound);
    }
}

/// <summary>A running source and the backend it watches.</summary>
public abstract class DestinationSourceHarness : IAsyncDisposable
{
    private IHost? _host;

    public IDestinationSource Source => _host?.Services.GetRequiredService<IDestinationSource>() ?? throw new InvalidOperationException("Not started.");

    /// <summary>Long enough for the source to have polled its backend several times.</summary>
    public virtual TimeSpan QuietPeriod => TimeSpan.FromSeconds(1.5);

    /// <summary>The address node <paramref name="node"/> must have in the set.</summary>
    public abstract string AddressOf(int node);

    /// <summary>Makes the backend hold exactly <paramref name="nodes"/>.</summary>
    public abstract Task SetNodesAsync(IReadOnlyList<int> nodes);

    /// <summary>Makes the backend fail (errors, no answers, unusable content).</summary>
    public abstract Task BreakAsync();

    public abstract Task RepairAsync();

    public string[] Expected(IEnumerable<int> nodes) => nodes.Select(AddressOf).Order(StringComparer.Ordinal).ToArray();

    public string[] Addresses() => Source.Current.Items.Select(d => d.Address).Order(StringComparer.Ordinal).ToArray();

    public async Task WaitForAsync(IReadOnlyList<int> nodes, TimeSpan timeout)
    {
        var expected = Expected(nodes);
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout && !expected.SequenceEqual(Addresses()))
        {
            await Task.Delay(20);
        }

        Assert.True(expected.SequenceEqual(Addresses()),
            $"expected [{string.Join(", ", expected)}] within {timeout.TotalSeconds:F1} s, have [{string.Join(", ", Addresses())}]");
    }

    /// <summary>Starts a host wired like the gateway: "Gateway:Discovery" and "Gateway:Nodes" from <paramref name="configuration"/>.</summary>
    protected async Task StartHostAsync(IConfigurationSource configuration)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.Sources.Add(configuration);
        builder.Services.AddLogging();
        builder.AddDestinationSource("Gateway:Discovery", "Gateway");
        _host = builder.Build();
        await _host.StartAsync();
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>A configuration source whose values a test replaces, firing a reload like a changed appsettings file.</summary>
public sealed class ReloadableConfiguration : IConfigurationSource
{
    private readonly Provider _provider = new();

    public ReloadableConfiguration(IDictionary<string, string?> values) => _provider.Replace(values, reload: false);

    public IConfigurationProvider Build(IConfigurationBuilder builder) => _provider;

    public void Replace(IDictionary<string, string?> values) => _provider.Replace(values, reload: true);

    private sealed class Provider : ConfigurationProvider
    {
        public void Replace(IDictionary<string, string?> values, bool reload)
        {
            Data = new Dictionary<string, string?>(values, StringComparer.OrdinalIgnoreCase);
            if (reload)
            {
                OnReload();
            }
        }
    }
}
