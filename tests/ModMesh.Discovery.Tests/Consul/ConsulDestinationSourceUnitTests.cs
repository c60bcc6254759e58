using ModMesh.Discovery.Consul;

namespace ModMesh.Discovery.Tests.Consul;

public sealed class ConsulDestinationSourceUnitTests
{
    [Theory]
    [InlineData(0UL, 15UL, 15UL)]
    [InlineData(15UL, 15UL, 15UL)]
    [InlineData(15UL, 20UL, 20UL)]
    [InlineData(20UL, 7UL, 0UL)] // went backwards (agent restarted, snapshot restore): start over
    [InlineData(0UL, 0UL, 1UL)] // never block on index 0
    public void NextIndex_FollowsConsulsRules(ulong previous, ulong returned, ulong expected) =>
        Assert.Equal(expected, ConsulDestinationSource.NextIndex(previous, returned));

    [Fact]
    public void ToDestinations_ServiceAddressMissing_UsesTheNodeAddressAndMetaScheme()
    {
        var entries = new List<ConsulServiceEntry>
        {
            new() { Node = new() { Node = "n1", Address = "10.0.0.1" }, Service = new() { ID = "a", Port = 8080 } },
            new() { Node = new() { Node = "n2", Address = "10.0.0.2" }, Service = new() { ID = "b", Address = "10.0.1.2", Port = 8443, Meta = new() { ["scheme"] = "https" } } },
            new() { Node = new() { Node = "n3", Address = "10.0.0.3" }, Service = new() { ID = "a", Address = "fd00::3", Port = 8080 } },
        };

        var set = ConsulDestinationSource.ToDestinations(entries, "http");

        Assert.Equal(
            [new Destination("a", "http://10.0.0.1:8080"), new Destination("a@n3", "http://[fd00::3]:8080"), new Destination("b", "https://10.0.1.2:8443")],
            set.Items);
    }

    [Fact]
    public void BuildRegistration_ListeningAddress_GivesIdPortAndReadinessCheck()
    {
        var options = new ConsulRegistrationOptions { ServiceName = "modmesh-cachenode" };

        var registration = ConsulRegistrationService.BuildRegistration(options, ["https://127.0.0.1:7443", "http://127.0.0.1:7000"], "Host1")!;

        Assert.Equal(("modmesh-cachenode-host1-7000", "modmesh-cachenode", "127.0.0.1", 7000), (registration.ID, registration.Name, registration.Address, registration.Port!.Value));
        Assert.Equal(("http://127.0.0.1:7000/health/ready", "5s", "2s", "1m"),
            (registration.Check!.HTTP, registration.Check.Interval, registration.Check.Timeout, registration.Check.DeregisterCriticalServiceAfter));
        Assert.Equal("http", registration.Meta!["scheme"]);
    }

    [Fact]
    public void BuildRegistration_WildcardListener_SendsNoAddressUnlessOverridden()
    {
        var options = new ConsulRegistrationOptions { ServiceName = "modmesh-fetcher" };

        var wildcard = ConsulRegistrationService.BuildRegistration(options, ["http://[::]:8080"], "pod-1")!;
        options.ServiceAddress = "10.1.2.3";
        var overridden = ConsulRegistrationService.BuildRegistration(options, ["http://+:8080"], "pod-1")!;

        Assert.Null(wildcard.Address);
        Assert.Equal("http://localhost:8080/health/ready", wildcard.Check!.HTTP);
        Assert.Equal("10.1.2.3", overridden.Address);
        Assert.Equal("http://10.1.2.3:8080/health/ready", overridden.Check!.HTTP);
    }
}
