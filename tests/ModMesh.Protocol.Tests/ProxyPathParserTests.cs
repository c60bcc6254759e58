namespace ModMesh.Protocol.Tests;

public class ProxyPathParserTests
{
    private static ProxyRequest ParseOk(string path)
    {
        var status = ProxyPathParser.TryParse(path, out var request, out var error);
        Assert.True(status == ProxyPathStatus.Ok, $"{path}: {status} {error}");
        Assert.Null(error);
        Assert.NotNull(request);
        return request;
    }

    [Fact]
    public void TryParse_List_DecodesModule()
    {
        var r = ParseOk("/github.com/!azure/x/@v/list");
        Assert.Equal(new ProxyRequest(ProxyRequestKind.List, "github.com/Azure/x", "github.com/!azure/x", null, null), r);
        Assert.False(r.IsCanonicalVersion);
    }

    [Fact]
    public void TryParse_Latest_DecodesModule() =>
        Assert.Equal(
            new ProxyRequest(ProxyRequestKind.Latest, "github.com/BurntSushi/toml", "github.com/!burnt!sushi/toml", null, null),
            ParseOk("/github.com/!burnt!sushi/toml/@latest"));

    [Theory]
    [InlineData("/golang.org/x/text/@v/v0.3.0.info", ProxyRequestKind.Info, "golang.org/x/text", "v0.3.0", "v0.3.0")]
    [InlineData("/golang.org/x/text/@v/v0.3.0.mod", ProxyRequestKind.Mod, "golang.org/x/text", "v0.3.0", "v0.3.0")]
    [InlineData("/golang.org/x/text/@v/v0.3.0.zip", ProxyRequestKind.Zip, "golang.org/x/text", "v0.3.0", "v0.3.0")]
    [InlineData("/github.com/!azure/x/@v/v1.0.0-!r!c1.zip", ProxyRequestKind.Zip, "github.com/Azure/x", "v1.0.0-!r!c1", "v1.0.0-RC1")]
    [InlineData("/rsc.io/quote/@v/v17.0.0+incompatible.mod", ProxyRequestKind.Mod, "rsc.io/quote", "v17.0.0+incompatible", "v17.0.0+incompatible")]
    [InlineData("/gopkg.in/yaml.v3/@v/v3.0.1.info", ProxyRequestKind.Info, "gopkg.in/yaml.v3", "v3.0.1", "v3.0.1")]
    [InlineData("/example.com/m/v2/@v/v2.1.0.info", ProxyRequestKind.Info, "example.com/m/v2", "v2.1.0", "v2.1.0")]
    [InlineData("/example.com/m/@v/master.info", ProxyRequestKind.Info, "example.com/m", "master", "master")]
    [InlineData("/example.com/m/@v/v1.2.info", ProxyRequestKind.Info, "example.com/m", "v1.2", "v1.2")]
    [InlineData("/example.com/m/@v/!feature_x.info", ProxyRequestKind.Info, "example.com/m", "!feature_x", "Feature_x")]
    [InlineData("/example.com/m/@v/v0.0.0-20191109021931-daa7c04131f5.zip", ProxyRequestKind.Zip, "example.com/m", "v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20191109021931-daa7c04131f5")]
    public void TryParse_VersionFile_DecodesModuleAndVersion(string path, ProxyRequestKind kind, string module, string escapedVersion, string version)
    {
        var r = ParseOk(path);
        Assert.Equal(kind, r.Kind);
        Assert.Equal(module, r.ModulePath);
        Assert.Equal(escapedVersion, r.EscapedVersion);
        Assert.Equal(version, r.Version);
        Assert.Null(r.SumdbName);
        Assert.Equal(Semver.IsCanonical(version), r.IsCanonicalVersion);
    }

    [Theory]
    [InlineData("/sumdb/sum.golang.org/supported", ProxyRequestKind.SumdbSupported, "supported")]
    [InlineData("/sumdb/sum.golang.org/latest", ProxyRequestKind.SumdbLatest, "latest")]
    [InlineData("/sumdb/sum.golang.org/tile/8/0/000", ProxyRequestKind.SumdbTile, "tile/8/0/000")]
    [InlineData("/sumdb/sum.golang.org/tile/8/0/x001/234", ProxyRequestKind.SumdbTile, "tile/8/0/x001/234")]
    [InlineData("/sumdb/sum.golang.org/tile/8/1/x123/x456/789.p/25", ProxyRequestKind.SumdbTile, "tile/8/1/x123/x456/789.p/25")]
    [InlineData("/sumdb/sum.golang.org/tile/8/data/x004/567", ProxyRequestKind.SumdbTile, "tile/8/data/x004/567")]
    [InlineData("/sumdb/sum.golang.org/tile/8/data/001.p/1", ProxyRequestKind.SumdbTile, "tile/8/data/001.p/1")]
    [InlineData("/sumdb/sumdb.example-corp.internal/latest", ProxyRequestKind.SumdbLatest, "latest")]
    public void TryParse_SumdbRoute_Parsed(string path, ProxyRequestKind kind, string sumdbPath)
    {
        var r = ParseOk(path);
        Assert.Equal(kind, r.Kind);
        Assert.Equal(sumdbPath, r.SumdbPath);
        Assert.Equal(path.Split('/')[2], r.SumdbName);
        Assert.Equal("", r.ModulePath);
        Assert.Null(r.Version);
        Assert.True(r.IsSumdb);
    }

