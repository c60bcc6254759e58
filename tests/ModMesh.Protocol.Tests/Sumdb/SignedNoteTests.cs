using System.Text;
using ModMesh.Protocol.Sumdb;

namespace ModMesh.Protocol.Tests.Sumdb;

/// <summary>Signed notes and keys; real vectors re-typed from golang.org/x/mod/sumdb/note's tests and from sum.golang.org.</summary>
public sealed class SignedNoteTests
{
    // golang.org/x/mod/sumdb/note/note_test.go
    private const string PeterKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    private const string PeterSignerKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    private const string EnochKey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    private const string Text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    private const string PeterSig = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    private const string EnochSig = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    // A tree head signed by sum.golang.org (tree 65664258).
    private const string SumGolangOrgTreeHead =
        "go.sum database tree\n65664258\nWVVNVD2qx+fTq31zkj6UAqxT5X6HvGphGM+o8Thnbsg=\n\n" +
        "— sum.golang.org Az3grligJmgX7KGyGPKybykNTh3VgsbLvUuvOwrM5zLVlulmFp2wdvbxOw74/gcNxURShXEpb7RXcs3+BYflYN+w0gQ=\n";

    private static NoteVerifier Verifier(string key) =>
        NoteVerifier.TryParse(key, out var verifier, out var error) ? verifier : throw new InvalidOperationException(error);

    [Fact]
    public void TryParse_GoVerifierKey_NameAndHash()
    {
        var verifier = Verifier(PeterKey);

        Assert.Equal("PeterNeumann", verifier.Name);
        Assert.Equal(0xc74f20a3u, verifier.KeyHash);
    }

