using System.Globalization;
using ModMesh.Bench.Tools;
using ModMesh.TestSupport.Http;
using ModMesh.TestSupport.Servers;

namespace ModMesh.Bench.Sections;

/// <summary>
/// Growth: warm-hit p50 (go.mod, wrk rotating over 100 committed versions picked at random) with 100 and with
/// 100,000 committed versions in the store — folder (files written straight in the store layout) and S3 (s3rver,
/// objects written straight in its folder layout within a time budget; the count reached is reported) — and
/// <c>list</c> of a module with 1,500 versions.
/// </summary>
internal static class GrowthSection
{
    private const string ListModule = "example.com/growth/list1500";
    private const string SmallListModule = "example.com/growth/list10";

    public static async Task RunAsync(BenchContext context)
    {
        var report = context.Report;
        var random = new Random(42);

        // The upstream knows only the list modules (their lists merge with what is committed).
        await using var upstream = await ScriptedUpstream.StartAsync(context.CancellationToken).ConfigureAwait(false);
        var listVersions = Enumerable.Range(0, 1500).Select(i => $"v1.{i / 100}.{i % 100}").ToArray();
        upstream.AddModule(ListModule, listVersions);
        upstream.AddModule(SmallListModule, listVersions.Take(10).ToArray());

        // Folder stores.
        var small = Versions(100, 10);
        var large = Versions(context.Options.LargeFolderVersions, 100);
        var smallStore = context.NewFolder("growth-small");
        var largeStore = context.NewFolder("growth-large");
        StoreWriter.WriteFolderVersions(smallStore, small);
        var writeTime = StoreWriter.WriteFolderVersions(largeStore, large);
        StoreWriter.WriteFolderVersions(largeStore, listVersions.Select(v => (ListModule, v)).ToList());
        StoreWriter.WriteFolderVersions(largeStore, listVersions.Take(10).Select(v => (SmallListModule, v)).ToList());
        report.Note(string.Create(CultureInfo.InvariantCulture,
            $"growth: {large.Count:N0} versions (+1,510 for the list modules) written to the large folder store in {writeTime.TotalSeconds:F1} s"));

        await using (var topology = new Topology(context, "growth, folder"))
        {
            var smallNode = await topology.StartNodeAsync(upstream.Url, smallStore).ConfigureAwait(false);
            var node = await topology.StartNodeAsync(upstream.Url, largeStore).ConfigureAwait(false);
            var (s100, sLarge) = await AlternateAsync(context, smallNode.Url, Pick(small, random), node.Url, Pick(large, random)).ConfigureAwait(false);
            report.Add(new Row("growth", $"go.mod warm hit, folder store, 100 versions — node, median of {Rounds} rounds", s100.Describe()));
            report.Add(new Row("growth", string.Create(CultureInfo.InvariantCulture, $"go.mod warm hit, folder store, {large.Count:N0} versions — node, median of {Rounds} rounds"), sLarge.Describe()));
            var ratio = sLarge.P50Ms / s100.P50Ms;
            report.Add(new Row("growth", "folder store: p50 large / p50 100", "", ratio.ToString("F2", CultureInfo.InvariantCulture) + "×", "≤ 1.2×", ratio <= 1.2));

            // list: 1,500 versions (upstream list merged with 1,500 committed) against a 10-version module.
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
            var body = await client.GetStringAsync(new Uri($"{node.Url}/{ListModule}/@v/list"), context.CancellationToken).ConfigureAwait(false);
            var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            if (lines != listVersions.Length)
            {
                throw new InvalidOperationException($"list of {ListModule} has {lines} versions, expected {listVersions.Length}");
            }

            var list = await context.LoadAsync(node.Url, $"/{ListModule}/@v/list").ConfigureAwait(false);
            report.Add(new Row("growth", "list, 1,500 versions (in the large folder store) — node", list.Describe()));
            var list10 = await context.LoadAsync(node.Url, $"/{SmallListModule}/@v/list").ConfigureAwait(false);
            report.Add(new Row("growth", "list, 10 versions — node", list10.Describe()));
        }

        // 200,000 files: deleted here, at the speed of a plain recursive delete, rather than at the end of the run.
        Directory.Delete(largeStore, recursive: true);

        // S3 stores.
        await using var s3 = await S3rverServer.StartAsync(cancellationToken: context.CancellationToken).ConfigureAwait(false);
        var smallBucket = await s3.CreateBucketAsync("small", context.CancellationToken).ConfigureAwait(false);
        var largeBucket = await s3.CreateBucketAsync("large", context.CancellationToken).ConfigureAwait(false);

        // Both buckets are written the same way, straight in s3rver's folder layout (PUTting 100,000 versions through
        // s3rver takes minutes), within a time budget; one version of each is read back through s3rver.
        var (s3Small, _) = StoreWriter.WriteS3rverVersions(s3.DataDirectory, smallBucket, small, TimeSpan.FromMinutes(1), context.CancellationToken);
        var wanted = Versions(context.Options.LargeS3Versions, 100);
        var (s3Large, writeS3Time) = StoreWriter.WriteS3rverVersions(s3.DataDirectory, largeBucket, wanted, context.Options.S3FillBudget, context.CancellationToken);
        var largeCount = s3Large.Count;
        await CheckS3ObjectAsync(s3.Url, smallBucket, s3Small[^1], context.CancellationToken).ConfigureAwait(false);
        await CheckS3ObjectAsync(s3.Url, largeBucket, s3Large[^1], context.CancellationToken).ConfigureAwait(false);
        var scope = largeCount < wanted.Count
            ? string.Create(CultureInfo.InvariantCulture, $"the budget ran out, so the S3 row uses {largeCount:N0} versions, not {wanted.Count:N0}")
            : "all of them";
        report.Note(string.Create(CultureInfo.InvariantCulture,
            $"growth (S3): {largeCount:N0} versions written to the large bucket in s3rver's folder layout in {writeS3Time.TotalSeconds:F1} s; {scope}"));

        await using (var topology = new Topology(context, "growth, S3"))
        {
            var smallNode = await topology.StartNodeAsync(upstream.Url, null, new Dictionary<string, string?> { ["ConnectionStrings__blobs"] = s3.ConnectionString(smallBucket) }).ConfigureAwait(false);
            var node = await topology.StartNodeAsync(upstream.Url, null, new Dictionary<string, string?> { ["ConnectionStrings__blobs"] = s3.ConnectionString(largeBucket) }).ConfigureAwait(false);
            var (s100, sLarge) = await AlternateAsync(context, smallNode.Url, Pick(s3Small, random), node.Url, Pick(s3Large, random)).ConfigureAwait(false);
            report.Add(new Row("growth", $"go.mod warm hit, S3 store, 100 versions — node, median of {Rounds} rounds", s100.Describe()));
            report.Add(new Row("growth", string.Create(CultureInfo.InvariantCulture, $"go.mod warm hit, S3 store, {largeCount:N0} versions — node, median of {Rounds} rounds"), sLarge.Describe()));
            var ratio = sLarge.P50Ms / s100.P50Ms;
            report.Add(new Row("growth", string.Create(CultureInfo.InvariantCulture, $"S3 store: p50 {largeCount:N0} / p50 100"), "", ratio.ToString("F2", CultureInfo.InvariantCulture) + "×",
                string.Create(CultureInfo.InvariantCulture, $"≤ 1.2× at {wanted.Count:N0}"), ratio <= 1.2 && largeCount == wanted.Count && sLarge.Errors == 0));
        }

        Directory.Delete(Path.Combine(s3.DataDirectory, largeBucket), recursive: true);
    }

