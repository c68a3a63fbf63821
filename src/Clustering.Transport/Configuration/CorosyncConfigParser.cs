using System.Globalization;
using System.Text;

namespace Clustering.Transport.Configuration;

/// <summary>
/// Reads <c>corosync.conf</c> syntax into a tree, with Corosync's lexical rules (<c>exec/coroparse.c</c>):
/// one item per line; a line whose first non-blank character is <c>#</c> is a comment; blank lines are
/// ignored; a line containing <c>{</c> opens a section named by the text before it (a trailing colon is
/// allowed: <c>totem: {</c>); otherwise a line containing <c>:</c> is <c>key: value</c>, split at the first
/// colon, both sides trimmed (the value may hold spaces and further colons); a line <c>}</c> closes the section.
/// A line it cannot classify, or text after a brace, is a syntax error worded as Corosync 3 words it (Corosync 2
/// ignored such lines); every error has line and column.
/// </summary>
public static class CorosyncConfigParser
{
    /// <summary>Parses <c>corosync.conf</c> text.</summary>
    /// <param name="text">The whole file.</param>
    /// <param name="fileName">The file name to put in errors and warnings, or null.</param>
    /// <returns>The tree and the parser's warnings.</returns>
    /// <exception cref="ConfigurationException">A syntax error, with line and column.</exception>
    public static ConfigDocument Parse(string text, string? fileName = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var warnings = new List<ConfigurationWarning>();
        var stack = new Stack<Frame>();
        var current = new Frame(string.Empty, 0, 0, null);
        var lineNumber = 0;
        var start = 0;
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            start = 1;
        }

        while (start <= text.Length)
        {
            var end = text.IndexOf('\n', start);
            var isLast = end < 0;
            if (isLast)
            {
                end = text.Length;
            }

            lineNumber++;
            var line = text.AsSpan(start, end - start);
            if (!line.IsEmpty && line[^1] == '\r')
            {
                line = line[..^1];
            }

            current = ParseLine(line, lineNumber, fileName, current, stack, warnings);
            if (isLast)
            {
                break;
            }

            start = end + 1;
        }

        if (stack.Count > 0)
        {
            throw new ConfigurationException(
                $"parser error: Missing closing brace for section '{current.Path}' opened here",
                fileName, current.Line, current.Column, current.Path);
        }

