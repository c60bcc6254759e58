using System.Reflection;
using ModMesh.Coordination.Redis;

namespace ModMesh.Coordination.Tests;

/// <summary>The job signature alone: what it covers, what it refuses, which keys it takes.</summary>
public sealed class FillJobSignerTests
{
    private static readonly FillJob Sample = new(
        "example.com/private/m", "v1.2.3", "example.com/private/m", "v1.2.3",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", new DateTimeOffset(2026, 12, 2, 3, 4, 5, 678, TimeSpan.FromHours(1)));

    private readonly FillJobSigner _signer = FillJobSigner.FromBase64(RedisFixture.NewSigningKey());

    [Fact]
    public void Verify_SameJob_Accepts()
    {
        string signature = _signer.Sign(Sample);

        Assert.StartsWith("v1.", signature, StringComparison.Ordinal);
        Assert.True(_signer.Verify(Sample with { }, signature));
    }

    [Fact]
    public void Fields_EveryPropertyOfFillJob_IsCovered()
    {
        var properties = typeof(FillJob).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.Name != "EqualityContract").ToArray();

        Assert.Equal(
            properties.Select(p => p.Name).Order(StringComparer.OrdinalIgnoreCase),
            FillJobSigner.Fields.Select(f => f.Name).Order(StringComparer.OrdinalIgnoreCase),
            StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public void Verify_AnyOneFieldChanged_Refuses()
    {
        string signature = _signer.Sign(Sample);
        var properties = typeof(FillJob).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToArray();
        Assert.NotEmpty(properties);

        foreach (var property in properties)
        {
            var changed = Sample with { };
            property.SetValue(changed, Changed(property.GetValue(Sample), property.PropertyType));

            Assert.NotEqual(Sample, changed);
            Assert.False(_signer.Verify(changed, signature), $"a changed {property.Name} was accepted");
        }
    }

    [Fact]
    public void Verify_NullAndEmptyTraceParent_AreDifferentJobs()
    {
        var withNull = Sample with { TraceParent = null };

        Assert.False(_signer.Verify(Sample with { TraceParent = "" }, _signer.Sign(withNull)));
    }

    [Fact]
    public void Verify_ValueMovedBetweenFields_Refuses()
    {
        // Length prefixes: "ab" + "c" is not "a" + "bc".
        var one = Sample with { ModulePath = "example.com/ab", Version = "c" };
        var other = Sample with { ModulePath = "example.com/a", Version = "bc" };

        Assert.False(_signer.Verify(other, _signer.Sign(one)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("v1.")]
    [InlineData("v2.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("v1.not base64!")]
    [InlineData("v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Verify_GarbageSignature_Refuses(string? signature)
    {
        Assert.False(_signer.Verify(Sample, signature));
    }

    [Fact]
    public void Verify_OtherKey_Refuses()
    {
        var other = FillJobSigner.FromBase64(RedisFixture.NewSigningKey());

        Assert.False(other.Verify(Sample, _signer.Sign(Sample)));
    }

    [Fact]
    public void Verify_TruncatedSignature_Refuses()
    {
        string signature = _signer.Sign(Sample);

        Assert.False(_signer.Verify(Sample, signature[..^4]));
    }

    [Fact]
    public void Verify_LoneSurrogate_RefusesInsteadOfMatchingReplacementCharacter()
    {
        string signature = _signer.Sign(Sample with { ModulePath = "example.com/\uFFFD" });

        Assert.False(_signer.Verify(Sample with { ModulePath = "example.com/\uD800" }, signature));
    }

    [Theory]
    [InlineData(null, "not set")]
    [InlineData("  ", "not set")]
    [InlineData("not base64!", "base64")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", "31 bytes")]
    public void FromBase64_BadKey_ThrowsNamingTheProblem(string? key, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => FillJobSigner.FromBase64(key));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static object? Changed(object? value, Type type) => value switch
    {
        string text => text + "x",
        null when type == typeof(string) => "x",
        DateTimeOffset time => time.AddTicks(1),
        Enum e => Enum.GetValues(type).Cast<object>().First(v => !v.Equals(e)),
        int number => number + 1,
        long number => number + 1,
        _ => throw new InvalidOperationException($"Teach this test how to change a {type}."),
    };
}
