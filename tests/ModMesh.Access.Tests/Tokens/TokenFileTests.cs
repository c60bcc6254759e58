using System.Security.Cryptography;

namespace ModMesh.Access.Tests.Tokens;

public class TokenFileTests
{
    [Fact]
    public void Issue_GivesAPlaintextTokenAndALineWithOnlyItsHash()
    {
        var issued = TokenFile.Issue("alice");

        Assert.Matches("^mm_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$", issued.Token);
        Assert.Equal($"{issued.Id} alice {AccessToken.FormatHash(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(issued.Token)))}", issued.Line);
        Assert.DoesNotContain(issued.Token, issued.Line, StringComparison.Ordinal);
        Assert.DoesNotContain(issued.Token, issued.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(issued.Token[16..], issued.Line, StringComparison.Ordinal);
    }

    [Fact]
    public void Issue_WithExpiry_WritesRfc3339InUtc()
    {
        var expires = new DateTimeOffset(2026, 3, 4, 7, 6, 7, TimeSpan.FromHours(2));

        var issued = TokenFile.Issue("ci-payments", expires);

        Assert.EndsWith(" expires=2026-03-04T05:06:07Z", issued.Line, StringComparison.Ordinal);
        var entry = Assert.Single(TokenFile.Parse(issued.Line).Value!.Entries);
        Assert.Equal(expires, entry.Expires);
    }

    [Theory]
    [InlineData("")]
    [InlineData("@admins")]
    [InlineData("two words")]
    [InlineData("hash#tag")]
    [InlineData("a=b")]
    public void Issue_BadUserName_Throws(string user)
    {
        Assert.Throws<ArgumentException>(() => TokenFile.Issue(user));
    }

    [Fact]
    public void Parse_IssuedLinesWithCommentsAndBlankLines_GivesEveryToken()
    {
        var a = TokenFile.Issue("alice");
        var b = TokenFile.Issue("alice.smith@corp.example", DateTimeOffset.UnixEpoch.AddYears(60));
        var text = $"# ModMesh tokens\n\n{a.Line}\n   \n{b.Line}   # the laptop\r\n\t# end\n";

        var result = TokenFile.Parse(text);

        Assert.True(result.Succeeded, string.Join("; ", result.Problems));
        Assert.Equal(2, result.Value!.Count);
        Assert.True(result.Value.TryGet(b.Id, out var entry));
        Assert.Equal("alice.smith@corp.example", entry.User);
        Assert.Equal(5, entry.Line);
    }

    [Theory]
    [InlineData("2026-01-02T03:04:05Z")]
    [InlineData("2026-01-02t03:04:05z")]
    [InlineData("2026-01-02T05:04:05+02:00")]
    [InlineData("2026-01-01T22:04:05-05:00")]
    [InlineData("2026-01-02T03:04:05.000Z")]
    public void Parse_Rfc3339Expiry_IsUnderstood(string expires)
    {
        var line = $"abcdefghijkl alice sha256:{new string('0', 64)} expires={expires}";

        var entry = Assert.Single(TokenFile.Parse(line).Value!.Entries);

        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), entry.Expires);
    }

    [Fact]
    public void Parse_BadLines_ReportsEveryProblemWithItsLine()
    {
        var hash = "sha256:" + new string('a', 64);
        var text = string.Join('\n',
            "# tokens",
            $"abcdefghijkl alice {hash}",
            "abcdefghijkl",                                     // 3: too few fields
            $"ABCDEFGHIJKL bob {hash}",                         // 4: id not lower case base32
            $"bcdefghijklm @bob {hash}",                        // 5: a group is not a user
            "cdefghijklmn carol sha256:abc",                    // 6: hash too short (half-written)
            $"defghijklmno dave md5:{new string('a', 64)}",     // 7: not sha256
            $"efghijklmnop erin {hash} expires=tomorrow",       // 8: not RFC 3339
            $"fghijklmnopq fred {hash} expires=2026-01-02T03:04:05", // 9: no offset
            $"ghijklmnopqr gina {hash} expire=2026-01-02T03:04:05Z", // 10: unknown attribute
            $"abcdefghijkl alice2 {hash}",                      // 11: duplicate id
            $"hijklmnopqrs hank sha256:{new string('g', 64)}"); // 12: not hex

        var result = TokenFile.Parse(text);

        Assert.False(result.Succeeded);
        Assert.Null(result.Value);
        Assert.Equal(
            [
                (3, AccessFileProblemKind.Syntax),
                (4, AccessFileProblemKind.BadTokenId),
                (5, AccessFileProblemKind.BadUser),
                (6, AccessFileProblemKind.BadHash),
                (7, AccessFileProblemKind.BadHash),
                (8, AccessFileProblemKind.BadExpiry),
                (9, AccessFileProblemKind.BadExpiry),
                (10, AccessFileProblemKind.UnknownAttribute),
                (11, AccessFileProblemKind.DuplicateTokenId),
                (12, AccessFileProblemKind.BadHash),
            ],
            result.Problems.Select(p => (p.Line, p.Kind)));
        Assert.Contains("line 11: token id 'abcdefghijkl' is already on line 2", result.Problems.Select(p => p.ToString()));
    }

    [Fact]
    public void Revoke_RemovesOnlyThatTokensLine()
    {
        var a = TokenFile.Issue("alice");
        var b = TokenFile.Issue("bob");
        string[] lines = ["# team tokens", a.Line, "", b.Line + "  # bob's CI", "# end"];

        var revoked = TokenFile.Revoke(lines, b.Id);

        Assert.Equal(["# team tokens", a.Line, "", "# end"], revoked);
        Assert.Equal(lines, TokenFile.Revoke(lines, "zzzzzzzzzzzz"));
    }
}
