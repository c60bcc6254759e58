namespace ModMesh.Access;

/// <summary>Why an <c>Authorization</c> header value gave no credentials.</summary>
public enum CredentialsError
{
    /// <summary>The header parsed.</summary>
    None,

    /// <summary>No header, or an empty one.</summary>
    Missing,

    /// <summary>A scheme other than Bearer or Basic (or no scheme at all).</summary>
    UnknownScheme,

    /// <summary>The scheme is known but its parameter is not a single token68 value (missing, or with spaces in it).</summary>
    Malformed,

    /// <summary>The Basic parameter is not valid base64, or not UTF-8 once decoded.</summary>
    MalformedBase64,

    /// <summary>The decoded Basic parameter has no ':' between user and password.</summary>
    MissingColon,

    /// <summary>The token (the Bearer value, or the Basic password) is empty.</summary>
    EmptyToken,
}
