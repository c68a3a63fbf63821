namespace Clustering.Transport.Configuration;

/// <summary>The lexical rules shared by the parser, the tree and the writer.</summary>
internal static class ConfigSyntax
{
    /// <summary>Corosync reads lines into a 512-byte buffer: a longer line is split in two there.</summary>
    public const int CorosyncMaxLineLength = 511;

    /// <summary>The deepest nesting the parser accepts (Corosync's files nest three levels).</summary>
    public const int MaxDepth = 32;

    /// <summary>The largest file the loader reads.</summary>
    public const int MaxFileBytes = 1024 * 1024;

    public static bool IsBlank(char c) => c is ' ' or '\t';

    public static bool IsValidName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is ':' or '{' or '}' or '#')
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsValidValue(string value)
    {
        if (value.Length > 0 && (IsBlank(value[0]) || IsBlank(value[^1])))
        {
            return false;
        }

        foreach (var c in value)
        {
            if ((char.IsControl(c) && c != '\t') || c == '{')
            {
                return false;
            }
        }

        return true;
    }
}
