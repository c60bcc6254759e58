namespace ModMesh.Fetcher.Direct;

/// <summary>
/// Per-module work folders of the go command (GOPATH, GOMODCACHE, GOCACHE, HOME, an empty working folder), under
/// a folder of this process inside the work path. A module's folder is shared by its concurrent requests (the go
/// command locks its module cache itself), kept warm for a short while after the last one so the .info, .mod
/// and .zip of one fill share one clone, then deleted (made writable first: go stores its cache read-only).
/// </summary>
internal sealed class DirectWorkspaces : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Workspace> _open = new(StringComparer.Ordinal);
    private readonly TimeSpan _keepWarm;
    private readonly TimeProvider _time;
    private bool _disposed;
    private bool _swept;

    public DirectWorkspaces(string workPath, TimeSpan keepWarm, TimeProvider time)
    {
        _keepWarm = keepWarm;
        _time = time;
        // One folder per process: a cache node and a fetcher on one machine share the default work path.
        WorkPath = workPath;
        Root = Path.Combine(workPath, $"p{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
    }

    /// <summary>The folder every process's folder is made in.</summary>
    public string WorkPath { get; }

    /// <summary>This process's folder (created on first use).</summary>
    public string Root { get; }

    /// <summary>How many module folders exist now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _open.Count;
            }
        }
    }

    /// <summary>Takes (creating if needed) the work folder of <paramref name="modulePath"/>; dispose the lease to give it back.</summary>
    public Lease Acquire(string modulePath)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_swept)
            {
                _swept = true;
                SweepLeftovers();
            }

            if (!_open.TryGetValue(modulePath, out var workspace))
            {
                workspace = Workspace.Create(Root);
                _open[modulePath] = workspace;
            }

            workspace.Users++;
            workspace.Expiry?.Dispose();
            workspace.Expiry = null;
            return new Lease(this, modulePath, workspace);
        }
    }

    private void Release(string modulePath, Workspace workspace)
    {
        lock (_gate)
        {
            workspace.Users--;
            if (workspace.Users > 0)
            {
                return;
            }

            if (!_disposed && _keepWarm > TimeSpan.Zero)
            {
                workspace.Expiry = _time.CreateTimer(_ => Expire(modulePath, workspace), null, _keepWarm, System.Threading.Timeout.InfiniteTimeSpan);
                return;
            }

            _open.Remove(modulePath);
        }

        workspace.Delete();
    }

    private void Expire(string modulePath, Workspace workspace)
    {
        lock (_gate)
        {
            if (workspace.Users > 0 || !_open.TryGetValue(modulePath, out var current) || current != workspace)
            {
                return;
            }

            _open.Remove(modulePath);
            workspace.Expiry?.Dispose();
            workspace.Expiry = null;
        }

        workspace.Delete();
    }

    /// <summary>Deletes every idle folder now; folders in use go when their last lease ends.</summary>
    public void Dispose()
    {
        List<Workspace> idle;
        lock (_gate)
        {
            _disposed = true;
            idle = _open.Values.Where(w => w.Users == 0).ToList();
            foreach (var (key, workspace) in _open.Where(p => p.Value.Users == 0).ToList())
            {
                workspace.Expiry?.Dispose();
                _open.Remove(key);
            }
        }

        foreach (var workspace in idle)
        {
            workspace.Delete();
        }

        lock (_gate)
        {
            if (_open.Count == 0)
            {
                DeleteTree(Root);
            }
        }
    }

    /// <summary>
    /// Deletes the folders that processes which ended without cleaning up (a crash, a kill) left in the work path:
    /// those named for a process that no longer runs and untouched for an hour.
    /// </summary>
    private void SweepLeftovers()
    {
        try
        {
            if (!Directory.Exists(WorkPath))
            {
                return;
            }

            foreach (var folder in new DirectoryInfo(WorkPath).EnumerateDirectories("p*-*"))
            {
                var dash = folder.Name.IndexOf('-', StringComparison.Ordinal);
                if (folder.FullName != Root &&
                    int.TryParse(folder.Name.AsSpan(1, dash - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid) &&
                    pid != Environment.ProcessId && !IsRunning(pid) &&
                    folder.LastWriteTimeUtc < _time.GetUtcNow().UtcDateTime - TimeSpan.FromHours(1))
                {
                    DeleteTree(folder.FullName);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort.
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Deletes a folder tree, making go's read-only module cache writable first; never throws.</summary>
    internal static void DeleteTree(string path)
    {
        try
        {
            if (!Directory.Exists(path))
            {
                return;
            }

            MakeWritable(new DirectoryInfo(path));
            Directory.Delete(path, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover folder must not fail a request.
        }
    }

    private static void MakeWritable(DirectoryInfo dir)
    {
        if (!OperatingSystem.IsWindows())
        {
            dir.UnixFileMode |= UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        }

        foreach (var file in dir.EnumerateFiles())
        {
            if (file.IsReadOnly)
            {
                file.IsReadOnly = false;
            }
        }

        foreach (var sub in dir.EnumerateDirectories())
        {
            if (!sub.Attributes.HasFlag(FileAttributes.ReparsePoint))
            {
                MakeWritable(sub);
            }
        }
    }

    /// <summary>The use of one module's work folder.</summary>
    internal sealed class Lease : IDisposable
    {
        private readonly DirectWorkspaces _owner;
        private readonly string _modulePath;
        private Workspace? _workspace;

        internal Lease(DirectWorkspaces owner, string modulePath, Workspace workspace)
        {
            _owner = owner;
            _modulePath = modulePath;
            _workspace = workspace;
            Folder = workspace;
        }

        public Workspace Folder { get; }

        public void Dispose()
        {
            var workspace = Interlocked.Exchange(ref _workspace, null);
            if (workspace is not null)
            {
                _owner.Release(_modulePath, workspace);
            }
        }
    }

    /// <summary>One module's folders.</summary>
    internal sealed class Workspace
    {
        private Workspace(string root)
        {
            Root = root;
        }

        public string Root { get; }

        public string GoPath => Path.Combine(Root, "gopath");

        public string ModCache => Path.Combine(Root, "gopath", "pkg", "mod");

        public string GoCache => Path.Combine(Root, "gocache");

        public string Home => Path.Combine(Root, "home");

        /// <summary>The go command's working folder: empty, so no main module.</summary>
        public string Work => Path.Combine(Root, "work");

        internal int Users { get; set; }

        internal ITimer? Expiry { get; set; }

        public static Workspace Create(string parent)
        {
            var workspace = new Workspace(Path.Combine(parent, Guid.NewGuid().ToString("N")[..16]));
            Directory.CreateDirectory(workspace.ModCache);
            Directory.CreateDirectory(workspace.GoCache);
            Directory.CreateDirectory(workspace.Home);
            Directory.CreateDirectory(workspace.Work);
            return workspace;
        }

        public void Delete() => DeleteTree(Root);
    }
}
