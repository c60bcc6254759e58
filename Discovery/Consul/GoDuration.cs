using System.Globalization;

namespace ModMesh.Discovery.Consul;

/// <summary>TimeSpan to the Go duration strings Consul reads ("5s", "1m", "1500ms").</summary>
public static class GoDuration
{
    public static string Format(TimeSpan value)
    {
        if (value.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            return ((long)value.TotalMicroseconds).ToString(CultureInfo.InvariantCulture) + "us";
        }

        if (value.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            return ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        }

        if (value.Ticks % TimeSpan.TicksPerMinute != 0)
        {
            return ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";
        }

        return ((long)value.TotalMinutes).ToString(CultureInfo.InvariantCulture) + "m";
    }
}
