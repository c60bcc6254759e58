using System.Text;

namespace ModMesh.Protocol.Tests.Zip;

/// <summary>
/// Seeded generator of module zips for "example.com/m@{version}": random valid trees, and hostile ones, each made
/// from a valid tree by one of the classes the go command (or ModMesh) refuses.
/// </summary>
internal sealed class ZipCaseGenerator
{
    /// <summary>The hostile classes; "valid" and "tilde-short-name" (accepted by go) are generated too.</summary>
    public static readonly IReadOnlyList<string> Kinds =
    [
        "valid", "tilde-short-name", "declared-overflow", "declared-total", "file-and-dir", "sub-go.mod", "GO.MOD",
        "con.go", "aux-dir", "trailing-dot", "bad-char", "unclean", "method-99", "duplicate", "case-fold",
        "unicode-fold", "outside-prefix", "oversize-go.mod", "declared-smaller", "declared-larger", "crc", "truncated",
        "garbage", "local-name", "symlink", "encrypted",
    ];

    private const string Letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const string Punctuation = "!#$%&()+,-=@[]^_{}~ ";
    private static readonly string[] UnicodeLetters = ["é", "ß", "Ω", "ж", "日本", "ñ", "ø", "Σ", "λ"];

    private readonly Random _random;

    public ZipCaseGenerator(int seed)
    {
        _random = new Random(seed);
    }

    public GeneratedZip Next(string version, string? kind = null)
    {
        kind ??= Kinds[_random.Next(Kinds.Count)];
        var prefix = $"example.com/m@{version}/";
        var files = ValidTree(prefix);
        var stricter = false;
        switch (kind)
        {
            case "valid":
                break;
            case "tilde-short-name":
                files.Add(new TestZipEntry(prefix + "PROGRA~1/x~12.go", "package x\n"));
                break;
            case "declared-overflow":
                files.Add(new TestZipEntry(prefix + "big1", "a") { DeclaredSize = ulong.MaxValue - (ulong)_random.Next(3) });
                files.Add(new TestZipEntry(prefix + "big2", "b") { DeclaredSize = (1UL << 63) + (ulong)_random.Next(3) });
                break;
            case "declared-total":
                files.Add(new TestZipEntry(prefix + "big1", "a") { DeclaredSize = 300UL << 20, Method = 0 });
                files.Add(new TestZipEntry(prefix + "big2", "b") { DeclaredSize = 300UL << 20, Method = 0 });
                break;
            case "file-and-dir":
                files.Add(new TestZipEntry(prefix + "d", "x"));
                files.Add(new TestZipEntry(prefix + "d/b.go", "package d\n"));
                break;
            case "sub-go.mod":
                files.Add(new TestZipEntry(prefix + "sub/go.mod", "module example.com/m/sub\n"));
                break;
            case "GO.MOD":
                files.RemoveAll(f => f.Name.EndsWith("/go.mod", StringComparison.Ordinal));
                files.Add(new TestZipEntry(prefix + Pick("GO.MOD", "Go.mod", "go.MOD"), "module example.com/m\n"));
                break;
            case "con.go":
                files.Add(new TestZipEntry(prefix + Pick("con.go", "CON", "nul.txt", "Com1.go", "lpt9", "prn.x.y"), "x"));
                break;
            case "aux-dir":
                files.Add(new TestZipEntry(prefix + Pick("aux", "AUX", "Aux.d") + "/x.go", "package aux\n"));
                break;
            case "trailing-dot":
                files.Add(new TestZipEntry(prefix + Pick("a.go.", "dir./x.go", "x.."), "x"));
                break;
            case "bad-char":
                files.Add(new TestZipEntry(prefix + "a" + Pick("*", "?", "\"", "<", ":", "\\", "|", "'", "`", "\u0301", "\t", "\u00A0") + "b.go", "x"));
                break;
            case "unclean":
                files.Add(new TestZipEntry(prefix + Pick("./a.go", "a//b.go", "a/../b.go", "../b.go", "/b.go", "x/./y.go", "a/"), "x"));
                break;
            case "method-99":
                files.Add(new TestZipEntry(prefix + "m.go", "package m\n") { Method = 99 });
                break;
            case "duplicate":
                files.Add(files[_random.Next(files.Count)] with { Content = "other"u8.ToArray() });
                break;
            case "case-fold":
                files.Add(new TestZipEntry(prefix + "Case.go", "x"));
                files.Add(new TestZipEntry(prefix + Pick("CASE.go", "case.go", "cAsE.GO"), "y"));
                break;
            case "unicode-fold":
                var (a, b) = Pick(("\u212A.go", "k.go"), ("\u017F.go", "S.go"), ("\u03A3.go", "\u03C2.go"), ("\u00C9t\u00E9", "\u00E9T\u00C9"), ("\u0416/a", "\u0436/b"));
                files.Add(new TestZipEntry(prefix + a, "x"));
                files.Add(new TestZipEntry(prefix + b, "y"));
                break;
            case "outside-prefix":
                files.Add(new TestZipEntry(Pick("example.com/m@v0.0.0/a.go", "a.go", "example.com/other@" + version + "/a.go", "example.com/m@" + version), "x"));
                break;
            case "oversize-go.mod":
                files.RemoveAll(f => f.Name.EndsWith("/go.mod", StringComparison.Ordinal));
                files.Add(new TestZipEntry(prefix + "go.mod", new byte[(16 << 20) + 1]));
                break;
            case "declared-smaller":
            case "declared-larger":
                var victim = _random.Next(files.Count);
                var size = (ulong)files[victim].Content.Length;
                files[victim] = files[victim] with { DeclaredSize = kind == "declared-larger" ? size + 1 + (ulong)_random.Next(100) : (ulong)_random.Next((int)size) };
                break;
            case "crc":
                var bad = _random.Next(files.Count);
                files[bad] = files[bad] with { Content = [.. files[bad].Content, (byte)'!'] };
                return new GeneratedZip(kind, CorruptStoredByte(files, bad));
            case "truncated":
                var whole = TestZipWriter.Build(files);
                return new GeneratedZip(kind, whole[.._random.Next(whole.Length - 1)]);
            case "garbage":
                var garbage = new byte[_random.Next(0, 3000)];
                _random.NextBytes(garbage);
                return new GeneratedZip(kind, garbage);
            case "local-name":
                var renamed = _random.Next(files.Count);
                files[renamed] = files[renamed] with { LocalName = files[renamed].Name + "x" };
                stricter = true;
                break;
            case "symlink":
                files.Add(new TestZipEntry(prefix + "link", "../../etc/passwd") { UnixMode = 0xA1FF, Method = 0 });
                stricter = true;
                break;
            case "encrypted":
                var locked = _random.Next(files.Count);
                files[locked] = files[locked] with { Flags = 0x801 };
                stricter = true;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }

        Shuffle(files);
        return new GeneratedZip(kind, TestZipWriter.Build(files), stricter);
    }

