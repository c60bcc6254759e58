namespace ModMesh.Protocol.Tests;

public class ModulePathTests
{
    // Module-path validity, re-typed from the CheckPath table golang.org/x/mod is tested with (plus a few more).
    public static TheoryData<string, bool> PathCases => new()
    {
        { "x.y/z", true },
        { "x.y", true },
        { "", false },
        { "x.y/\uFFFDz", false },
        { "x.y/\uD800z", false },
        { "/x.y/z", false },
        { "x./z", false },
        { ".x/z", false },
        { "-x/z", false },
        { "x..y/z", true },
        { "x.y/z/../../w", false },
        { "x.y//z", false },
        { "x.y/z//w", false },
        { "x.y/z/", false },
        { "x.y/z/v0", false },
        { "x.y/z/v1", false },
        { "x.y/z/v2", true },
        { "x.y/z/v2.0", false },
        { "x.y/z/v02", false },
        { "X.y/z", false },
        { "!x.y/z", false },
        { "_x.y/z", false },
        { "x.y!/z", false },
        { "x.y\"/z", false },
        { "x.y#/z", false },
        { "x.y$/z", false },
        { "x.y%/z", false },
        { "x.y&/z", false },
        { "x.y'/z", false },
        { "x.y(/z", false },
        { "x.y)/z", false },
        { "x.y*/z", false },
        { "x.y+/z", false },
        { "x.y,/z", false },
        { "x.y-/z", true },
        { "x.y./zt", false },
        { "x.y:/z", false },
        { "x.y;/z", false },
        { "x.y</z", false },
        { "x.y=/z", false },
        { "x.y>/z", false },
        { "x.y?/z", false },
        { "x.y@/z", false },
        { "x.y[/z", false },
        { "x.y\\/z", false },
        { "x.y]/z", false },
        { "x.y^/z", false },
        { "x.y_/z", false },
        { "x.y`/z", false },
        { "x.y{/z", false },
        { "x.y}/z", false },
        { "x.y~/z", false },
        { "x.y/z!", false },
        { "x.y/z\"", false },
        { "x.y/z#", false },
        { "x.y/z$", false },
        { "x.y/z%", false },
        { "x.y/z&", false },
        { "x.y/z'", false },
        { "x.y/z(", false },
        { "x.y/z)", false },
        { "x.y/z*", false },
        { "x.y/z++", false },
        { "x.y/z,", false },
        { "x.y/z-", true },
        { "x.y/z.t", true },
        { "x.y/z/t", true },
        { "x.y/z:", false },
        { "x.y/z;", false },
        { "x.y/z<", false },
        { "x.y/z=", false },
        { "x.y/z>", false },
        { "x.y/z?", false },
        { "x.y/z@", false },
        { "x.y/z[", false },
        { "x.y/z\\", false },
        { "x.y/z]", false },
        { "x.y/z^", false },
        { "x.y/z_", true },
        { "x.y/z`", false },
        { "x.y/z{", false },
        { "x.y/z}", false },
        { "x.y/z~", true },
        { "x.y/x.foo", true },
        { "x.y/aux.foo", false },
        { "x.y/prn", false },
        { "x.y/PRN", false },
        { "x.y/prn2", true },
        { "x.y/com", true },
        { "x.y/com1", false },
        { "x.y/com1.txt", false },
        { "x.y/calm1", true },
        { "x.y/z~0", false },
        { "x.y/z~09", false },
        { "x.y/z09", true },
        { "x.y/z09~", true },
        { "x.y/z09~09z", true },
        { "x.y/z09~09z~09", false },
        { "github.com/!123/logrus", false },
        { "github.com/user/unicode/испытание", false },
        { "../x", false },
        { "./y", false },
        { "x:y", false },
        { "\\temp\\foo", false },
        { ".gitignore", false },
        { ".github/ISSUE_TEMPLATE", false },
        { "x☺y", false },
        { "github.com/Azure/azure-sdk-for-go", true },
        { "gopkg.in/yaml.v3", true },
        { "gopkg.in/yaml.v0", true },
        { "gopkg.in/yaml.v1-unstable", true },
        { "gopkg.in/yaml", false },
        { "gopkg.in/yaml.v03", false },
        { "golang.org/x/text/.hidden", false },
        { "example.com/-dash", true },
    };

