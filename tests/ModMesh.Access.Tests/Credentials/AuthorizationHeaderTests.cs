using System.Text;

namespace ModMesh.Access.Tests.Credentials;

public class AuthorizationHeaderTests
{
    private const string Token = "mm_abcdefghijkl_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    private static string Basic(string userAndPassword) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(userAndPassword));

    [Theory]
    [InlineData("Bearer " + Token)]
    [InlineData("bearer " + Token)]
    [InlineData("BEARER \t " + Token + "  ")]
    public void Parse_Bearer_GivesTheToken(string header)
    {
        var result = AuthorizationHeader.Parse(header);

        Assert.True(result.Succeeded, result.Reason);
        Assert.Equal(CredentialsError.None, result.Error);
        Assert.Equal(CredentialsScheme.Bearer, result.Credentials!.Scheme);
        Assert.Equal(Token, result.Credentials.Token);
        Assert.Null(result.Credentials.UserName);
    }

    [Fact]
    public void Parse_BasicFromNetrc_GivesThePasswordAsTheTokenAndKeepsTheUserName()
    {
        var result = AuthorizationHeader.Parse(Basic("alice:" + Token));

        Assert.True(result.Succeeded, result.Reason);
        Assert.Equal(CredentialsScheme.Basic, result.Credentials!.Scheme);
        Assert.Equal(Token, result.Credentials.Token);
        Assert.Equal("alice", result.Credentials.UserName);
    }

    [Theory]
    [InlineData(":" + Token, "", Token)]
    [InlineData("anything at all:" + Token, "anything at all", Token)]
    [InlineData("bob:pass:with:colons", "bob", "pass:with:colons")]
    public void Parse_Basic_SplitsAtTheFirstColon(string userAndPassword, string user, string token)
    {
        var result = AuthorizationHeader.Parse(Basic(userAndPassword));

        Assert.True(result.Succeeded, result.Reason);
        Assert.Equal(user, result.Credentials!.UserName);
        Assert.Equal(token, result.Credentials.Token);
    }

    [Theory]
    [InlineData(null, CredentialsError.Missing)]
    [InlineData("", CredentialsError.Missing)]
    [InlineData("   ", CredentialsError.Missing)]
    [InlineData("Bearer", CredentialsError.EmptyToken)]
    [InlineData("Bearer   ", CredentialsError.EmptyToken)]
    [InlineData("Bearer one two", CredentialsError.Malformed)]
    [InlineData("Basic", CredentialsError.Malformed)]
    [InlineData("Basic YWxp Y2U6eA==", CredentialsError.Malformed)]
    [InlineData("Basic !!!!", CredentialsError.MalformedBase64)]
    [InlineData("Basic YWxpY2U6eA", CredentialsError.MalformedBase64)] // "alice:x" without its padding
    [InlineData("Basic YWxpY2U6eA=", CredentialsError.MalformedBase64)]
    [InlineData("Basic //79", CredentialsError.MalformedBase64)] // bytes FF FE FD: not UTF-8
    [InlineData("Basic YWxpY2U=", CredentialsError.MissingColon)] // "alice"
    [InlineData("Basic YWxpY2U6", CredentialsError.EmptyToken)] // "alice:"
    [InlineData("Digest username=alice", CredentialsError.UnknownScheme)]
    [InlineData("Token " + Token, CredentialsError.UnknownScheme)]
    [InlineData(Token, CredentialsError.UnknownScheme)]
    public void Parse_Malformed_GivesTheReason(string? header, CredentialsError expected)
    {
        var result = AuthorizationHeader.Parse(header);

        Assert.False(result.Succeeded);
        Assert.Null(result.Credentials);
        Assert.Equal(expected, result.Error);
        Assert.False(string.IsNullOrWhiteSpace(result.Reason));
    }

    [Theory]
    [InlineData(Token)]
    [InlineData("Bearer " + Token)]
    [InlineData("Bearer " + Token + " extra")]
    [InlineData("Basic ")]
    [InlineData("Negotiate " + Token)]
    public void Parse_AnyHeader_NeverPutsTheTokenInAMessage(string header)
    {
        var basic = header == "Basic " ? Basic("alice:" + Token) : header;
        var result = AuthorizationHeader.Parse(basic);

        Assert.DoesNotContain(Token, result.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, result.ToString(), StringComparison.Ordinal);
        if (result.Credentials is { } credentials)
        {
            Assert.DoesNotContain(Token, credentials.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Parse_BareTokenWithoutScheme_DoesNotEchoIt()
    {
        // A client that forgot "Bearer " sends the secret as if it were the scheme name.
        var result = AuthorizationHeader.Parse("mm_secretlooking_value");

        Assert.Equal(CredentialsError.UnknownScheme, result.Error);
        Assert.DoesNotContain("mm_secret", result.Reason, StringComparison.Ordinal);
    }
}
