using System.Globalization;

namespace ModMesh.Bench;

/// <summary>Command-line options: <c>--quick</c>, <c>--only warm,cold,go,growth,scaling,bigzip</c>, <c>--markdown FILE</c>.</summary>
internal sealed record BenchOptions
{
    public static readonly string[] AllSections = ["warm", "cold", "go", "growth", "scaling", "bigzip"];

    /// <summary>A short run (every row, shorter loads, one go run each).</summary>
    public bool Quick { get; init; }

    /// <summary>The sections to run, in <see cref="AllSections"/> order.</summary>
    public IReadOnlyList<string> Sections { get; init; } = AllSections;

    /// <summary>Also write the table as Markdown to this file.</summary>
    public string? MarkdownPath { get; init; }

    /// <summary>Seconds each wrk measurement runs (after a warm-up run).</summary>
    public int LoadSeconds => Quick ? 2 : 6;

    /// <summary>Seconds of the warm-up run before each measurement (JIT tiers, connection pools, page cache).</summary>
    public int WarmupSeconds => Quick ? 1 : 2;

    /// <summary>How many times each go command is timed (the median is reported).</summary>
    public int GoRuns => Quick ? 1 : 3;

    /// <summary>Versions written to the large folder store.</summary>
    public int LargeFolderVersions => 100_000;

    /// <summary>Versions wanted in the large S3 store.</summary>
    public int LargeS3Versions => 100_000;

    /// <summary>
    /// The time allowed for writing the large S3 store (in s3rver's folder layout, not PUT: 100,000 versions took 26 s
    /// on the build machine at load 12). The same with <c>--quick</c>: the S3 growth target is only met at 100,000.
    /// </summary>
    public TimeSpan S3FillBudget => TimeSpan.FromSeconds(90);

    public bool Runs(string section) => Sections.Contains(section, StringComparer.Ordinal);

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    options = options with { Quick = true };
                    break;
                case "--only" when i + 1 < args.Length:
                    var wanted = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    var unknown = wanted.Except(AllSections, StringComparer.Ordinal).ToList();
                    if (unknown.Count > 0)
                    {
                        throw new ArgumentException($"unknown section(s) {string.Join(", ", unknown)}; known: {string.Join(", ", AllSections)}");
                    }

                    options = options with { Sections = AllSections.Where(s => wanted.Contains(s, StringComparer.Ordinal)).ToArray() };
                    break;
                case "--markdown" when i + 1 < args.Length:
                    options = options with { MarkdownPath = Path.GetFullPath(args[++i]) };
                    break;
                case "-h" or "--help":
                    throw new ArgumentException("");
                default:
                    throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "unknown argument '{0}'", args[i]));
            }
        }

        return options;
    }

    public const string Usage =
        """
        usage: dotnet run -c Release --project bench/ModMesh.Bench -- [--quick] [--only SECTIONS] [--markdown FILE]
          --quick            short run (~3 min): every row, shorter loads
          --only SECTIONS    comma-separated subset of: warm, cold, go, growth, scaling, bigzip
          --markdown FILE    also write the result table as Markdown
        Needs on PATH: wrk, nginx, go, git, redis-server, node (+ s3rver under .tools/: npm install --prefix .tools s3rver@3.7.1).
        """;
}
