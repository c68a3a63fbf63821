using System.Globalization;

namespace Clustering.Cib.Model;

/// <summary>
/// A Pacemaker score: an integer between <c>-INFINITY</c> and <c>+INFINITY</c>, where INFINITY is 1 000 000.
/// Parsed the way Pacemaker's <c>char2score</c> does: <c>INFINITY</c> and <c>+INFINITY</c> are 1 000 000,
/// <c>-INFINITY</c> is -1 000 000, the health words <c>red</c> (-INFINITY), <c>yellow</c> and <c>green</c> (0) use
/// Pacemaker's default node-score values, and numbers beyond the range are clamped to it.
/// </summary>
public readonly record struct CibScore : IComparable<CibScore>
{
    /// <summary>The number Pacemaker uses for INFINITY.</summary>
    public const int InfinityValue = 1_000_000;

    /// <summary>Creates a score, clamped to ±<see cref="InfinityValue"/>.</summary>
    public CibScore(long value) => Value = (int)Math.Clamp(value, -InfinityValue, InfinityValue);

    /// <summary><c>+INFINITY</c>.</summary>
    public static CibScore Infinity => new(InfinityValue);

    /// <summary><c>-INFINITY</c>.</summary>
    public static CibScore MinusInfinity => new(-InfinityValue);

    /// <summary>The clamped value.</summary>
    public int Value { get; }

    /// <summary>Whether the score is <c>+INFINITY</c>.</summary>
    public bool IsInfinity => Value == InfinityValue;

    /// <summary>Whether the score is <c>-INFINITY</c>.</summary>
    public bool IsMinusInfinity => Value == -InfinityValue;

    /// <summary>Parses a score, throwing on text that is not one.</summary>
    /// <exception cref="FormatException">The text is neither an INFINITY word, a health word nor an integer.</exception>
    public static CibScore Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var score) ? score : throw new FormatException($"'{text}' is not a score (an integer, INFINITY, +INFINITY or -INFINITY)");
    }

    /// <summary>Parses a score; <see langword="false"/> when the text is not one.</summary>
    public static bool TryParse(string? text, out CibScore score)
    {
        score = default;
        if (text is null)
        {
            return false;
        }

        var t = text.Trim();
        switch (t.ToUpperInvariant())
        {
            case "INFINITY" or "+INFINITY":
                score = Infinity;
                return true;
            case "-INFINITY":
                score = MinusInfinity;
                return true;
            case "RED":
                score = MinusInfinity;
                return true;
            case "YELLOW" or "GREEN":
                score = new CibScore(0);
                return true;
        }

        if (t.Length == 0 || t.Length > 40)
        {
            return false;
        }

        var digits = t[0] is '+' or '-' ? t[1..] : t;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit))
        {
            return false;
        }

        var negative = t[0] == '-';
        var trimmed = digits.TrimStart('0');
        if (trimmed.Length > 7)
        {
            score = negative ? MinusInfinity : Infinity;
            return true;
        }

        var magnitude = trimmed.Length == 0 ? 0 : long.Parse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture);
        score = new CibScore(negative ? -magnitude : magnitude);
        return true;
    }

    /// <inheritdoc />
    public int CompareTo(CibScore other) => Value.CompareTo(other.Value);

    /// <summary>Whether <paramref name="left"/> is lower.</summary>
    public static bool operator <(CibScore left, CibScore right) => left.Value < right.Value;

    /// <summary>Whether <paramref name="left"/> is higher.</summary>
    public static bool operator >(CibScore left, CibScore right) => left.Value > right.Value;

    /// <summary>Whether <paramref name="left"/> is lower or equal.</summary>
    public static bool operator <=(CibScore left, CibScore right) => left.Value <= right.Value;

    /// <summary>Whether <paramref name="left"/> is higher or equal.</summary>
    public static bool operator >=(CibScore left, CibScore right) => left.Value >= right.Value;

    /// <summary>The score as Pacemaker writes it: <c>INFINITY</c>, <c>-INFINITY</c> or the integer.</summary>
    public override string ToString() => Value switch
    {
        InfinityValue => "INFINITY",
        -InfinityValue => "-INFINITY",
        _ => Value.ToString(CultureInfo.InvariantCulture),
    };
}
