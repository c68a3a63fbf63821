using System.Globalization;

namespace Clustering.Tool.Commands;

/// <summary>
/// A small getopt-like reader: short and long options with or without values, <c>--</c> ends options.
/// Every option a command does not consume is reported as unknown by <see cref="EnsureConsumed"/>.
/// </summary>
internal sealed class CommandLine
{
    private readonly List<string> _args;

    public CommandLine(string[] args) => _args = [.. args];

    /// <summary>Removes a flag given as any of <paramref name="names"/> and says whether it was there.</summary>
    public bool Flag(params string[] names)
    {
        var found = false;
        for (var i = 0; i < _args.Count; i++)
        {
            if (_args[i] == "--")
            {
                break;
            }

            if (Array.IndexOf(names, _args[i]) >= 0)
            {
                _args.RemoveAt(i--);
                found = true;
            }
        }

        return found;
    }

    /// <summary>Removes a repeatable flag given as any of <paramref name="names"/> and says how many times it was there.</summary>
    public int Count(params string[] names)
    {
        var count = 0;
        for (var i = 0; i < _args.Count && _args[i] != "--"; i++)
        {
            if (Array.IndexOf(names, _args[i]) >= 0)
            {
                _args.RemoveAt(i--);
                count++;
            }
        }

        return count;
    }

    /// <summary>Removes an option with a value (<c>-k FILE</c>, <c>--key FILE</c>, <c>--key=FILE</c>) and returns its last value.</summary>
    public string? Value(params string[] names)
    {
        string? value = null;
        for (var i = 0; i < _args.Count; i++)
        {
            var arg = _args[i];
            if (arg == "--")
            {
                break;
            }

            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0 && Array.IndexOf(names, arg[..eq]) >= 0)
            {
                value = arg[(eq + 1)..];
                _args.RemoveAt(i--);
                continue;
            }

            if (Array.IndexOf(names, arg) < 0)
            {
                continue;
            }

            if (i + 1 >= _args.Count)
            {
                throw new CommandLineException($"option {arg} needs a value");
            }

            value = _args[i + 1];
            _args.RemoveRange(i, 2);
            i--;
        }

        return value;
    }

    /// <summary>Like <see cref="Value"/>, parsed as an integer within a range.</summary>
    public long? Integer(long min, long max, params string[] names)
    {
        var text = Value(names);
        if (text is null)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new CommandLineException($"option {names[0]} needs an integer from {min} to {max}, not '{text}'");
        }

        return value;
    }

    /// <summary>Removes and returns the remaining positional arguments, after checking no unknown option is left.</summary>
    public IReadOnlyList<string> Positionals()
    {
        EnsureNoOptionsLeft();
        var rest = _args.Where(a => a != "--").ToList();
        _args.Clear();
        return rest;
    }

    /// <summary>Throws when anything is left that no one consumed.</summary>
    public void EnsureConsumed()
    {
        EnsureNoOptionsLeft();
        if (_args.Count > 0)
        {
            throw new CommandLineException($"unexpected argument '{_args[0]}'");
        }
    }

    private void EnsureNoOptionsLeft()
    {
        foreach (var arg in _args)
        {
            if (arg == "--")
            {
                return;
            }

            if (arg.Length > 1 && arg[0] == '-')
            {
                throw new CommandLineException($"unknown option '{arg}'");
            }
        }
    }
}
