using System.Text.Json.Nodes;

namespace ModMesh.Cluster.Tests.Observability;

/// <summary>The metric-name extraction the observability test relies on (no cluster needed).</summary>
public sealed class PromQlTests
{
    [Theory]
    [InlineData("up", "up")]
    [InlineData("sum by (kind, status) (rate(modmesh_proxy_requests_total{status=~\"5..\", kind!=\"Zip\"}[5m]))", "modmesh_proxy_requests_total")]
    [InlineData("histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{job=\"modmesh-gateway\"}[$__rate_interval])))", "http_server_request_duration_seconds_bucket")]
    [InlineData("sum(rate(a_total{x=\"b{c}\"}[5m])) / ignoring(tier) group_left sum(rate(b_total[5m])) > 1e3", "a_total b_total")]
    [InlineData("sum(up{job=\"modmesh-cachenode\"}) == 0 or absent(up{job=\"modmesh-cachenode\"})", "up")]
    [InlineData("rate(x_total[5m] offset 1h) > bool 0.5 and on(job) y unless without_total", "without_total x_total y")]
    [InlineData("max without (instance) (z) * 2.5e-3 + count(sum_total)", "sum_total z")]
    [InlineData("{__name__=\"named_total\", job=\"a\"}", "named_total")]
    [InlineData("sum(increase(modmesh_fill_jobs_enqueued_total[15m])) - sum(increase(modmesh_fill_jobs_done_total[15m]))", "modmesh_fill_jobs_done_total modmesh_fill_jobs_enqueued_total")]
    public void MetricNames_FindsTheSelectedMetricsOnly(string expression, string expected)
    {
        Assert.Equal(expected.Split(' '), PromQl.MetricNames(expression));
    }

    [Fact]
    public void DashboardExpressions_PanelWithAMetricThatDoesNotExist_IsReported()
    {
        // What the observability test does with the real dashboard, against a fixed set of exported names.
        var dashboard = JsonNode.Parse("""
            {
              "panels": [
                { "type": "row", "title": "r", "panels": [
                  { "title": "nested", "targets": [ { "expr": "sum(rate(modmesh_fills_total[$__rate_interval]))" } ] } ] },
                { "title": "ok", "targets": [ { "expr": "sum by (kind) (rate(modmesh_proxy_requests_total[5m]))" } ] },
                { "title": "typo", "targets": [ { "expr": "sum(rate(modmesh_proxy_request_total[5m]))" }, { "expr": "" } ] }
              ]
            }
            """)!;
        var exported = new HashSet<string>(StringComparer.Ordinal) { "modmesh_fills_total", "modmesh_proxy_requests_total" };

        var expressions = PromQl.DashboardExpressions(dashboard);
        var missing = expressions.SelectMany(e => PromQl.MetricNames(e.Expression).Select(n => (e.Panel, Name: n))).Where(u => !exported.Contains(u.Name)).ToArray();

        Assert.Equal(3, expressions.Count);
        Assert.Equal([("typo", "modmesh_proxy_request_total")], missing);
    }

    [Fact]
    public void ForPrometheus_ReplacesGrafanaIntervals()
    {
        Assert.Equal("rate(x[1m])", PromQl.ForPrometheus("rate(x[$__rate_interval])"));
    }
}