    [Fact]
    public void TryParse_EveryManglingOfAKey_Rejected()
    {
        for (var i = 0; i < PeterKey.Length; i++)
        {
            for (var j = i + 1; j <= PeterKey.Length; j++)
            {
                if (i != 0 || j != PeterKey.Length)
                {
                    Assert.False(NoteVerifier.TryParse(PeterKey[i..j], out _, out _), PeterKey[i..j]);
                }
            }
        }

        for (var i = 0; i < PeterKey.Length; i++)
        {
            var bent = PeterKey[..i] + (char)(PeterKey[i] + 1) + PeterKey[(i + 1)..];
            Assert.False(NoteVerifier.TryParse(bent, out _, out _), bent);
        }

        // Wrong key length and unknown algorithm, each with a matching key hash (from Go's tests).
        Assert.False(NoteVerifier.TryParse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", out _, out _));
        Assert.False(NoteVerifier.TryParse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", out _, out _));
    }

    [Fact]
    public void Sign_GoSignerKey_SameBytesAsGo()
    {
        Assert.True(NoteSigner.TryParse(PeterSignerKey, out var signer));
        using (signer)
        {
            Assert.Equal(PeterKey, signer.VerifierKey);
            Assert.Equal(Text + "\n" + PeterSig, Encoding.UTF8.GetString(NoteSigner.SignNote(Text, signer)));
        }
    }

    [Fact]
    public void Open_OneKnownOneUnknownSignature_VerifiedWithOneUnverified()
    {
        var result = SignedNote.Open(Encoding.UTF8.GetBytes(Text + "\n" + PeterSig + EnochSig), [Verifier(PeterKey)]);

        Assert.Equal(NoteOpenStatus.Verified, result.Status);
        Assert.Equal(Text, result.Note!.Text);
        Assert.Equal("PeterNeumann", Assert.Single(result.Note.Signatures).Name);
        var other = Assert.Single(result.Note.UnverifiedSignatures);
        Assert.Equal(("EnochRoot", 0xaf0cfe78u), (other.Name, other.KeyHash));
    }

    [Fact]
    public void Open_BothKeysKnown_BothVerified()
    {
        var result = SignedNote.Open(Encoding.UTF8.GetBytes(Text + "\n" + PeterSig + EnochSig), [Verifier(PeterKey), Verifier(EnochKey)]);

        Assert.Equal(NoteOpenStatus.Verified, result.Status);
        Assert.Equal(2, result.Note!.Signatures.Count);
    }

    [Fact]
    public void Open_OnlyUnknownSignatures_NoKnownSignature()
    {
        var result = SignedNote.Open(Encoding.UTF8.GetBytes(Text + "\n" + EnochSig), [Verifier(PeterKey)]);

        Assert.Equal(NoteOpenStatus.NoKnownSignature, result.Status);
        Assert.Null(result.Note);
    }

    [Fact]
    public void Open_TextChanged_InvalidSignature()
    {
        var result = SignedNote.Open(Encoding.UTF8.GetBytes(Text.Replace("answer", "Answer", StringComparison.Ordinal) + "\n" + PeterSig), [Verifier(PeterKey)]);

        Assert.Equal(NoteOpenStatus.InvalidSignature, result.Status);
    }

    [Theory]
    [InlineData("no blank line\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")]
    [InlineData("text\n\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")]
    [InlineData("text\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=")]
    [InlineData("text\n\n— PeterNeumann AAAA\n")]
    [InlineData("text\n\n— PeterNeumann not-base64!\n")]
    [InlineData("te\u0001xt\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")]
    public void Open_NotANote_Malformed(string message)
    {
        Assert.Equal(NoteOpenStatus.Malformed, SignedNote.Open(Encoding.UTF8.GetBytes(message), [Verifier(PeterKey)]).Status);
    }

    [Fact]
    public void Open_RealSumGolangOrgTreeHead_VerifiesWithBuiltInKey()
    {
        Assert.True(SumdbSetting.TryParse("sum.golang.org", out var setting, out _));

        var result = SignedNote.Open(Encoding.UTF8.GetBytes(SumGolangOrgTreeHead), [setting.Verifier!]);

        Assert.Equal(NoteOpenStatus.Verified, result.Status);
        Assert.True(TlogTree.TryParse(result.Note!.Text, out var tree));
        Assert.Equal(65664258, tree!.Size);
        Assert.Equal("WVVNVD2qx+fTq31zkj6UAqxT5X6HvGphGM+o8Thnbsg=", tree.Hash.ToString());
    }

    [Fact]
    public void Open_RealTreeHeadWithOtherSize_InvalidSignature()
    {
        Assert.True(SumdbSetting.TryParse("sum.golang.org", out var setting, out _));

        var result = SignedNote.Open(Encoding.UTF8.GetBytes(SumGolangOrgTreeHead.Replace("65664258", "65664259", StringComparison.Ordinal)), [setting.Verifier!]);

        Assert.Equal(NoteOpenStatus.InvalidSignature, result.Status);
    }

    [Fact]
    public void Generate_SignAndOpen_RoundTrip()
    {
        using var signer = NoteSigner.Generate("test.example");
        using var other = NoteSigner.Generate("test.example");
        var note = NoteSigner.SignNote("go.sum database tree\n1\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n", signer);

        Assert.Equal(NoteOpenStatus.Verified, SignedNote.Open(note, [Verifier(signer.VerifierKey)]).Status);
        Assert.NotEqual(NoteOpenStatus.Verified, SignedNote.Open(note, [Verifier(other.VerifierKey)]).Status);
        Assert.Equal(NoteOpenStatus.Verified, SignedNote.Open(NoteSigner.SignNote("a\n", signer, other), [Verifier(other.VerifierKey)]).Status);
    }

    [Theory]
    [InlineData("", true, "")]
    [InlineData("off", true, "")]
    [InlineData("sum.golang.org", true, "sum.golang.org")]
    [InlineData("sum.golang.google.cn", true, "sum.golang.org")]
    [InlineData(SumdbSetting.SumGolangOrgKey, true, "sum.golang.org")]
    [InlineData(SumdbSetting.SumGolangOrgKey + " https://sum.example.com", true, "sum.golang.org")]
    [InlineData("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", true, "PeterNeumann")]
    [InlineData("sum.example.com", false, "")]
    [InlineData("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", false, "")]
    public void SumdbSetting_TryParse_LikeGosumdb(string value, bool valid, string name)
    {
        Assert.Equal(valid, SumdbSetting.TryParse(value, out var setting, out _));
        if (valid)
        {
            Assert.Equal(name, setting!.Name);
            Assert.Equal(name.Length > 0, setting.IsEnabled);
        }
    }
}
