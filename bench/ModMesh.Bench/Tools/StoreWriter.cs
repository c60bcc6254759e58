using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ModMesh.Bench.Tools;

/// <summary>
/// Writes committed versions straight into a store in ModMesh's module layout (Storage/Modules/ModuleStore.cs):
/// <c>modules/{escaped path}/@v/{escaped version}.zip</c> and <c>.mod</c> first, the <c>.info</c> commit marker last.
/// Bench module paths are lower case, so escaped and plain forms are the same.
/// </summary>
internal static class StoreWriter
{
    private static readonly DateTimeOffset BaseTime = new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);

    /// <summary>The blob key of one file.</summary>
    public static string Key(string module, string version, string extension) => $"modules/{module}/@v/{version}{extension}";

    /// <summary>The URL path of one file (what the go command asks).</summary>
    public static string UrlPath(string module, string version, string extension) => $"/{module}/@v/{version}{extension}";

    /// <summary>A .info padded with an Origin block to about <paramref name="size"/> bytes (1 KB in the warm rows).</summary>
    public static byte[] Info(string module, string version, int size = 0)
    {
        var time = BaseTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var head = $"{{\"Version\":\"{version}\",\"Time\":\"{time}\",\"Origin\":{{\"VCS\":\"git\",\"URL\":\"https://{module}\",\"Ref\":\"refs/tags/{version}\",\"Hash\":\"{new string('a', 40)}\"";
        var pad = Math.Max(0, size - head.Length - 16);
        return Encoding.UTF8.GetBytes(pad > 0 ? $"{head},\"Note\":\"{new string('x', pad)}\"}}}}\n" : head + "}}\n");
    }

    /// <summary>A go.mod with a require block (about 1 KB).</summary>
    public static byte[] Mod(string module)
    {
        var sb = new StringBuilder($"module {module}\n\ngo 1.19\n\nrequire (\n");
        for (var i = 0; i < 20; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\tgithub.com/example/dependency{i:D2} v1.{i}.0\n");
        }

        return Encoding.UTF8.GetBytes(sb.Append(")\n").ToString());
    }

    /// <summary>Writes one version to a folder store: zip (random bytes of <paramref name="zipBytes"/>), mod, then info.</summary>
    public static void WriteFolderVersion(string storeRoot, string module, string version, byte[] info, byte[] mod, long zipBytes)
    {
        var folder = Path.Combine(storeRoot, "modules", module, "@v");
        Directory.CreateDirectory(folder);
        if (zipBytes > 0)
        {
            using var zip = File.Create(Path.Combine(folder, version + ".zip"));
            var buffer = new byte[1 << 20];
            for (long written = 0; written < zipBytes; written += buffer.Length)
            {
                var n = (int)Math.Min(buffer.Length, zipBytes - written);
                RandomNumberGenerator.Fill(buffer.AsSpan(0, n));
                zip.Write(buffer, 0, n);
            }
        }

        File.WriteAllBytes(Path.Combine(folder, version + ".mod"), mod);
        File.WriteAllBytes(Path.Combine(folder, version + ".info"), info);
    }

    /// <summary>
    /// Writes many small versions (.mod then .info each, no zip) to a folder store in parallel; returns how long it took.
    /// </summary>
    public static TimeSpan WriteFolderVersions(string storeRoot, IReadOnlyList<(string Module, string Version)> versions)
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        foreach (var folder in versions.Select(v => v.Module).Distinct(StringComparer.Ordinal))
        {
            Directory.CreateDirectory(Path.Combine(storeRoot, "modules", folder, "@v"));
        }

        Parallel.ForEach(versions, new ParallelOptions { MaxDegreeOfParallelism = 4 }, v =>
        {
            var folder = Path.Combine(storeRoot, "modules", v.Module, "@v");
            File.WriteAllBytes(Path.Combine(folder, v.Version + ".mod"), Mod(v.Module));
            File.WriteAllBytes(Path.Combine(folder, v.Version + ".info"), Info(v.Module, v.Version));
        });
        return stopwatch.Elapsed;
    }

    /// <summary>
    /// Writes versions (.mod then .info each) straight into an s3rver bucket's folder as s3rver 3.7.1's file-system
    /// store lays out objects (<c>{bucket}/{key}._S3rver_object</c>), 4 at a time, until done or
    /// <paramref name="budget"/> runs out: PUTting 100,000 versions through s3rver takes minutes. Only the object
    /// files are written: s3rver computes a missing <c>._S3rver_object.md5</c> on the first read and answers without a
    /// <c>._S3rver_metadata.json</c> with its default content type (ModMesh's blob store neither sets nor reads one).
    /// Returns the versions committed and the time taken.
    /// </summary>
    public static (IReadOnlyList<(string Module, string Version)> Committed, TimeSpan Elapsed) WriteS3rverVersions(
        string dataDirectory, string bucket, IReadOnlyList<(string Module, string Version)> versions, TimeSpan budget, CancellationToken cancellationToken)
    {
        var root = Path.Combine(dataDirectory, bucket);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(budget);
        var committed = new System.Collections.Concurrent.ConcurrentQueue<(string Module, string Version)>();
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            foreach (var module in versions.Select(v => v.Module).Distinct(StringComparer.Ordinal))
            {
                Directory.CreateDirectory(Path.Combine(root, "modules", module, "@v"));
            }

            Parallel.ForEach(versions, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = bounded.Token }, v =>
            {
                File.WriteAllBytes(Path.Combine(root, Key(v.Module, v.Version, ".mod") + "._S3rver_object"), Mod(v.Module));
                File.WriteAllBytes(Path.Combine(root, Key(v.Module, v.Version, ".info") + "._S3rver_object"), Info(v.Module, v.Version));
                committed.Enqueue(v);
            });
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The budget ran out: what was committed is the store.
        }

        return (committed.ToList(), stopwatch.Elapsed);
    }
}
