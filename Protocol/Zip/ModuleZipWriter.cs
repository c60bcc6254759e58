using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace ModMesh.Protocol.Zip;

/// <summary>
/// Makes a module zip from a directory the way the go command's golang.org/x/mod/zip CreateFromDir does, so that its
/// h1: hash is the one go computes for the same files, and <see cref="ModuleZip.Inspect"/> accepts it.
/// </summary>
/// <remarks>
/// <para>What goes in (see <see cref="List"/>): every regular file under the root, walked with names sorted in each
/// directory, except folders named .bzr, .git, .hg or .svn at any depth; folders holding a go.mod (nested modules,
/// with everything below them); files in a folder with a go.mod of another letter case; vendored packages (a file at
/// least two levels below a "vendor" element: vendor/modules.txt and vendor/a.go stay, vendor/a/b.go goes; from a go.mod
/// declaring go 1.24 on, vendor/modules.txt goes too and only the first "vendor" element counts as Go 1.24's
/// x/mod does); a root .hg_archival.txt; symbolic links, pipes, sockets and devices.</para>
/// <para>What refuses the tree: a file path that fails module.CheckFilePath; a go.mod not spelled in lower case at the
/// root; two paths equal under Unicode case folding; go.mod or LICENSE over 16 MiB; files over 500 MiB in total.</para>
/// <para>The zip: entries named "module@version/path", deflated (empty files stored), sizes and CRC in a data
/// descriptor after each entry, zip64 end records only past 65,535 entries. Files are streamed from disk to the
/// output, never held in memory whole; a file that grew since it was listed is refused, as in Go.</para>
/// <para>One deliberate difference: a root given as a symbolic link to a folder is followed (Go's walk would see a
/// link and write an empty zip).</para>
/// </remarks>
public static class ModuleZipWriter
{
    private const uint LocalSignature = 0x04034b50;
    private const uint CentralSignature = 0x02014b50;
    private const uint DescriptorSignature = 0x08074b50;
    private const uint EndSignature = 0x06054b50;
    private const uint End64Signature = 0x06064b50;
    private const uint End64LocatorSignature = 0x07064b50;
    private const ushort Version20 = 20;
    private const ushort Version45 = 45;
    private const ushort FlagDataDescriptor = 0x8;
    private const ushort FlagUtf8 = 0x800;
    private const ushort MethodStore = 0;
    private const ushort MethodDeflate = 8;

    private static readonly string[] VcsDirectories = [".bzr", ".git", ".hg", ".svn"];

