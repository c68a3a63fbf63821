using System.Globalization;
using System.Xml.Linq;

namespace Clustering.Cib;

/// <summary>What an update changed, which decides how the version counters move.</summary>
public enum CibChange
{
    /// <summary>Nothing changed: no counter moves.</summary>
    None,

    /// <summary>Something under <c>/cib/configuration</c> was created, modified or deleted.</summary>
    Configuration,

    /// <summary>Anything else changed (status, attributes of <c>cib</c>).</summary>
    Other,
}

/// <summary>
/// The version of a CIB: <c>admin_epoch</c>, <c>epoch</c>, <c>num_updates</c>, compared in that order (the higher
/// tuple is newer), with Pacemaker's rules for moving them. See docs/cib.md for the table.
/// </summary>
/// <param name="AdminEpoch">The administrator's generation; only erase and upgrade move it.</param>
/// <param name="Epoch">Bumped by every configuration change.</param>
/// <param name="NumUpdates">Bumped by every other change; reset when <paramref name="Epoch"/> moves.</param>
public readonly record struct CibVersion(long AdminEpoch, long Epoch, long NumUpdates) : IComparable<CibVersion>
{
    /// <summary>Reads the counters of a CIB root; a missing or non-numeric counter reads as 0, as Pacemaker treats it.</summary>
    public static CibVersion Read(XElement root)
    {
        ArgumentNullException.ThrowIfNull(root);
        return new CibVersion(Counter(root, "admin_epoch"), Counter(root, "epoch"), Counter(root, "num_updates"));
    }

    /// <summary>Compares admin_epoch, then epoch, then num_updates.</summary>
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

    /// <summary>Whether <paramref name="left"/> is older.</summary>
    public static bool operator <(CibVersion left, CibVersion right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> is newer.</summary>
    public static bool operator >(CibVersion left, CibVersion right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> is older or the same.</summary>
    public static bool operator <=(CibVersion left, CibVersion right) => left.CompareTo(right) <= 0;

    /// <summary>Whether <paramref name="left"/> is newer or the same.</summary>
    public static bool operator >=(CibVersion left, CibVersion right) => left.CompareTo(right) >= 0;

    /// <summary>The version after an update: a configuration change bumps epoch and resets num_updates, any other change bumps num_updates.</summary>
    public CibVersion After(CibChange change) => change switch
    {
        CibChange.None => this,
        CibChange.Configuration => this with { Epoch = Epoch + 1, NumUpdates = 0 },
        CibChange.Other => this with { NumUpdates = NumUpdates + 1 },
        _ => throw new ArgumentOutOfRangeException(nameof(change), change, "unknown change kind"),
    };

    /// <summary><c>cibadmin --bump</c>: epoch + 1 on the cib tag, which is not a configuration change, so num_updates + 1 too.</summary>
    public CibVersion Bump() => this with { Epoch = Epoch + 1, NumUpdates = NumUpdates + 1 };

    /// <summary><c>cibadmin --erase</c>: admin_epoch + 1, and num_updates + 1 for the change itself.</summary>
    public CibVersion Erase() => this with { AdminEpoch = AdminEpoch + 1, NumUpdates = NumUpdates + 1 };

    /// <summary>
    /// <c>cibadmin --upgrade</c>: admin_epoch + 1 with epoch and num_updates reset to 1, then the usual rule for what the
    /// upgrade changed (the configuration, or only <c>validate-with</c>).
    /// </summary>
    public CibVersion Upgrade(bool configurationChanged)
        => new CibVersion(AdminEpoch + 1, 1, 1).After(configurationChanged ? CibChange.Configuration : CibChange.Other);

    /// <summary>Writes the counters onto a CIB root.</summary>
    public void WriteTo(XElement root)
    {
        ArgumentNullException.ThrowIfNull(root);
        root.SetAttributeValue("admin_epoch", AdminEpoch.ToString(CultureInfo.InvariantCulture));
        root.SetAttributeValue("epoch", Epoch.ToString(CultureInfo.InvariantCulture));
        root.SetAttributeValue("num_updates", NumUpdates.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The version as Pacemaker prints it: <c>admin_epoch.epoch.num_updates</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{AdminEpoch}.{Epoch}.{NumUpdates}");

    private static long Counter(XElement root, string name)
        => long.TryParse((string?)root.Attribute(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;
}
