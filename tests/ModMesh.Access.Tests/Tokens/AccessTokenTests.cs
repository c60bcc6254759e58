using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace ModMesh.Access.Tests.Tokens;

public partial class AccessTokenTests
{
    [GeneratedRegex("^mm_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$")]
    private static partial Regex TokenShape();

    [Fact]
    public void Generate_HasTheDocumentedShape()
    {
        var token = AccessToken.Generate(out var id);

        Assert.Matches(TokenShape(), token);
        Assert.Equal(AccessToken.Length, token.Length);
        Assert.Equal(token.Substring(3, 12), id);
        Assert.True(AccessToken.TryGetId(token, out var parsed));
        Assert.Equal(id, parsed);
    }

    [Fact]
    public void Generate_TwoTokens_Differ()
    {
        var a = AccessToken.Generate(out var idA);
        var b = AccessToken.Generate(out var idB);

        Assert.NotEqual(a, b);
        Assert.NotEqual(idA, idB);
    }

    [Fact]
    public void Generate_FromTheGivenGenerator_MapsBytesToBase32AndBase64Url()
    {
        using var zeros = new ConstantGenerator(0);
        using var ones = new ConstantGenerator(0xFF);

        Assert.Equal("mm_aaaaaaaaaaaa_" + new string('A', 43), AccessToken.Generate(out var zeroId, zeros));
        Assert.Equal("aaaaaaaaaaaa", zeroId);
        Assert.Equal("mm_777777777777_" + new string('_', 42) + "8", AccessToken.Generate(out _, ones));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("mm_aaaaaaaaaaaa_")]
    [InlineData("xx_aaaaaaaaaaaa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("mm_AAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // upper case id
    [InlineData("mm_aaaaaaaaaaa1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // '1' is not base32
    [InlineData("mm_aaaaaaaaaaaa-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("mm_aaaaaaaaaaaa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+")] // '+' is not base64url
    [InlineData("mm_aaaaaaaaaaaa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // one too many
    public void TryGetId_NotATokenShape_IsFalse(string? token)
    {
        Assert.False(AccessToken.TryGetId(token, out _));
    }

    [Fact]
    public void ComputeHash_IsTheSha256OfTheTokenString()
    {
        var token = AccessToken.Generate(out _);

        Assert.Equal(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(token)), AccessToken.ComputeHash(token));
        Assert.Matches("^sha256:[0-9a-f]{64}$", AccessToken.FormatHash(AccessToken.ComputeHash(token)));
    }

    private sealed class ConstantGenerator(byte value) : RandomNumberGenerator
    {
        public override void GetBytes(byte[] data) => Array.Fill(data, value);

        public override void GetBytes(Span<byte> data) => data.Fill(value);
    }
}
