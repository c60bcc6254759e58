using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace ModMesh.Protocol.Tests.Properties;

public class CaseEncodingProperties
{
    [Property(MaxTest = 500)]
    public Property EscapePath_ValidPath_RoundTripsWithoutUpperCase() =>
        Prop.ForAll(Generators.ModulePaths, path =>
            CaseEncoding.TryEscapePath(path, out var escaped, out _)
            && !escaped.Any(char.IsAsciiLetterUpper)
            && CaseEncoding.TryUnescapePath(escaped, out var decoded, out _)
            && decoded == path);

    [Property(MaxTest = 500)]
    public Property EscapeVersion_ValidVersion_RoundTripsWithoutUpperCase() =>
        Prop.ForAll(Generators.ValidVersions, version =>
            CaseEncoding.TryEscapeVersion(version, out var escaped, out _)
            && !escaped.Any(char.IsAsciiLetterUpper)
            && CaseEncoding.TryUnescapeVersion(escaped, out var decoded, out _)
            && decoded == version);

    [Property(MaxTest = 300)]
    public Property ProxyPath_EscapedModuleAndVersion_ParsesBackToOriginal() =>
        Prop.ForAll(Generators.ModulePaths, Generators.CanonicalVersion.ToArbitrary(), (path, version) =>
        {
            CaseEncoding.TryEscapePath(path, out var ep, out _);
            CaseEncoding.TryEscapeVersion(version, out var ev, out _);
            return ProxyPathParser.TryParse($"/{ep}/@v/{ev}.zip", out var request, out _) == ProxyPathStatus.Ok
                && request!.ModulePath == path && request.Version == version && request.Kind == ProxyRequestKind.Zip;
        });
}

public class VersionOrderingProperties
{
    [Property(MaxTest = 300)]
    public Property Compare_ValidVersions_AgreesWithReferencePairwise() =>
        Prop.ForAll(Generators.ValidVersions, Generators.ValidVersions, (v, w) =>
            Semver.IsValid(v) && Semver.IsValid(w) && Semver.Compare(v, w) == ReferenceSemver.Compare(v, w)
            && Semver.Compare(w, v) == -Semver.Compare(v, w));

    [Property(MaxTest = 200)]
    public Property Sort_ValidVersions_OrderAgreesWithReference() =>
        Prop.ForAll(Generators.ValidVersions.Array(), versions =>
        {
            var sorted = versions.ToList();
            sorted.Sort(Semver.Compare);
            return sorted.Zip(sorted.Skip(1)).All(p => ReferenceSemver.Compare(p.First, p.Second) <= 0);
        });

    [Property(MaxTest = 300)]
    public Property ForList_MixedVersions_AgreesWithReference() =>
        Prop.ForAll(Generators.VersionLists, versions =>
            VersionOrdering.ForList(versions).SequenceEqual(ReferenceSemver.ForList(versions)));

    [Property(MaxTest = 500)]
    public Property SelectLatest_MixedVersions_AgreesWithReference() =>
        Prop.ForAll(Generators.VersionLists, versions =>
            VersionOrdering.SelectLatest(versions) == ReferenceSemver.Latest(versions));

    [Property(MaxTest = 300)]
    public Property IsPseudoVersion_GeneratedPseudoVersions_TrueWithTime() =>
        Prop.ForAll(Generators.PseudoVersions.ToArbitrary(), v =>
            PseudoVersion.IsPseudoVersion(v) && PseudoVersion.TryGetTime(v, out var t) && t.UtcDateTime == ReferenceSemver.PseudoTime(v));
}
