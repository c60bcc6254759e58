namespace ModMesh.Access;

/// <summary>What a rule gives, from the least to the most.</summary>
public enum AccessPermission
{
    /// <summary><c>-</c>: nothing; takes away what a less specific rule gives.</summary>
    Deny = 0,

    /// <summary><c>R</c>: read (download, list, @latest).</summary>
    Read = 1,

    /// <summary><c>RW</c>: read and publish.</summary>
    ReadWrite = 2,
}
