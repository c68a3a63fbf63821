using System.Globalization;
using System.Xml.Linq;

namespace Clustering.Cib.Versions;

/// <summary>
/// The version of a CIB: <c>admin_epoch</c>, <c>epoch</c> and <c>num_updates</c> of its root, compared in that
/// order (the higher tuple is the newer CIB, as Pacemaker decides which node's copy wins).
/// </summary>
/// <param name="AdminEpoch">The administrator's generation; bumped by erase and upgrade.</param>
/// <param name="Epoch">Bumped by every change of the configuration section.</param>
/// <param name="NumUpdates">Bumped by every other change; reset to 0 when <paramref name="Epoch"/> is bumped.</param>
public readonly record struct CibVersion(long AdminEpoch, long Epoch, long NumUpdates) : IComparable<CibVersion>
{
    /// <summary>Reads the three counters of an element (a missing or non-numeric counter reads as 0, as in Pacemaker).</summary>
    public static CibVersion Of(XElement element)
    {
        ArgumentNullException.ThrowIfNull(element);
        return new CibVersion(Read(element, "admin_epoch"), Read(element, "epoch"), Read(element, "num_updates"));
    }

    /// <summary>Writes the three counters onto <paramref name="element"/>.</summary>
    public void WriteTo(XElement element)
    {
        ArgumentNullException.ThrowIfNull(element);
        element.SetAttributeValue("admin_epoch", AdminEpoch.ToString(CultureInfo.InvariantCulture));
        element.SetAttributeValue("epoch", Epoch.ToString(CultureInfo.InvariantCulture));
        element.SetAttributeValue("num_updates", NumUpdates.ToString(CultureInfo.InvariantCulture));
    }

    /// <inheritdoc />
    public int CompareTo(CibVersion other)
    {
        var c = AdminEpoch.CompareTo(other.AdminEpoch);
        if (c != 0)
        {
            return c;
        }

        c = Epoch.CompareTo(other.Epoch);
        return c != 0 ? c : NumUpdates.CompareTo(other.NumUpdates);
    }

    /// <summary>Whether <paramref name="left"/> is older than <paramref name="right"/>.</summary>
    public static bool operator <(CibVersion left, CibVersion right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> is newer than <paramref name="right"/>.</summary>
    public static bool operator >(CibVersion left, CibVersion right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> is not newer than <paramref name="right"/>.</summary>
    public static bool operator <=(CibVersion left, CibVersion right) => left.CompareTo(right) <= 0;

    /// <summary>Whether <paramref name="left"/> is not older than <paramref name="right"/>.</summary>
    public static bool operator >=(CibVersion left, CibVersion right) => left.CompareTo(right) >= 0;

    /// <summary>The version as Pacemaker logs it: <c>admin_epoch.epoch.num_updates</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{AdminEpoch}.{Epoch}.{NumUpdates}");

    private static long Read(XElement element, string name)
        => long.TryParse((string?)element.Attribute(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;
}