    /// <summary>
    /// Lists the tree at <paramref name="directory"/> like x/mod/zip CheckDir: which files a zip holds, which are left
    /// out and which are invalid. Never throws for the tree's content, only when a folder cannot be read.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The root is not a folder.</exception>
    /// <exception cref="IOException">A folder or file cannot be examined.</exception>
    public static ModuleDirectoryListing List(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"no such directory: {root}");
        }

        // The walk reads the go version through the file system (a go.mod link is followed), the file check only from
        // a regular root go.mod: two readings, as in x/mod.
        var walkNewVendoring = UsesGo124Vendoring(ReadGoModIfAny(Path.Combine(root, "go.mod"), followLinks: true));
        var omitted = new List<ModuleZipFileProblem>();
        var candidates = new List<ModuleZipFile>();
        Walk(root, "", walkNewVendoring, candidates, omitted);
        return CheckFiles(root, candidates, omitted);
    }

    /// <summary>
    /// Writes the module zip of <paramref name="modulePath"/>@<paramref name="version"/> made from
    /// <paramref name="directory"/> to <paramref name="output"/> (any writable stream; it is not closed) and returns
    /// its h1: hash.
    /// </summary>
    /// <exception cref="ModuleZipCreateException">The module path or version is invalid, the tree is refused (see
    /// <see cref="ModuleDirectoryListing.Error"/>), or a file changed while it was written.</exception>
    /// <exception cref="IOException">Reading the tree or writing the output failed.</exception>
    public static ModuleZipCreated Create(Stream output, string modulePath, string version, string directory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(modulePath);
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(directory);
        if (!Semver.IsCanonical(version))
        {
            var canonical = Semver.Canonical(version);
            throw new ModuleZipCreateException(canonical.Length == 0
                ? $"version \"{version}\" is not a semantic version (e.g. v1.2.3)"
                : $"version \"{version}\" is not canonical (should be \"{canonical}\")");
        }

        if (!ModulePath.IsValidModuleVersion(modulePath, version, out var moduleError))
        {
            throw new ModuleZipCreateException($"invalid module {modulePath}@{version}: {moduleError}");
        }

        var listing = List(directory);
        if (listing.Error is { } error)
        {
            throw new ModuleZipCreateException($"create zip from directory {Path.GetFullPath(directory)}: {error}", listing.Invalid);
        }

        var prefix = Encoding.UTF8.GetBytes($"{modulePath}@{version}/");
        var writer = new EntryWriter(output, prefix);
        foreach (var file in listing.Files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            writer.Add(file);
        }

        var bytes = writer.Finish();
        return new ModuleZipCreated(writer.Hash(), listing, bytes);
    }

    /// <summary>
    /// x/mod/zip isVendoredPackage: whether a slash path is inside a vendored package, i.e. at least two elements below
    /// a "vendor" element. Before go 1.24, vendor/modules.txt stays and the "/vendor/" inside a path is measured
    /// from the start of the path (Go issue 37397); from go 1.24 on, vendor/modules.txt goes and the measure starts
    /// after that "/vendor/".
    /// </summary>
    /// <param name="path">A slash-separated path relative to the module root.</param>
    /// <param name="go124">Whether the root go.mod declares go 1.24 or later.</param>
    public static bool IsVendored(string path, bool go124)
    {
        if (go124 && path == "vendor/modules.txt")
        {
            return true;
        }

        int start;
        if (path.StartsWith("vendor/", StringComparison.Ordinal))
        {
            start = "vendor/".Length;
        }
        else
        {
            var at = path.IndexOf("/vendor/", StringComparison.Ordinal);
            if (at < 0)
            {
                return false;
            }

            start = go124 ? at + "/vendor/".Length : "/vendor/".Length;
        }

        return path.AsSpan(start).Contains('/');
    }

    private static bool UsesGo124Vendoring(byte[]? goMod) =>
        goMod is not null && GoModFile.GoLanguageVersionOf(goMod) is { } v && (v.Major > 1 || (v.Major == 1 && v.Minor >= 24));

    private static byte[]? ReadGoModIfAny(string path, bool followLinks)
    {
        try
        {
            if (!followLinks && FileStatus.Lstat(path, out _) != FileKind.Regular)
            {
                return null;
            }

            return File.Exists(path) ? File.ReadAllBytes(path) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    // listFilesInDir: a depth-first walk, names sorted as bytes in each folder, nothing followed.
    private static void Walk(string fullPath, string slashPath, bool go124, List<ModuleZipFile> files, List<ModuleZipFileProblem> omitted)
    {
        var names = Directory.EnumerateFileSystemEntries(fullPath)
            .Select(Path.GetFileName)
            .Select(name => (Name: name!, Bytes: Encoding.UTF8.GetBytes(name!)))
            .ToList();
        names.Sort((a, b) => a.Bytes.AsSpan().SequenceCompareTo(b.Bytes));
        foreach (var (name, _) in names)
        {
            var childFull = Path.Combine(fullPath, name);
            var childSlash = slashPath.Length == 0 ? name : slashPath + "/" + name;
            var kind = FileStatus.Lstat(childFull, out var size);
            if (kind == FileKind.Missing)
            {
                // Removed since the folder was read, or a name that is not UTF-8 (which .NET cannot give back as it
                // is): Go's walk fails on the first and refuses the second; either way there is no zip.
                throw new IOException($"{childFull} cannot be examined: removed while the tree was read, or its name is not UTF-8");
            }

            if (IsVendored(childSlash, go124))
            {
                omitted.Add(new(childSlash, "file is in vendor directory"));
                if (kind == FileKind.Directory)
                {
                    Walk(childFull, childSlash, go124, files, omitted);
                }

                continue;
            }

            if (kind == FileKind.Directory)
            {
                if (VcsDirectories.Contains(name, StringComparer.Ordinal))
                {
                    omitted.Add(new(childSlash, "directory is a version control repository"));
                    continue;
                }

                var goModKind = FileStatus.Lstat(Path.Combine(childFull, "go.mod"), out _);
                if (goModKind is not (FileKind.Missing or FileKind.Directory))
                {
                    omitted.Add(new(childSlash, "directory is in another module"));
                    continue;
                }

                Walk(childFull, childSlash, go124, files, omitted);
                continue;
            }

            if (kind != FileKind.Regular)
            {
                omitted.Add(new(childSlash, kind == FileKind.SymbolicLink ? "file is a symbolic link" : "not a regular file"));
                continue;
            }

            files.Add(new ModuleZipFile(childSlash, childFull, size));
        }
    }

    // checkFiles: the name and size rules over the walked files.
    private static ModuleDirectoryListing CheckFiles(string root, List<ModuleZipFile> candidates, List<ModuleZipFileProblem> omitted)
    {
        var goModFolders = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in candidates)
        {
            var (folder, baseName) = Split(file.Path);
            if (baseName.Equals("go.mod", StringComparison.OrdinalIgnoreCase))
            {
                goModFolders.Add(folder);
            }
        }

        var go124 = UsesGo124Vendoring(ReadGoModIfAny(Path.Combine(root, "go.mod"), followLinks: false));
        var invalid = new List<ModuleZipFileProblem>();
        var valid = new List<ModuleZipFile>();
        var collisions = new FoldedPathSet();
        var remaining = ModuleZip.MaxUncompressedBytes;
        string? sizeError = null;
        foreach (var file in candidates)
        {
            var p = file.Path;
            var bytes = Encoding.UTF8.GetBytes(p);
            if (!ModuleFilePath.IsClean(bytes))
            {
                invalid.Add(new(p, "file path is not clean"));
                continue;
            }

            if (IsVendored(p, go124))
            {
                omitted.Add(new(p, "file is in vendor directory"));
                continue;
            }

            if (InNestedModule(p, goModFolders))
            {
                omitted.Add(new(p, "file is in another module"));
                continue;
            }

            if (p == ".hg_archival.txt")
            {
                omitted.Add(new(p, "file is inserted by 'hg archive' and is always omitted"));
                continue;
            }

            if (ModuleFilePath.Check(bytes) is { } pathProblem)
            {
                invalid.Add(new(p, $"malformed file path {ZipNames.Quote(p)}: {pathProblem}"));
                continue;
            }

            if (p.Equals("go.mod", StringComparison.OrdinalIgnoreCase) && p != "go.mod")
            {
                invalid.Add(new(p, "go.mod files must have lowercase names"));
                continue;
            }

            if (collisions.Add(bytes, isDirectory: false) is { } collision)
            {
                invalid.Add(new(p, collision));
                continue;
            }

            if (file.Size <= remaining)
            {
                remaining -= file.Size;
            }
            else
            {
                sizeError ??= $"module source tree too large (max size is {ModuleZip.MaxUncompressedBytes} bytes)";
            }

            if (p == "go.mod" && file.Size > ModuleZip.MaxGoModBytes)
            {
                invalid.Add(new(p, $"go.mod file too large (max size is {ModuleZip.MaxGoModBytes} bytes)"));
                continue;
            }

            if (p == "LICENSE" && file.Size > ModuleZip.MaxGoModBytes)
            {
                invalid.Add(new(p, $"LICENSE file too large (max size is {ModuleZip.MaxGoModBytes} bytes)"));
                continue;
            }

            valid.Add(file);
        }

        return new ModuleDirectoryListing(valid, omitted, invalid, sizeError);
    }

    private static (string Folder, string BaseName) Split(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? ("", path) : (path[..(slash + 1)], path[(slash + 1)..]);
    }

    // inSubmodule: some parent folder (not the root) holds a go.mod of any letter case.
    private static bool InNestedModule(string path, HashSet<string> goModFolders)
    {
        var slash = path.LastIndexOf('/');
        while (slash > 0)
        {
            if (goModFolders.Contains(path[..(slash + 1)]))
            {
                return true;
            }

            slash = path.LastIndexOf('/', slash - 1);
        }

        return false;
    }

    /// <summary>Writes entries in Go's archive/zip layout and hashes their contents for dirhash.</summary>
    private sealed class EntryWriter
    {
        private readonly CountingStream _output;
        private readonly byte[] _prefix;
        private readonly List<CentralRecord> _records = [];
        private readonly EntryNameList _names = new();

        public EntryWriter(Stream output, byte[] prefix)
        {
            _output = new CountingStream(output);
            _prefix = prefix;
        }

        public void Add(ModuleZipFile file)
        {
            var relative = Encoding.UTF8.GetBytes(file.Path);
            var name = new byte[_prefix.Length + relative.Length];
            _prefix.CopyTo(name, 0);
            relative.CopyTo(name, _prefix.Length);
            if (name.Length > ushort.MaxValue)
            {
                throw new ModuleZipCreateException($"{file.Path}: the entry name is longer than a zip allows");
            }

            var flags = (ushort)(FlagDataDescriptor | (Ascii.IsValid(name) ? 0 : FlagUtf8));
            var method = file.Size == 0 ? MethodStore : MethodDeflate;
            var offset = _output.Written;
            WriteLocalHeader(name, flags, method);

            var crc = new Crc32();
            long read = 0;
            var start = _output.Written;
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = ArrayPool<byte>.Shared.Rent(81920);
            try
            {
                using var input = new FileStream(file.FullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
                Stream sink = method == MethodDeflate ? new DeflateStream(_output, CompressionLevel.Optimal, leaveOpen: true) : _output;
                try
                {
                    int n;
                    while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
                    {
                        read += n;
                        if (read > file.Size)
                        {
                            throw new ModuleZipCreateException($"file \"{file.Path}\" is larger than declared size");
                        }

                        crc.Append(buffer.AsSpan(0, n));
                        sha.AppendData(buffer, 0, n);
                        sink.Write(buffer, 0, n);
                    }
                }
                finally
                {
                    if (!ReferenceEquals(sink, _output))
                    {
                        sink.Dispose();
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            var compressed = _output.Written - start;
            if (method == MethodDeflate && compressed == 0)
            {
                // The file shrank to nothing since it was listed: an empty deflate stream still needs its final block.
                _output.Write([0x03, 0x00]);
                compressed = 2;
            }

            var value = crc.Value;
            Span<byte> descriptor = stackalloc byte[16];
            BinaryPrimitives.WriteUInt32LittleEndian(descriptor, DescriptorSignature);
            BinaryPrimitives.WriteUInt32LittleEndian(descriptor[4..], value);
            BinaryPrimitives.WriteUInt32LittleEndian(descriptor[8..], checked((uint)compressed));
            BinaryPrimitives.WriteUInt32LittleEndian(descriptor[12..], checked((uint)read));
            _output.Write(descriptor);

            _records.Add(new CentralRecord(name, flags, method, value, (uint)compressed, (uint)read, checked((uint)offset)));
            _names.Add(relative, sha.GetHashAndReset());
        }

        public long Finish()
        {
            var directoryStart = _output.Written;
            var header = new byte[46];
            foreach (var r in _records)
            {
                var h = header.AsSpan();
                h.Clear();
                BinaryPrimitives.WriteUInt32LittleEndian(h, CentralSignature);
                BinaryPrimitives.WriteUInt16LittleEndian(h[4..], Version20); // made by: MS-DOS host, like Go's Create
                BinaryPrimitives.WriteUInt16LittleEndian(h[6..], Version20);
                BinaryPrimitives.WriteUInt16LittleEndian(h[8..], r.Flags);
                BinaryPrimitives.WriteUInt16LittleEndian(h[10..], r.Method);
                BinaryPrimitives.WriteUInt32LittleEndian(h[16..], r.Crc);
                BinaryPrimitives.WriteUInt32LittleEndian(h[20..], r.Compressed);
                BinaryPrimitives.WriteUInt32LittleEndian(h[24..], r.Uncompressed);
                BinaryPrimitives.WriteUInt16LittleEndian(h[28..], (ushort)r.Name.Length);
                BinaryPrimitives.WriteUInt32LittleEndian(h[42..], r.Offset);
                _output.Write(h);
                _output.Write(r.Name);
            }

            var directoryEnd = _output.Written;
            var directorySize = directoryEnd - directoryStart;
            var count = _records.Count;
            var needs64 = count >= ushort.MaxValue || directoryStart >= uint.MaxValue || directorySize >= uint.MaxValue;
            if (needs64)
            {
                Span<byte> end64 = stackalloc byte[56 + 20];
                end64.Clear();
                BinaryPrimitives.WriteUInt32LittleEndian(end64, End64Signature);
                BinaryPrimitives.WriteUInt64LittleEndian(end64[4..], 44);
                BinaryPrimitives.WriteUInt16LittleEndian(end64[12..], Version45);
                BinaryPrimitives.WriteUInt16LittleEndian(end64[14..], Version45);
                BinaryPrimitives.WriteUInt64LittleEndian(end64[24..], (ulong)count);
                BinaryPrimitives.WriteUInt64LittleEndian(end64[32..], (ulong)count);
                BinaryPrimitives.WriteUInt64LittleEndian(end64[40..], (ulong)directorySize);
                BinaryPrimitives.WriteUInt64LittleEndian(end64[48..], (ulong)directoryStart);
                var locator = end64[56..];
                BinaryPrimitives.WriteUInt32LittleEndian(locator, End64LocatorSignature);
                BinaryPrimitives.WriteUInt64LittleEndian(locator[8..], (ulong)directoryEnd);
                BinaryPrimitives.WriteUInt32LittleEndian(locator[16..], 1);
                _output.Write(end64);
            }

            Span<byte> end = stackalloc byte[22];
            end.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(end, EndSignature);
            BinaryPrimitives.WriteUInt16LittleEndian(end[8..], needs64 ? ushort.MaxValue : (ushort)count);
            BinaryPrimitives.WriteUInt16LittleEndian(end[10..], needs64 ? ushort.MaxValue : (ushort)count);
            BinaryPrimitives.WriteUInt32LittleEndian(end[12..], needs64 ? uint.MaxValue : (uint)directorySize);
            BinaryPrimitives.WriteUInt32LittleEndian(end[16..], needs64 ? uint.MaxValue : (uint)directoryStart);
            _output.Write(end);
            _output.Flush();
            return _output.Written;
        }

        public string Hash() => _names.Hash1(_prefix, refuseDuplicates: true);

        private void WriteLocalHeader(byte[] name, ushort flags, ushort method)
        {
            Span<byte> h = stackalloc byte[30];
            h.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(h, LocalSignature);
            BinaryPrimitives.WriteUInt16LittleEndian(h[4..], Version20);
            BinaryPrimitives.WriteUInt16LittleEndian(h[6..], flags);
            BinaryPrimitives.WriteUInt16LittleEndian(h[8..], method);
            BinaryPrimitives.WriteUInt16LittleEndian(h[26..], (ushort)name.Length);
            _output.Write(h);
            _output.Write(name);
        }
    }

    private readonly record struct CentralRecord(byte[] Name, ushort Flags, ushort Method, uint Crc, uint Compressed, uint Uncompressed, uint Offset);

    /// <summary>A write-only view of a stream that counts what goes through it (the stream need not be seekable).</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long Written { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Written += count;
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Written += buffer.Length;
        }
    }
}
