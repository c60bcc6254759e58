using System.Diagnostics;
using System.Globalization;
using ModMesh.Bench;
using ModMesh.Bench.Sections;
using ModMesh.Bench.Tools;
using ModMesh.TestSupport;
using ModMesh.TestSupport.Processes;

// The child-process mode: the bare Kestrel baseline (see KestrelBaseline).
if (args.Length == 3 && args[0] == KestrelBaseline.Argument)
{
    return await KestrelBaseline.ServeAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture));
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    if (e.Message.Length > 0)
    {
        Console.Error.WriteLine(e.Message);
    }

    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

var missing = Preflight(options);
if (missing.Count > 0)
{
    Console.Error.WriteLine("Cannot run the benchmark:");
    foreach (var m in missing)
    {
        Console.Error.WriteLine("  - " + m);
    }

    return 2;
}

var report = new Report();
var machine = Machine.Describe();
var loadBefore = Machine.LoadAverage();
Console.WriteLine($"ModMesh benchmark — {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}");
Console.WriteLine(machine);
Console.WriteLine($"load average at start: {loadBefore}; sections: {string.Join(", ", options.Sections)}{(options.Quick ? " (quick)" : "")}");

// Every run is bounded: the whole benchmark is cancelled after this long (each wrk run is bounded on its own too).
using var cancel = new CancellationTokenSource(options.Quick ? TimeSpan.FromMinutes(8) : TimeSpan.FromMinutes(20));
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var scratch = TempDirectory.CreateUnique("bench");
var context = new BenchContext(options, report, scratch, cancel.Token);
var total = Stopwatch.StartNew();
var failures = 0;
try
{
    foreach (var section in options.Sections)
    {
        Console.WriteLine($"== {section} ({total.Elapsed:mm\\:ss}, load {Machine.LoadAverage()})");
        var stopwatch = Stopwatch.StartNew();
        try
        {
            await (section switch
            {
                "warm" => WarmSection.RunAsync(context),
                "cold" => ColdSection.RunAsync(context),
                "go" => GoSection.RunAsync(context),
                "growth" => GrowthSection.RunAsync(context),
                "scaling" => ScalingSection.RunAsync(context),
                "bigzip" => BigZipSection.RunAsync(context),
                _ => throw new InvalidOperationException(section),
            });
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancel.IsCancellationRequested)
        {
            failures++;
            report.Add(new Row(section, "SECTION FAILED", e.GetType().Name + ": " + e.Message.Split('\n')[0]));
            Console.Error.WriteLine(e);
        }

        Console.WriteLine($"   {section} took {stopwatch.Elapsed.TotalSeconds:F0} s");
    }
}
finally
{
    foreach (var (role, (bytes, where)) in context.Memory.Peaks.OrderBy(p => p.Key, StringComparer.Ordinal))
    {
        var mb = bytes / (1024.0 * 1024);
        var isNode = role == Roles.CacheNode;
        report.Add(new Row("memory", $"peak RSS, {role} (largest in: {where})", mb.ToString("F0", CultureInfo.InvariantCulture) + " MB",
            isNode ? mb.ToString("F0", CultureInfo.InvariantCulture) + " MB" : "", isNode ? "< 250 MB" : "", isNode ? mb < 250 : null));
    }

    TempDirectory.Delete(scratch);
}

var loadAfter = Machine.LoadAverage();
var header = $"ModMesh benchmark, {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}, {total.Elapsed.TotalMinutes:F1} min{(options.Quick ? ", --quick" : "")}\n" +
             $"{machine}\nload average: {loadBefore} at start, {loadAfter} at end\n" +
             $"wrk -t2 -c32 --latency, {options.WarmupSeconds} s warm-up + {options.LoadSeconds} s measured per row";
Console.WriteLine();
Console.WriteLine(header);
Console.WriteLine(report.ToText());
if (options.MarkdownPath is { } markdown)
{
    await File.WriteAllTextAsync(markdown, $"```\n{header}\n```\n\n{report.ToMarkdown()}");
    Console.WriteLine($"Markdown table written to {markdown}");
}

return failures == 0 ? 0 : 1;

static List<string> Preflight(BenchOptions options)
{
    var missing = new List<string>();
    foreach (var (tool, package) in new[] { ("wrk", "wrk"), ("nginx", "nginx"), ("go", "golang-go"), ("git", "git"), ("redis-server", "redis-server"), ("node", "nodejs") })
    {
        if (!Machine.OnPath(tool))
        {
            missing.Add($"{tool} is not on PATH (apt-get install -y {package})");
        }
    }

    if ((options.Runs("cold") || options.Runs("growth")) && !File.Exists(ModMesh.TestSupport.Servers.S3rverServer.ScriptPath))
    {
        missing.Add($"s3rver is not installed: from {ServiceProcess.RepositoryRoot} run {ModMesh.TestSupport.Servers.S3rverServer.InstallCommand}");
    }

    foreach (var service in new[] { ServiceProcess.Services.CacheNode, ServiceProcess.Services.Gateway, ServiceProcess.Services.Fetcher })
    {
        if (!File.Exists(ServiceProcess.Dll(service)))
        {
            missing.Add($"{ServiceProcess.Dll(service)} is not built: dotnet build -c {ServiceProcess.Configuration} {Path.Combine(ServiceProcess.RepositoryRoot, "ModMesh.sln")}");
        }
    }

    return missing;
}