    /// <summary>A valid tree: go.mod most of the time, files in a few directories, sometimes directory entries.</summary>
    public List<TestZipEntry> ValidTree(string prefix)
    {
        var files = new List<TestZipEntry>();
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (_random.Next(10) != 0)
        {
            files.Add(new TestZipEntry(prefix + "go.mod", "module example.com/m\n\ngo 1.19\n") { Method = (ushort)(_random.Next(2) * 8) });
            used.Add("go.mod");
        }

        var directories = new List<string> { "" };
        for (var i = _random.Next(1, 4); i > 0; i--)
        {
            var parent = directories[_random.Next(directories.Count)];
            var dir = parent + RandomElement() + "/";
            if (used.Add(dir.TrimEnd('/')))
            {
                directories.Add(dir);
            }
        }

        for (var i = _random.Next(1, 12); i > 0; i--)
        {
            var name = directories[_random.Next(directories.Count)] + RandomElement() + Pick(".go", ".txt", "", ".md");
            if (!used.Add(name) || directories.Contains(name + "/", StringComparer.OrdinalIgnoreCase) || IsGoMod(name))
            {
                continue;
            }

            var content = new byte[_random.Next(0, 600)];
            for (var k = 0; k < content.Length; k++)
            {
                content[k] = (byte)"package m // abc\n"[_random.Next(17)];
            }

            files.Add(new TestZipEntry(prefix + name, content) { Method = (ushort)(_random.Next(2) * 8) });
        }

        if (_random.Next(4) == 0)
        {
            files.Add(new TestZipEntry(prefix + "LICENSE", "MIT\n"));
        }

        if (_random.Next(3) == 0)
        {
            foreach (var dir in directories.Skip(1))
            {
                files.Add(new TestZipEntry(prefix + dir, []) { Method = 0 });
            }
        }

        if (files.Count == 0)
        {
            files.Add(new TestZipEntry(prefix + "x.go", "package m\n"));
        }

        return files;
    }

    private static bool IsGoMod(string name) => name.Split('/')[^1].Equals("go.mod", StringComparison.OrdinalIgnoreCase);

    private string RandomElement()
    {
        var sb = new StringBuilder();
        for (var n = _random.Next(1, 9); n > 0; n--)
        {
            var r = _random.Next(20);
            sb.Append(r switch
            {
                0 => UnicodeLetters[_random.Next(UnicodeLetters.Length)],
                1 => Punctuation[_random.Next(Punctuation.Length)].ToString(),
                2 => ".",
                _ => Letters[_random.Next(Letters.Length)].ToString(),
            });
        }

        var element = sb.ToString();
        // Keep it valid: no trailing dot or all dots, no reserved Windows name.
        element = element.TrimEnd('.') is { Length: > 0 } trimmed ? trimmed : "d";
        var shortName = element.Split('.')[0].ToUpperInvariant();
        return shortName is "CON" or "PRN" or "AUX" or "NUL" || (shortName.Length == 4 && shortName[..3] is "COM" or "LPT" && char.IsAsciiDigit(shortName[3]) && shortName[3] != '0')
            ? "x" + element
            : element;
    }

    private T Pick<T>(params T[] options) => options[_random.Next(options.Length)];

    private void Shuffle(List<TestZipEntry> files)
    {
        for (var i = files.Count - 1; i > 0; i--)
        {
            var j = _random.Next(i + 1);
            (files[i], files[j]) = (files[j], files[i]);
        }
    }

    private static byte[] CorruptStoredByte(List<TestZipEntry> files, int index)
    {
        // Stored content whose last byte is flipped after the CRC was computed: same size, wrong checksum. The
        // victim is written first, so its data starts right after its 30-byte local header and its name.
        var entry = files[index] with { Method = 0 };
        files.RemoveAt(index);
        files.Insert(0, entry);
        var zip = TestZipWriter.Build(files);
        zip[30 + Encoding.UTF8.GetByteCount(entry.Name) + entry.Content.Length - 1] ^= 0x20;
        return zip;
    }
}
