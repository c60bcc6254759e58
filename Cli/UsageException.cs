namespace ModMesh.Cli;

/// <summary>The command line is wrong; the message says how, and the exit code is <see cref="ExitCodes.Usage"/>.</summary>
internal sealed class UsageException : Exception
{
    public UsageException()
    {
    }

    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