    [Theory]
    [MemberData(nameof(PathCases))]
    public void IsValid_GoCheckPathVector_MatchesGo(string path, bool expected)
    {
        var valid = ModulePath.IsValid(path, out var error);
        Assert.Equal(expected, valid);
        if (valid)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.False(string.IsNullOrEmpty(error));
        }
    }

    [Fact]
    public void IsValid_MissingDot_ErrorSaysWhy()
    {
        Assert.False(ModulePath.IsValid("localhost/m", out var error));
        Assert.Contains("missing dot in first path element", error);
    }

    [Theory]
    [InlineData("x.y/z", "x.y/z", "")]
    [InlineData("x.y/z/v2", "x.y/z", "/v2")]
    [InlineData("x.y/z/v3", "x.y/z", "/v3")]
    [InlineData("x.y/v", "x.y/v", "")]
    [InlineData("example.com/m/v10", "example.com/m", "/v10")]
    [InlineData("gopkg.in/yaml.v0", "gopkg.in/yaml", ".v0")]
    [InlineData("gopkg.in/yaml.v1", "gopkg.in/yaml", ".v1")]
    [InlineData("gopkg.in/yaml.v2", "gopkg.in/yaml", ".v2")]
    [InlineData("gopkg.in/yaml.v3", "gopkg.in/yaml", ".v3")]
    [InlineData("gopkg.in/yaml.v1-unstable", "gopkg.in/yaml", ".v1-unstable")]
    public void TrySplitPathVersion_WellFormed_Splits(string path, string expectedPrefix, string expectedMajor)
    {
        Assert.True(ModulePath.TrySplitPathVersion(path, out var prefix, out var major));
        Assert.Equal(expectedPrefix, prefix);
        Assert.Equal(expectedMajor, major);
    }

    [Theory]
    [InlineData("x.y/z/v0")]
    [InlineData("x.y/z/v1")]
    [InlineData("x.y/z/v2.0")]
    [InlineData("x.y/z/v02")]
    [InlineData("gopkg.in/yaml")]
    [InlineData("gopkg.in/yaml.v03")]
    public void TrySplitPathVersion_MalformedMajor_False(string path)
    {
        Assert.False(ModulePath.TrySplitPathVersion(path, out var prefix, out var major));
        Assert.Equal(path, prefix + major);
    }

    [Theory]
    [MemberData(nameof(PathCases))]
    public void TrySplitPathVersion_AnyPath_PartsAddUpToInput(string path, bool valid)
    {
        _ = valid;
        ModulePath.TrySplitPathVersion(path, out var prefix, out var major);
        Assert.Equal(path, prefix + major);
    }

    [Theory]
    [InlineData("v0.0.0", "", true)]
    [InlineData("v0.0.0", "/v2", false)]
    [InlineData("v0.0.0", ".v0", true)]
    [InlineData("v0.0.0-20190510104115-cbcb75029529", ".v1", true)]
    [InlineData("v1.0.0", "/v2", false)]
    [InlineData("v1.0.0", ".v1", true)]
    [InlineData("v1.0.0", ".v1-unstable", true)]
    [InlineData("v2.0.0+incompatible", "", true)]
    [InlineData("v2.0.0+incompatible", "/v2", false)]
    [InlineData("v2.0.0", "", false)]
    [InlineData("v2.0.0", "/v2", true)]
    [InlineData("v2.0.0", ".v2", true)]
    [InlineData("v1.5.0", "", true)]
    [InlineData("v3.1.0", "/v2", false)]
    [InlineData("v1.0.0+incompatible", "", false)]
    [InlineData("v0.1.0+incompatible", "", false)]
    [InlineData("v2.0.0+incompatible", ".v2", false)]
    [InlineData("v2.0.0+meta", "", false)]
    public void VersionMatchesPathMajor_GoVector_MatchesGo(string version, string pathMajor, bool expected) =>
        Assert.Equal(expected, ModulePath.VersionMatchesPathMajor(version, pathMajor));

    [Theory]
    [InlineData("rsc.io/quote", "0.1.0", false)]
    [InlineData("rsc io/quote", "v1.0.0", false)]
    [InlineData("github.com/go-yaml/yaml", "v0.8.0", true)]
    [InlineData("github.com/go-yaml/yaml", "v1.0.0", true)]
    [InlineData("github.com/go-yaml/yaml", "v2.0.0", false)]
    [InlineData("github.com/go-yaml/yaml", "v2.1.5", false)]
    [InlineData("github.com/go-yaml/yaml", "v3.0.0", false)]
    [InlineData("github.com/go-yaml/yaml/v2", "v1.0.0", false)]
    [InlineData("github.com/go-yaml/yaml/v2", "v2.0.0", true)]
    [InlineData("github.com/go-yaml/yaml/v2", "v2.1.5", true)]
    [InlineData("github.com/go-yaml/yaml/v2", "v3.0.0", false)]
    [InlineData("gopkg.in/yaml.v0", "v0.8.0", true)]
    [InlineData("gopkg.in/yaml.v0", "v1.0.0", false)]
    [InlineData("gopkg.in/yaml.v0", "v2.0.0", false)]
    [InlineData("gopkg.in/yaml.v0", "v2.1.5", false)]
    [InlineData("gopkg.in/yaml.v0", "v3.0.0", false)]
    [InlineData("gopkg.in/yaml.v1", "v0.8.0", false)]
    [InlineData("gopkg.in/yaml.v1", "v1.0.0", true)]
    [InlineData("gopkg.in/yaml.v1", "v2.0.0", false)]
    [InlineData("gopkg.in/yaml.v1", "v2.1.5", false)]
    [InlineData("gopkg.in/yaml.v1", "v3.0.0", false)]
    [InlineData("gopkg.in/check.v1", "v0.0.0", false)]
    [InlineData("gopkg.in/check.v1", "v0.0.0-20160102150405-abcdef123456", true)]
    [InlineData("gopkg.in/yaml.v2", "v1.0.0", false)]
    [InlineData("gopkg.in/yaml.v2", "v2.0.0", true)]
    [InlineData("gopkg.in/yaml.v2", "v2.1.5", true)]
    [InlineData("gopkg.in/yaml.v2", "v3.0.0", false)]
    [InlineData("rsc.io/quote", "v17.0.0", false)]
    [InlineData("rsc.io/quote", "v17.0.0+incompatible", true)]
    // Draft rule beyond module.Check: the version must be canonical.
    [InlineData("rsc.io/quote", "v1.2", false)]
    [InlineData("rsc.io/quote/v17", "v17.0.0+incompatible", false)]
    [InlineData("rsc.io/quote", "v1.0.0+incompatible", false)]
    [InlineData("rsc.io/quote", "v1.2.0+meta", false)]
    public void IsValidModuleVersion_GoCheckVector_MatchesGo(string path, string version, bool expected)
    {
        Assert.Equal(expected, ModulePath.IsValidModuleVersion(path, version, out var error));
        Assert.Equal(expected, error is null);
    }
}
