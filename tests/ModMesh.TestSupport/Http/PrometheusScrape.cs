using System.Globalization;
using System.Text.RegularExpressions;

namespace ModMesh.TestSupport.Http;

/// <summary>One scrape of a service's Prometheus /metrics text: sums of samples by metric name and label filter.</summary>
public sealed partial class PrometheusScrape(string text)
{
    public string Text { get; } = text;

    public static async Task<PrometheusScrape> ScrapeAsync(HttpClient client, Uri service, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(new Uri(service, "/metrics"), cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {service}metrics answered {(int)response.StatusCode}: {text}");
        }

        return new PrometheusScrape(text);
    }

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

    /// <summary>The sample lines of <paramref name="name"/>, for messages.</summary>
    public string Lines(string name) =>
        string.Join(Environment.NewLine, Text.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal)));

    [GeneratedRegex(@"(\w+)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPattern();
}
