using System.Globalization;

namespace ModMesh.AppHost.Tests.Infrastructure;

/// <summary>One process seen in /proc: its id, its start time (so a reused id is not mistaken for it) and its command line.</summary>
internal sealed record ProcessInfo(int Pid, int ParentPid, long StartTime, char State, string CommandLine)
{
    public override string ToString() => $"pid {Pid} (parent {ParentPid}, state {State}): {CommandLine}";
}

/// <summary>Linux /proc reading: the processes descended from this test process, and whether they are still alive.</summary>
internal static class ProcessTree
{
    /// <summary>Every process now running, by id.</summary>
    public static IReadOnlyDictionary<int, ProcessInfo> Snapshot()
    {
        var result = new Dictionary<int, ProcessInfo>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Read(pid) is { } info)
            {
                result[pid] = info;
            }
        }

        return result;
    }

    /// <summary>The processes whose environment holds <paramref name="variable"/>=<paramref name="value"/>.</summary>
    public static IReadOnlyList<ProcessInfo> WithEnvironment(string variable, string value)
    {
        var entry = $"{variable}={value}";
        var result = new List<ProcessInfo>();
        foreach (var process in Snapshot().Values)
        {
            try
            {
                if (File.ReadAllText($"/proc/{process.Pid}/environ").Split('\0').Contains(entry, StringComparer.Ordinal))
                {
                    result.Add(process);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }

        return result;
    }

    /// <summary>The live processes descended from <paramref name="root"/> (not including it).</summary>
    public static IReadOnlyList<ProcessInfo> Descendants(int root)
    {
        var all = Snapshot();
        var children = all.Values.ToLookup(p => p.ParentPid);
        var result = new List<ProcessInfo>();
        var queue = new Queue<int>([root]);
        while (queue.Count > 0)
        {
            foreach (var child in children[queue.Dequeue()])
            {
                result.Add(child);
                queue.Enqueue(child.Pid);
            }
        }

        return result;
    }

    /// <summary>Whether the same process (same id and start time) still exists and is not a zombie.</summary>
    public static bool IsAlive(ProcessInfo process) =>
        Read(process.Pid) is { } now && now.StartTime == process.StartTime && now.State is not ('Z' or 'X');

    /// <summary>The process with this id now, or null.</summary>
    public static ProcessInfo? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) state ppid ..." where comm may hold spaces and parentheses: split after the last ')'.
            var close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ');
            var state = fields[0][0];
            var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
            var startTime = long.Parse(fields[19], CultureInfo.InvariantCulture); // field 22 of stat
            string commandLine;
            try
            {
                commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
            }
            catch (IOException)
            {
                commandLine = "";
            }

            if (commandLine.Length == 0)
            {
                commandLine = "[" + stat[(stat.IndexOf('(') + 1)..close] + "]";
            }

            return new ProcessInfo(pid, parent, startTime, state, commandLine);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
