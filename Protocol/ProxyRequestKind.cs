namespace ModMesh.Protocol;

/// <summary>The kind of a GOPROXY protocol request.</summary>
public enum ProxyRequestKind
{
    /// <summary>$module/@v/list</summary>
    List,
    /// <summary>$module/@v/$version.info</summary>
    Info,
    /// <summary>$module/@v/$version.mod</summary>
    Mod,
    /// <summary>$module/@v/$version.zip</summary>
    Zip,
    /// <summary>$module/@latest</summary>
    Latest,
    /// <summary>sumdb/$name/supported</summary>
    SumdbSupported,
    /// <summary>sumdb/$name/latest</summary>
    SumdbLatest,
    /// <summary>sumdb/$name/lookup/$module@$version</summary>
    SumdbLookup,
    /// <summary>sumdb/$name/tile/$H/$L/$K[.p/$W] (and /tile/$H/data/...)</summary>
    SumdbTile,
}
