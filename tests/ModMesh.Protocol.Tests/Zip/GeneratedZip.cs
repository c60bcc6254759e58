namespace ModMesh.Protocol.Tests.Zip;

/// <summary>A zip made by <see cref="ZipCaseGenerator"/>.</summary>
/// <param name="Kind">Which class it belongs to ("valid", "con.go", ...).</param>
/// <param name="Zip">The bytes.</param>
/// <param name="StricterThanGo">
/// False for classes ModMesh refuses on purpose although go 1.19 accepts them (local-header name mismatch,
/// symlink, encryption flag): the differential test checks those are refused by ModMesh and accepted by go.
/// </param>
internal sealed record GeneratedZip(string Kind, byte[] Zip, bool StricterThanGo = false);