    private const int Rounds = 3;

    /// <summary>
    /// Loads the node with the small store and the one with the large store in turn, <see cref="Rounds"/> times (both
    /// running, so each pair of loads sees the same minute of this shared machine); the run with the median p50 of
    /// each.
    /// </summary>
    private static async Task<(WrkResult Small, WrkResult Large)> AlternateAsync(
        BenchContext context, string smallUrl, IReadOnlyList<string> smallPaths, string largeUrl, IReadOnlyList<string> largePaths)
    {
        var small = new List<WrkResult>();
        var large = new List<WrkResult>();
        for (var round = 0; round < Rounds; round++)
        {
            small.Add(await context.LoadAsync(smallUrl, "/", smallPaths).ConfigureAwait(false));
            large.Add(await context.LoadAsync(largeUrl, "/", largePaths).ConfigureAwait(false));
        }

        static WrkResult Median(List<WrkResult> runs) => runs.OrderBy(r => r.P50Ms).ElementAt(runs.Count / 2);
        return (Median(small), Median(large));
    }

    /// <summary>Reads one version written in s3rver's folder layout back through s3rver: the bytes the node will get.</summary>
    private static async Task CheckS3ObjectAsync(string s3Url, string bucket, (string Module, string Version) version, CancellationToken cancellationToken)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        foreach (var (extension, expected) in new[] { (".mod", StoreWriter.Mod(version.Module)), (".info", StoreWriter.Info(version.Module, version.Version)) })
        {
            var url = $"{s3Url}/{bucket}/{StoreWriter.Key(version.Module, version.Version, extension)}";
            var body = await client.GetByteArrayAsync(new Uri(url), cancellationToken).ConfigureAwait(false);
            if (!body.AsSpan().SequenceEqual(expected))
            {
                throw new InvalidOperationException($"s3rver answered {body.Length} other bytes for {url}");
            }
        }
    }

    private static List<(string Module, string Version)> Versions(int count, int perModule) =>
        Enumerable.Range(0, count).Select(i => ($"example.com/growth/m{i / perModule:D5}", $"v1.0.{i % perModule}")).ToList();

    /// <summary>100 versions picked at random: the go.mod URLs wrk rotates over.</summary>
    private static List<string> Pick(IReadOnlyList<(string Module, string Version)> versions, Random random) =>
        Enumerable.Range(0, 100).Select(_ => versions[random.Next(versions.Count)]).Select(v => StoreWriter.UrlPath(v.Module, v.Version, ".mod")).ToList();
}