    [Fact]
    public void TryParse_SumdbLookup_DecodesModuleAndVersion()
    {
        var r = ParseOk("/sumdb/sum.golang.org/lookup/github.com/!azure/x@v1.0.0-!r!c1");
        Assert.Equal(
            new ProxyRequest(ProxyRequestKind.SumdbLookup, "github.com/Azure/x", "github.com/!azure/x", "v1.0.0-RC1", "v1.0.0-!r!c1",
                "sum.golang.org", "lookup/github.com/!azure/x@v1.0.0-!r!c1"),
            r);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/favicon.ico")]
    [InlineData("/foo/bar")]
    [InlineData("/github.com/x/y")]
    [InlineData("/example.com/m/@v/v1.0.0.txt")]
    [InlineData("/example.com/m/@v/List")]
    [InlineData("/example.com/m/@v")]
    [InlineData("/example.com/m/@v/v1.0.0/x.info")]
    [InlineData("/example.com/m/@latest/x")]
    [InlineData("/sumdb")]
    [InlineData("/sumdb/sum.golang.org")]
    [InlineData("/sumdb/sum.golang.org/other")]
    [InlineData("/sumdb/sum.golang.org/supported/x")]
    [InlineData("/sumdb/sum.golang.org/lookup")]
    public void TryParse_NotARoute_NotFound(string path)
    {
        Assert.Equal(ProxyPathStatus.NotFound, ProxyPathParser.TryParse(path, out var request, out var error));
        Assert.Null(request);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Theory]
    [InlineData("/github.com/%41zure/x/@v/list", "percent")]
    [InlineData("/github.com/x\0/@v/list", "control")]
    [InlineData("/github.com/x\t/@v/list", "control")]
    [InlineData("/github.com/x\u007f/@v/list", "control")]
    [InlineData("/github.com/é/@v/list", "non-ASCII")]
    [InlineData("/github.com\\x/@v/list", "backslash")]
    [InlineData("/github.com/./x/@v/list", "\"..\"")]
    [InlineData("/github.com/../x/@v/list", "\"..\"")]
    [InlineData("/github.com//x/@v/list", "empty path element")]
    [InlineData("/github.com/x/@v/list/", "empty path element")]
    [InlineData("//@v/list", "empty path element")]
    [InlineData("/@v/list", "missing module")]
    [InlineData("/@latest", "missing module")]
    [InlineData("github.com/x/@v/list", "start with '/'")]
    [InlineData("", "empty")]
    [InlineData("/github.com/Azure/x/@v/list", "uppercase")]
    [InlineData("/github.com/!Azure/x/@v/list", "'!'")]
    [InlineData("/github.com/azure!/@v/list", "trailing '!'")]
    [InlineData("/localhost/x/@v/list", "missing dot")]
    [InlineData("/example.com/m/v1/@v/list", "invalid version")]
    [InlineData("/example.com/m/@v/.info", "missing version")]
    [InlineData("/example.com/m/@v/V1.0.0.info", "uppercase")]
    [InlineData("/example.com/m/@v/v1.0.0!.zip", "trailing '!'")]
    [InlineData("/example.com/m/@v/a@b.info", "only letters")]
    [InlineData("/example.com/m/@v/v1.2.mod", "canonical")]
    [InlineData("/example.com/m/@v/v1.2.3+meta.zip", "canonical")]
    [InlineData("/example.com/m/@v/master.zip", "canonical")]
    [InlineData("/example.com/m/@v/v1.0.0..info", "trailing dot")]
    [InlineData("/example.com/m/@v/list?x=1", "query")]
    [InlineData("/sumdb/Sum.golang.org/latest", "checksum database name")]
    [InlineData("/sumdb/sum_golang.org/latest", "checksum database name")]
    [InlineData("/sumdb/-sum.golang.org/latest", "checksum database name")]
    [InlineData("/sumdb/sum.golang.org/lookup/golang.org/x/text", "module@version")]
    [InlineData("/sumdb/sum.golang.org/lookup/@v1.0.0", "missing module")]
    [InlineData("/sumdb/sum.golang.org/lookup/golang.org/x/text@", "missing version")]
    [InlineData("/sumdb/sum.golang.org/lookup/golang.org/x/text@v1.2", "canonical")]
    [InlineData("/sumdb/sum.golang.org/lookup/golang.org/x/text@v0.3.0/go.mod", "'/'")]
    [InlineData("/sumdb/sum.golang.org/tile/8/0/1", "malformed tile")]
    [InlineData("/sumdb/sum.golang.org/tile/8/0/001/234", "malformed tile")]
    [InlineData("/sumdb/sum.golang.org/tile/8/0/x000/234", "malformed tile")]
    [InlineData("/sumdb/sum.golang.org/tile/0/0/000", "malformed tile")]
    [InlineData("/sumdb/sum.golang.org/tile/31/0/000", "malformed tile")]
    [InlineData("/sumdb/sum.golang.org/tile/08/0/000", "malformed tile")]
    [InlineData("/sumdb/sum.golang.org/tile/8/0/000.p/256", "malformed tile")]
    [InlineData("/sumdb/sum.golang.org/tile/8/0/000.p/0", "malformed tile")]
    [InlineData("/sumdb/sum.golang.org/tile/8/0/000.p/05", "malformed tile")]
    [InlineData("/sumdb/sum.golang.org/tile/8/x/000", "malformed tile")]
    [InlineData("/sumdb/sum.golang.org/tile/8/0/1000", "malformed tile")]
    [InlineData("/sumdb/sum.golang.org/tile/8/0/+12", "malformed tile")]
    public void TryParse_Malformed_BadRequestWithMessage(string path, string messagePart)
    {
        Assert.Equal(ProxyPathStatus.BadRequest, ProxyPathParser.TryParse(path, out var request, out var error));
        Assert.Null(request);
        Assert.NotNull(error);
        Assert.Contains(messagePart, error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void TryParse_LongerThan4096_BadRequest()
    {
        var path = "/example.com/" + new string('a', 4096) + "/@v/list";
        Assert.Equal(ProxyPathStatus.BadRequest, ProxyPathParser.TryParse(path, out _, out var error));
        Assert.Contains("4096", error);
    }

    [Theory]
    [InlineData("/github.com/%21burnt%21sushi/toml/@v/v1.2.0.mod")]
    [InlineData("/github.com/!burnt%21sushi/toml/@v/v1.2.0.mod")]
    public void TryParse_BangEscapedAsGoEscapesIt_SameAsPlainBang(string path)
    {
        // go 1.19 sends "!" as "%21" (url.PathEscape): a node reached directly, without the gateway, must accept it.
        var r = ParseOk(path);
        Assert.Equal("github.com/BurntSushi/toml", r.ModulePath);
        Assert.Equal("github.com/!burnt!sushi/toml", r.EscapedModulePath);
    }

    [Fact]
    public void TryParse_ElementOfMaxLength_Accepted()
    {
        var path = "/example.com/" + new string('a', ProxyPathParser.MaxElementLength) + "/@v/list";
        Assert.Equal(ProxyPathStatus.Ok, ProxyPathParser.TryParse(path, out _, out _));
    }

    [Theory]
    [InlineData("/example.com/{0}/@v/list")]
    [InlineData("/example.com/m/@v/{0}.info")]
    [InlineData("/example.com/m/@v/v1.0.0-{0}.zip")]
    [InlineData("/sumdb/sum.golang.org/lookup/example.com/{0}@v1.0.0")]
    public void TryParse_ElementOverMaxLength_BadRequestNeverAStorageError(string template)
    {
        // A store refuses names over 255 bytes; such a request must be the client's 400, not the node's 503.
        var path = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, new string('a', 300));
        Assert.Equal(ProxyPathStatus.BadRequest, ProxyPathParser.TryParse(path, out _, out var error));
        Assert.Contains("longer than", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_ModulePathOverMaxLength_BadRequest()
    {
        var path = "/example.com" + string.Concat(Enumerable.Repeat("/" + new string('a', 100), 11)) + "/@v/list";
        Assert.Equal(ProxyPathStatus.BadRequest, ProxyPathParser.TryParse(path, out _, out var error));
        Assert.Contains("module path is longer", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_ModulePathContainingAtV_UsesFirstMarker()
    {
        var r = ParseOk("/example.com/m/@v/list");
        Assert.Equal("example.com/m", r.ModulePath);
    }

    [Fact]
    public void TryParse_EveryPrefixOfImportPath_ListIsOkForValidPrefixes()
    {
        // The go command asks list/latest for each prefix of an import path.
        Assert.Equal(ProxyPathStatus.Ok, ProxyPathParser.TryParse("/github.com/@v/list", out _, out _));
        Assert.Equal(ProxyPathStatus.Ok, ProxyPathParser.TryParse("/github.com/user/@v/list", out _, out _));
        Assert.Equal(ProxyPathStatus.Ok, ProxyPathParser.TryParse("/github.com/user/repo/sub/pkg/@latest", out _, out _));
    }
}
