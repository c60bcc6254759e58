namespace ModMesh.Access;

/// <summary>What is wrong with a line of a tokens or rules file.</summary>
public enum AccessFileProblemKind
{
    /// <summary>The line does not have the shape of any kind of line the file holds.</summary>
    Syntax,

    /// <summary>The file is not UTF-8 text, or larger than a file of its kind can sensibly be.</summary>
    Unreadable,

    /// <summary>A user name with characters a user name cannot have.</summary>
    BadUser,

    /// <summary>Tokens file: an id that is not 12 characters of a-z2-7.</summary>
    BadTokenId,

    /// <summary>Tokens file: a hash that is not <c>sha256:</c> and 64 hex digits.</summary>
    BadHash,

    /// <summary>Tokens file: an <c>expires=</c> value that is not an RFC 3339 date and time with an offset.</summary>
    BadExpiry,

    /// <summary>Tokens file: an unknown <c>key=value</c> attribute.</summary>
    UnknownAttribute,

    /// <summary>Tokens file: the same id on two lines.</summary>
    DuplicateTokenId,

    /// <summary>Rules file: a module path pattern that is not well formed.</summary>
    BadPattern,

    /// <summary>Rules file: a permission other than <c>R</c>, <c>RW</c> or <c>-</c>.</summary>
    BadPermission,

    /// <summary>Rules file: a group name that is not <c>@</c> and letters, digits, '.', '_' or '-'.</summary>
    BadGroupName,

    /// <summary>Rules file: a group that no line defines.</summary>
    UnknownGroup,

    /// <summary>Rules file: a group defined twice, or <c>@all</c> defined.</summary>
    DuplicateGroup,

    /// <summary>Rules file: groups that contain each other.</summary>
    GroupCycle,

    /// <summary>Rules file: a rule that names no user or group.</summary>
    EmptyRule,

    /// <summary>Rules file: the same pattern gives the same user or group two different permissions.</summary>
    ConflictingRule,
}
