namespace ModMesh.Protocol;

/// <summary>How the go command treats an entry of a GOPROXY list.</summary>
public enum ProxyEntryKind
{
    /// <summary>An http(s) or file URL of a module proxy.</summary>
    Url,
    /// <summary>"direct": fetch from version control.</summary>
    Direct,
    /// <summary>"off": stop; nothing may be fetched.</summary>
    Off,
}