        return new ConfigDocument(current.ToSection(), fileName, warnings);
    }

    /// <summary>Reads and parses a <c>corosync.conf</c> file (at most 1 MiB, UTF-8).</summary>
    /// <param name="path">The file.</param>
    /// <returns>The tree and the parser's warnings.</returns>
    /// <exception cref="ConfigurationException">The file cannot be read, or has a syntax error.</exception>
    public static ConfigDocument Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(ReadFile(path), path);
    }

    /// <summary>Reads and parses a <c>corosync.conf</c> file asynchronously (at most 1 MiB, UTF-8).</summary>
    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The tree and the parser's warnings.</returns>
    /// <exception cref="ConfigurationException">The file cannot be read, or has a syntax error.</exception>
    public static async Task<ConfigDocument> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        var text = await ReadFileAsync(path, cancellationToken).ConfigureAwait(false);
        return Parse(text, path);
    }

    internal static string ReadFile(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            CheckSize(stream, path);
            using var reader = new StreamReader(stream, new UTF8Encoding(false, true), detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw CannotRead(path, e);
        }
    }

    internal static async Task<string> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                CheckSize(stream, path);
                using var reader = new StreamReader(stream, new UTF8Encoding(false, true), detectEncodingFromByteOrderMarks: true);
                return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw CannotRead(path, e);
        }
    }

    private static void CheckSize(FileStream stream, string path)
    {
        if (stream.Length > ConfigSyntax.MaxFileBytes)
        {
            throw new ConfigurationException(
                $"Can't read file {path} reason = (larger than {ConfigSyntax.MaxFileBytes} bytes)", path, 0, 0, null);
        }
    }

    private static ConfigurationException CannotRead(string path, Exception e) =>
        new($"Can't read file {path} reason = ({e.Message})", path, 0, 0, null, e);

    private static Frame ParseLine(
        ReadOnlySpan<char> line, int lineNumber, string? fileName, Frame current, Stack<Frame> stack, List<ConfigurationWarning> warnings)
    {
        for (var i = 0; i < line.Length; i++)
        {
            if (char.IsControl(line[i]) && line[i] != '\t')
            {
                throw new ConfigurationException(
                    $"parser error: Invalid control character U+{(int)line[i]:X4}", fileName, lineNumber, i + 1, null);
            }
        }

        var first = 0;
        while (first < line.Length && ConfigSyntax.IsBlank(line[first]))
        {
            first++;
        }

        var last = line.Length - 1;
        while (last >= first && ConfigSyntax.IsBlank(line[last]))
        {
            last--;
        }

        if (first > last || line[first] == '#')
        {
            return current;
        }

        if (line.Length > ConfigSyntax.CorosyncMaxLineLength)
        {
            warnings.Add(new ConfigurationWarning(fileName, lineNumber, ConfigSyntax.CorosyncMaxLineLength + 1, null,
                $"line is {line.Length} characters long; Corosync reads at most {ConfigSyntax.CorosyncMaxLineLength} and would split it"));
        }

        var column = first + 1;
        var brace = line.IndexOf('{');
        if (brace >= 0)
        {
            return OpenSection(line, lineNumber, fileName, current, stack, first, last, brace);
        }

        var colon = line.IndexOf(':');
        if (colon >= 0)
        {
            var keyEnd = colon - 1;
            while (keyEnd >= first && ConfigSyntax.IsBlank(line[keyEnd]))
            {
                keyEnd--;
            }

            if (keyEnd < first)
            {
                throw new ConfigurationException("parser error: Missing key before ':'", fileName, lineNumber, colon + 1, current.Path);
            }

            var key = line[first..(keyEnd + 1)].ToString();
            if (!ConfigSyntax.IsValidName(key))
            {
                throw new ConfigurationException(
                    $"parser error: Invalid key '{key}' (a key has no blanks, braces or '#')", fileName, lineNumber, column, current.Path);
            }

            var valueStart = colon + 1;
            while (valueStart <= last && ConfigSyntax.IsBlank(line[valueStart]))
            {
                valueStart++;
            }

            var value = valueStart <= last ? line[valueStart..(last + 1)].ToString() : string.Empty;
            current.Items.Add(new ConfigEntry(key, value, lineNumber, column, valueStart + 1));
            return current;
        }

        if (line[first] == '}')
        {
            if (first != last)
            {
                throw new ConfigurationException("parser error: Extra characters before or after closing bracket '}'", fileName, lineNumber, first + 2 + CountBlanks(line, first + 1), current.Path);
            }

            if (stack.Count == 0)
            {
                throw new ConfigurationException("parser error: Unexpected closing brace", fileName, lineNumber, column, null);
            }

            var parent = stack.Pop();
            parent.Items.Add(current.ToSection());
            return parent;
        }

        throw new ConfigurationException(
            "parser error: Line is not opening or closing section or key value", fileName, lineNumber, column, current.Path.Length == 0 ? null : current.Path);
    }

    private static Frame OpenSection(
        ReadOnlySpan<char> line, int lineNumber, string? fileName, Frame current, Stack<Frame> stack, int first, int last, int brace)
    {
        if (brace != last)
        {
            throw new ConfigurationException("parser error: Extra characters after opening bracket '{'", fileName, lineNumber, brace + 2 + CountBlanks(line, brace + 1), current.Path);
        }

        var nameEnd = brace - 1;
        while (nameEnd >= first && (ConfigSyntax.IsBlank(line[nameEnd]) || line[nameEnd] == ':'))
        {
            nameEnd--;
        }

        if (nameEnd < first)
        {
            throw new ConfigurationException("parser error: Missing section name before '{'", fileName, lineNumber, brace + 1, current.Path);
        }

        var name = line[first..(nameEnd + 1)].ToString();
        if (!ConfigSyntax.IsValidName(name))
        {
            throw new ConfigurationException(
                $"parser error: Invalid section name '{name}' (a name has no blanks, colons or '#')", fileName, lineNumber, first + 1, current.Path);
        }

        if (stack.Count + 1 >= ConfigSyntax.MaxDepth)
        {
            throw new ConfigurationException(
                $"parser error: Sections nested deeper than {ConfigSyntax.MaxDepth}", fileName, lineNumber, first + 1, current.Path);
        }

        stack.Push(current);
        return new Frame(name, lineNumber, first + 1, current);
    }

    private static int CountBlanks(ReadOnlySpan<char> line, int from)
    {
        var n = 0;
        while (from + n < line.Length && ConfigSyntax.IsBlank(line[from + n]))
        {
            n++;
        }

        return n;
    }

    private sealed class Frame(string name, int line, int column, Frame? parent)
    {
        public List<ConfigNode> Items { get; } = [];

        public int Line => line;

        public int Column => column;

        public string Path { get; } = parent is null || parent.Path.Length == 0
            ? name
            : string.Create(CultureInfo.InvariantCulture, $"{parent.Path}.{name}");

        public ConfigSection ToSection() => new(name, Items, line, column);
    }
}
