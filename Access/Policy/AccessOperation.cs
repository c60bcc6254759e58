namespace ModMesh.Access;

/// <summary>What a request does with a module.</summary>
public enum AccessOperation
{
    /// <summary>Download, list, <c>@latest</c>, info: needs <c>R</c> on a private module.</summary>
    Read,

    /// <summary>Publish a version: needs <c>RW</c>, on any module.</summary>
    Publish,
}
