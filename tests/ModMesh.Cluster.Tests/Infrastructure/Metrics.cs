using System.Globalization;
using System.Text.RegularExpressions;
using ModMesh.TestSupport.Processes;

namespace ModMesh.Cluster.Tests.Infrastructure;

/// <summary>Reads a service's Prometheus /metrics text.</summary>
public static partial class Metrics
{
    /// <summary>One scrape of <paramref name="service"/>.</summary>
    public static async Task<Scrape> ScrapeAsync(HttpClient client, ServiceProcess service)
    {
        var text = await client.GetStringAsync(new Uri(service.BaseAddress, "metrics"));
        return new Scrape(text);
    }

    /// <summary>A scrape: sums of samples by metric name and label filter.</summary>
    public sealed class Scrape(string text)
    {
        public string Text { get; } = text;

        /// <summary>Sum of the samples of <paramref name="name"/> whose labels include every <paramref name="labels"/> pair.</summary>
        public double Sum(string name, params (string Key, string Value)[] labels)
        {
            double sum = 0;
            foreach (var line in Text.Split('\n'))
            {
                if (line.Length == 0 || line[0] == '#' || !line.StartsWith(name, StringComparison.Ordinal))
                {
                    continue;
                }

                var rest = line[name.Length..];
                if (rest.Length == 0 || (rest[0] != '{' && rest[0] != ' '))
                {
                    continue;
                }

                var found = LabelPattern().Matches(rest.StartsWith('{') ? rest[..(rest.IndexOf('}') + 1)] : "")
                    .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
                if (labels.Any(l => !found.TryGetValue(l.Key, out var v) || v != l.Value))
                {
                    continue;
                }

                var value = rest[(rest.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
                sum += double.Parse(value, CultureInfo.InvariantCulture);
            }

            return sum;
        }
    }

    [GeneratedRegex(@"(\w+)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPattern();
}
