using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ModMesh.Protocol.Zip;

/// <summary>
/// Go's os.Lstat as far as module zips need it: the kind of an entry (without following a symbolic link) and a
/// regular file's size. On Linux it asks statx(2), whose buffer layout is the same on every architecture, so named
/// pipes, sockets and devices are told apart from regular files (.NET's own file APIs cannot); elsewhere, or when
/// statx is unavailable, .NET's attributes (symbolic links and directories are still recognised).
/// </summary>
internal static class FileStatus
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const uint StatxSize = 0x200;
    private const int ModeTypeMask = 0xF000;
    private const int ModeRegular = 0x8000;
    private const int ModeDirectory = 0x4000;
    private const int ModeSymbolicLink = 0xA000;
    private const int NoSuchFile = 2;
    private const int NotDirectory = 20;

    private static int statxState; // 0 unknown, 1 works, -1 unavailable

    /// <summary>The kind of <paramref name="path"/> and, for a regular file, its size in bytes.</summary>
    /// <exception cref="IOException">The entry exists but cannot be examined.</exception>
    public static FileKind Lstat(string path, out long size)
    {
        size = 0;
        if (OperatingSystem.IsLinux() && Volatile.Read(ref statxState) >= 0)
        {
            var buffer = new byte[256];
            int result;
            try
            {
                result = NativeStatx(AtFdCwd, path, AtSymlinkNoFollow, StatxType | StatxSize, buffer);
            }
            catch (EntryPointNotFoundException)
            {
                result = int.MinValue;
            }
            catch (DllNotFoundException)
            {
                result = int.MinValue;
            }

            if (result == 0)
            {
                Volatile.Write(ref statxState, 1);
                var mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(28)) & ModeTypeMask;
                switch (mode)
                {
                    case ModeRegular:
                        size = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(40)), long.MaxValue);
                        return FileKind.Regular;
                    case ModeDirectory:
                        return FileKind.Directory;
                    case ModeSymbolicLink:
                        return FileKind.SymbolicLink;
                    default:
                        return FileKind.Other;
                }
            }

            var errno = result == int.MinValue ? -1 : Marshal.GetLastPInvokeError();
            if (errno is NoSuchFile or NotDirectory)
            {
                return FileKind.Missing;
            }

            if (Volatile.Read(ref statxState) == 1)
            {
                throw new IOException($"cannot examine {path}: error {errno}");
            }

            // ENOSYS or a sandbox refusing statx: fall back for good.
            Volatile.Write(ref statxState, -1);
        }

        return Fallback(path, out size);
    }

    private static FileKind Fallback(string path, out long size)
    {
        size = 0;
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            return FileKind.SymbolicLink;
        }

        if (Directory.Exists(path))
        {
            return FileKind.Directory;
        }

        if (!info.Exists)
        {
            return FileKind.Missing;
        }

        if ((info.Attributes & (FileAttributes.ReparsePoint | FileAttributes.Device)) != 0)
        {
            return FileKind.Other;
        }

        size = info.Length;
        return FileKind.Regular;
    }

    // DllImport rather than LibraryImport: the generated marshalling needs unsafe code, which this library does not allow.
    [DllImport("libc", EntryPoint = "statx", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int NativeStatx(int directoryFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
}
