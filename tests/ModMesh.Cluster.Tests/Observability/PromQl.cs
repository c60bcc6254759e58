using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ModMesh.Cluster.Tests.Observability;

/// <summary>
/// The metric names a PromQL expression reads, and the expressions of a Grafana dashboard: what the observability
/// test checks against a real Prometheus. A small lexer, not a parser: it removes what cannot be a metric name (string
/// literals, label matchers, ranges, grouping label lists, Grafana variables, numbers and durations) and keeps every
/// identifier that is not a function call or a keyword.
/// </summary>
public static partial class PromQl
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "atan2",
        "inf", "nan", "Inf", "NaN", "start", "end",
    };

    /// <summary>The metric (series) names <paramref name="expression"/> selects, e.g. <c>x_bucket</c> of a histogram.</summary>
    public static IReadOnlySet<string> MetricNames(string expression)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);

        // {__name__="x"} names a metric inside the matchers.
        foreach (Match m in NameMatcher().Matches(expression))
        {
            names.Add(m.Groups[1].Value);
        }

        var text = StringLiteral().Replace(expression, "\"\"");
        text = LabelMatchers().Replace(text, " ");
        text = Range().Replace(text, " ");
        text = GroupingLabels().Replace(text, " ");
        text = GrafanaVariable().Replace(text, " ");

        foreach (Match token in Token().Matches(text))
        {
            if (!token.Groups["id"].Success)
            {
                continue; // a number or a duration
            }

            var id = token.Groups["id"].Value;
            var after = text[(token.Index + token.Length)..].TrimStart();
            if (Keywords.Contains(id) || after.StartsWith('('))
            {
                continue; // an operator, a modifier, or a function / aggregation call
            }

            names.Add(id);
        }

        return names;
    }

    /// <summary>Every PromQL expression of a Grafana dashboard: the "expr" of every panel's targets, nested rows included.</summary>
    public static IReadOnlyList<(string Panel, string Expression)> DashboardExpressions(JsonNode dashboard)
    {
        var found = new List<(string, string)>();
        Walk(dashboard["panels"]);
        return found;

        void Walk(JsonNode? panels)
        {
            foreach (var panel in panels?.AsArray() ?? [])
            {
                var title = panel?["title"]?.GetValue<string>() ?? "(untitled)";
                foreach (var target in panel?["targets"]?.AsArray() ?? [])
                {
                    if (target?["expr"]?.GetValue<string>() is { Length: > 0 } expr)
                    {
                        found.Add((title, expr));
                    }
                }

                Walk(panel?["panels"]);
            }
        }
    }

    /// <summary>
    /// <paramref name="expression"/> with Grafana's interval variables replaced by a fixed range, so that Prometheus
    /// itself can evaluate it.
    /// </summary>
    public static string ForPrometheus(string expression, string interval = "1m") =>
        expression.Replace("$__rate_interval", interval, StringComparison.Ordinal)
            .Replace("$__interval", interval, StringComparison.Ordinal)
            .Replace("${__rate_interval}", interval, StringComparison.Ordinal);

    [GeneratedRegex(@"__name__\s*=\s*""([^""]+)""")]
    private static partial Regex NameMatcher();

    [GeneratedRegex(@"""(?:[^""\\]|\\.)*""|'(?:[^'\\]|\\.)*'|`[^`]*`")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Range();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex GroupingLabels();

    [GeneratedRegex(@"\$\{?\w+\}?")]
    private static partial Regex GrafanaVariable();

    [GeneratedRegex(@"(?<num>0x[0-9a-fA-F]+|\d[\d.]*(?:[eE][+-]?\d+)?(?:ms|s|m|h|d|w|y)*)|(?<id>[A-Za-z_:][A-Za-z0-9_:]*)")]
    private static partial Regex Token();
}
