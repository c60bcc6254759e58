namespace ModMesh.Cli;

/// <summary>
/// A command's arguments: positional values, <c>--name value</c> or <c>--name=value</c> options, and flags. Only the
/// options a command declares are accepted; <c>--</c> ends the options.
/// </summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private Arguments(List<string> positional)
    {
        Positional = positional;
    }

    public IReadOnlyList<string> Positional { get; }

    /// <summary>Parses <paramref name="args"/>, knowing which names take a value and which are flags.</summary>
    /// <exception cref="UsageException">An unknown option, a missing value, or an option given twice.</exception>
    public static Arguments Parse(IEnumerable<string> args, IReadOnlyCollection<string> valueOptions, IReadOnlyCollection<string> flags)
    {
        var positional = new List<string>();
        var result = new Arguments(positional);
        using var e = args.GetEnumerator();
        var onlyPositional = false;
        while (e.MoveNext())
        {
            var arg = e.Current;
            if (onlyPositional || !arg.StartsWith("--", StringComparison.Ordinal) || arg == "-")
            {
                positional.Add(arg);
                continue;
            }

            if (arg == "--")
            {
                onlyPositional = true;
                continue;
            }

            var name = arg[2..];
            string? value = null;
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }

            if (flags.Contains(name))
            {
                if (value is not null)
                {
                    throw new UsageException($"--{name} takes no value");
                }

                result._flags.Add(name);
                continue;
            }

            if (!valueOptions.Contains(name))
            {
                throw new UsageException($"unknown option --{name}");
            }

            if (value is null)
            {
                if (!e.MoveNext())
                {
                    throw new UsageException($"--{name} needs a value");
                }

                value = e.Current;
            }

            if (!result._options.TryAdd(name, value))
            {
                throw new UsageException($"--{name} is given twice");
            }
        }

        return result;
    }

    public string? Option(string name) => _options.GetValueOrDefault(name);

    public bool Flag(string name) => _flags.Contains(name);

    /// <summary>Exactly <paramref name="count"/> positional values, named in the message when they are not there.</summary>
    public IReadOnlyList<string> ExpectPositional(int count, string what)
    {
        if (Positional.Count != count)
        {
            throw new UsageException(Positional.Count < count ? $"missing {what}" : $"unexpected argument '{Positional[count]}'");
        }

        return Positional;
    }

    public string RequireOption(string name, string what) =>
        Option(name) is { Length: > 0 } value ? value : throw new UsageException($"--{name} <{what}> is required");
}
