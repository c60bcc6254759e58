using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace ModMesh.Protocol.Sumdb;

/// <summary>
/// A signed-note verifier key (golang.org/x/mod/sumdb/note): "name+hash+base64(alg || public key)", where hash is the
/// first four bytes (big-endian, 8 hex digits) of SHA-256(name + "\n" + alg || public key). Only Ed25519 (alg 1) exists.
/// </summary>
public sealed class NoteVerifier
{
    /// <summary>The algorithm byte of Ed25519 keys.</summary>
    public const byte AlgorithmEd25519 = 0x01;

    private readonly PublicKey _key;

    private NoteVerifier(string name, uint keyHash, PublicKey key, string text)
    {
        Name = name;
        KeyHash = keyHash;
        _key = key;
        Text = text;
    }

    /// <summary>The key's (and the database's) name, e.g. "sum.golang.org".</summary>
    public string Name { get; }

    /// <summary>The key hash that signature lines carry.</summary>
    public uint KeyHash { get; }

    /// <summary>The verifier key as given.</summary>
    public string Text { get; }

    /// <summary>Parses a verifier key; the hash must match the name and key.</summary>
    public static bool TryParse(string? verifierKey, [NotNullWhen(true)] out NoteVerifier? verifier, [NotNullWhen(false)] out string? error)
    {
        verifier = null;
        var parts = (verifierKey ?? "").Split('+', 3);
        if (parts.Length != 3 || !IsValidName(parts[0]) || parts[1].Length != 8 ||
            !uint.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hash) ||
            parts[2].Length == 0 || parts[2].Any(char.IsWhiteSpace))
        {
            error = "malformed verifier key: expected name+hash+base64key";
            return false;
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            error = "malformed verifier key: the key is not base64";
            return false;
        }

        if (key.Length == 0)
        {
            error = "malformed verifier key: empty key";
            return false;
        }

        if (ComputeKeyHash(parts[0], key) != hash)
        {
            error = "invalid verifier key: the hash does not match the name and key";
            return false;
        }

        if (key[0] != AlgorithmEd25519)
        {
            error = $"unknown verifier key algorithm {key[0]}";
            return false;
        }

        if (key.Length != 33 || !PublicKey.TryImport(SignatureAlgorithm.Ed25519, key.AsSpan(1), KeyBlobFormat.RawPublicKey, out var publicKey) || publicKey is null)
        {
            error = "malformed verifier key: not a 32-byte Ed25519 public key";
            return false;
        }

        verifier = new NoteVerifier(parts[0], hash, publicKey, verifierKey!);
        error = null;
        return true;
    }

    /// <summary>The verifier key of an Ed25519 public key under <paramref name="name"/>.</summary>
    public static string FormatEd25519Key(string name, ReadOnlySpan<byte> publicKey)
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException("a key name is non-empty, without spaces or '+'", nameof(name));
        }

        if (publicKey.Length != 32)
        {
            throw new ArgumentException("an Ed25519 public key is 32 bytes", nameof(publicKey));
        }

        byte[] key = [AlgorithmEd25519, .. publicKey];
        return $"{name}+{ComputeKeyHash(name, key):x8}+{Convert.ToBase64String(key)}";
    }

    /// <summary>The key hash: the first four bytes, big-endian, of SHA-256(name + "\n" + key) (key with its algorithm byte).</summary>
    public static uint ComputeKeyHash(string name, ReadOnlySpan<byte> algorithmAndKey)
    {
        byte[] input = [.. Encoding.UTF8.GetBytes(name + "\n"), .. algorithmAndKey];
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(input));
    }

    /// <summary>A note key name: non-empty, no white space, no '+'.</summary>
    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && !name.Any(char.IsWhiteSpace) && !name.Contains('+') && !name.Any(char.IsSurrogate);

    /// <summary>True when <paramref name="signature"/> (64 bytes) is this key's Ed25519 signature of <paramref name="message"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        signature.Length == 64 && SignatureAlgorithm.Ed25519.Verify(_key, message, signature);

    /// <inheritdoc />
    public override string ToString() => Text;
}

/// <summary>An Ed25519 signed-note signer ("PRIVATE+KEY+name+hash+base64(alg || seed)"): for tests and private checksum databases.</summary>
public sealed class NoteSigner : IDisposable
{
    private readonly Key _key;

    private NoteSigner(string name, Key key)
    {
        Name = name;
        _key = key;
        var publicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        VerifierKey = NoteVerifier.FormatEd25519Key(name, publicKey);
        KeyHash = NoteVerifier.ComputeKeyHash(name, [NoteVerifier.AlgorithmEd25519, .. publicKey]);
    }

    /// <summary>The key name.</summary>
    public string Name { get; }

    /// <summary>The key hash.</summary>
    public uint KeyHash { get; }

    /// <summary>The matching verifier key ("name+hash+base64").</summary>
    public string VerifierKey { get; }

    /// <summary>A new random key.</summary>
    public static NoteSigner Generate(string name)
    {
        if (!NoteVerifier.IsValidName(name))
        {
            throw new ArgumentException("a key name is non-empty, without spaces or '+'", nameof(name));
        }

        return new NoteSigner(name, Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
    }

    /// <summary>Parses a signer key "PRIVATE+KEY+name+hash+base64(0x01 || 32-byte seed)"; the hash must match.</summary>
    public static bool TryParse(string? signerKey, [NotNullWhen(true)] out NoteSigner? signer)
    {
        signer = null;
        var parts = (signerKey ?? "").Split('+', 5);
        if (parts.Length != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" || !NoteVerifier.IsValidName(parts[2]) || parts[3].Length != 8 ||
            !uint.TryParse(parts[3], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hash) || parts[4].Any(char.IsWhiteSpace))
        {
            return false;
        }

        var buffer = new byte[64];
        if (!Convert.TryFromBase64String(parts[4], buffer, out var written) || written != 33 || buffer[0] != NoteVerifier.AlgorithmEd25519 ||
            !Key.TryImport(SignatureAlgorithm.Ed25519, buffer.AsSpan(1, 32), KeyBlobFormat.RawPrivateKey, out var key, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }) ||
            key is null)
        {
            return false;
        }

        var parsed = new NoteSigner(parts[2], key);
        if (parsed.KeyHash != hash)
        {
            parsed.Dispose();
            return false;
        }

        signer = parsed;
        return true;
    }

    /// <summary>The Ed25519 signature (64 bytes) of <paramref name="message"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message) => SignatureAlgorithm.Ed25519.Sign(_key, message);

    /// <summary>The signature line for <paramref name="text"/>: "— name base64(keyhash || signature)\n".</summary>
    public string SignatureLine(string text)
    {
        var signature = Sign(Encoding.UTF8.GetBytes(text));
        var blob = new byte[4 + signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(blob, KeyHash);
        signature.CopyTo(blob, 4);
        return $"{SignedNote.SignaturePrefix}{Name} {Convert.ToBase64String(blob)}\n";
    }

    /// <summary>A signed note: the text (ending in a newline), a blank line, one signature line per signer.</summary>
    public static byte[] SignNote(string text, params NoteSigner[] signers)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(signers);
        if (!text.EndsWith('\n'))
        {
            throw new ArgumentException("note text must end with a newline", nameof(text));
        }

        var note = new StringBuilder(text).Append('\n');
        foreach (var signer in signers)
        {
            note.Append(signer.SignatureLine(text));
        }

        return Encoding.UTF8.GetBytes(note.ToString());
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();
}
