using System.Globalization;
using System.Text;

namespace ModMesh.Bench;

/// <summary>One line of the result table.</summary>
/// <param name="Section">warm, cold, go, growth, memory, scaling.</param>
/// <param name="Name">What was measured.</param>
/// <param name="Value">The measurement, formatted.</param>
/// <param name="Ratio">The ratio checked against the target (formatted), or empty.</param>
/// <param name="Target">The target, or empty.</param>
/// <param name="Pass">PASS/MISS, or null when the row has no target.</param>
internal sealed record Row(string Section, string Name, string Value, string Ratio = "", string Target = "", bool? Pass = null);

/// <summary>Collects rows while the sections run and prints one table at the end.</summary>
internal sealed class Report
{
    private readonly List<Row> _rows = [];
    private readonly List<string> _notes = [];

    public IReadOnlyList<Row> Rows => _rows;

    public void Add(Row row)
    {
        lock (_rows)
        {
            _rows.Add(row);
        }

        Console.WriteLine($"  [{row.Section}] {row.Name}: {row.Value}{(row.Ratio.Length > 0 ? $"  ratio {row.Ratio} (target {row.Target}) {Verdict(row)}" : "")}");
    }

    public void Note(string text)
    {
        lock (_notes)
        {
            _notes.Add(text);
        }

        Console.WriteLine("  note: " + text);
    }

    public static string Verdict(Row row) => row.Pass switch { true => "PASS", false => "MISS", null => "" };

    public string ToText()
    {
        string[] header = ["section", "measurement", "value", "ratio", "target", ""];
        var cells = _rows.Select(r => new[] { r.Section, r.Name, r.Value, r.Ratio, r.Target, Verdict(r) }).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(i => cells.Select(c => c[i].Length).Append(header[i].Length).Max()).ToArray();
        var sb = new StringBuilder();
        void Line(string[] c) => sb.AppendLine(string.Join("  ", c.Select((x, i) => x.PadRight(widths[i]))).TrimEnd());
        Line(header);
        Line(widths.Select(w => new string('-', w)).ToArray());
        foreach (var c in cells)
        {
            Line(c);
        }

        foreach (var note in _notes)
        {
            sb.AppendLine("note: " + note);
        }

        return sb.ToString();
    }

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine("| section | measurement | value | ratio | target | |");
        sb.AppendLine("|---|---|---|---|---|---|");
        foreach (var r in _rows)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Section} | {Escape(r.Name)} | {Escape(r.Value)} | {r.Ratio} | {Escape(r.Target)} | {Verdict(r)} |");
        }

        if (_notes.Count > 0)
        {
            sb.AppendLine();
            foreach (var note in _notes)
            {
                sb.AppendLine("- " + note);
            }
        }

        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);
}
