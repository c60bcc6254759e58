namespace ModMesh.Access;

/// <summary>Compares two hashes (in production: <see cref="System.Security.Cryptography.CryptographicOperations.FixedTimeEquals"/>).</summary>
internal delegate bool HashEquality(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right);
