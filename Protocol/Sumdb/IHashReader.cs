namespace ModMesh.Protocol.Sumdb;

/// <summary>Reads stored hashes of a transparency log by stored-hash index (see <see cref="Tlog.StoredHashIndex"/>).</summary>
public interface IHashReader
{
    /// <summary>The hashes at <paramref name="indexes"/>, in the same order.</summary>
    /// <exception cref="ChecksumDatabaseException">A hash cannot be read or authenticated.</exception>
    IReadOnlyList<TlogHash> ReadHashes(IReadOnlyList<long> indexes);
}

/// <summary>Thrown when checksum-database data is malformed, fails authentication, or proves the database inconsistent.</summary>
public sealed class ChecksumDatabaseException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ChecksumDatabaseException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    public ChecksumDatabaseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ChecksumDatabaseException()
    {
    }
}
