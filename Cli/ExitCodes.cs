namespace ModMesh.Cli;

/// <summary>The exit codes of the modmesh command; scripts may rely on them.</summary>
internal static class ExitCodes
{
    /// <summary>Done: published (201), already published with the same bytes (200), a clean rules file, ...</summary>
    public const int Success = 0;

    /// <summary>Failed: a problem in a file, an unreachable proxy, an unexpected answer.</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;

    /// <summary>409: the version is already published with different content.</summary>
    public const int Conflict = 3;

    /// <summary>401 or 403: the token is missing, unknown, expired, or may not publish this module.</summary>
    public const int Denied = 4;

    /// <summary>400: the proxy refused the zip.</summary>
    public const int Rejected = 5;

    /// <summary>404: the proxy does not publish this module path.</summary>
    public const int NotPublishable = 6;

    /// <summary><c>modmesh verify</c> found corrupt stored versions.</summary>
    public const int Corrupt = 7;

    /// <summary>A purge was not confirmed (answered no, or no terminal to ask and no --yes).</summary>
    public const int NotConfirmed = 8;
}
