using System.Globalization;
using ModMesh.TestSupport.Processes;

namespace ModMesh.Bench.Tools;

/// <summary>
/// Peak resident set size (VmHWM from /proc/PID/status, the kernel's high-water mark since the process started) of
/// every ModMesh process, read just before it is stopped; the largest per role is reported.
/// </summary>
internal sealed class PeakMemory
{
    private readonly Dictionary<string, (long Bytes, string Where)> _peaks = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, (long Bytes, string Where)> Peaks => _peaks;

    /// <summary>Records the peak of <paramref name="process"/> under <paramref name="role"/> ("cache node", "gateway", "fetcher").</summary>
    public void Record(string role, string where, ServiceProcess process)
    {
        var bytes = ReadHighWaterMark(process.Pid);
        if (bytes is null)
        {
            return;
        }

        lock (_peaks)
        {
            if (!_peaks.TryGetValue(role, out var known) || known.Bytes < bytes.Value)
            {
                _peaks[role] = (bytes.Value, where);
            }
        }
    }

    /// <summary>The kernel's high-water mark of the process's resident set (VmHWM), or null when it is gone.</summary>
    public static long? ReadHighWaterMark(int pid) => ReadStatusBytes(pid, "VmHWM:");

    /// <summary>A "kB" field of /proc/PID/status ("VmRSS:", "VmHWM:") in bytes, or null when the process is gone.</summary>
    public static long? ReadStatusBytes(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var kb = line[field.Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }
}
