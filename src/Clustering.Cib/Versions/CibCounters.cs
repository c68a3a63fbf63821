using System.Xml.Linq;
using Clustering.Cib.Internal;

namespace Clustering.Cib.Versions;

/// <summary>
/// Pacemaker's counter rules, applied after an operation changed a copy of the CIB: a change anywhere under
/// <c>/cib/configuration</c> bumps <c>epoch</c> and resets <c>num_updates</c>; any other change (status, root
/// attributes, the counters themselves) bumps <c>num_updates</c>; no change bumps nothing. Erase and upgrade bump
/// <c>admin_epoch</c> before these rules run.
/// </summary>
public static class CibCounters
{
    /// <summary>What changed between two CIBs, as the counter rules see it.</summary>
    public static CibChangeKind Classify(XElement before, XElement after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (!XmlEquivalence.Equivalent(before.Element("configuration"), after.Element("configuration")))
        {
            return CibChangeKind.Configuration;
        }

        return XmlEquivalence.Equivalent(before, after) ? CibChangeKind.None : CibChangeKind.Other;
    }

    /// <summary>
    /// Applies the rules to <paramref name="after"/> (its counters as the operation left them) given what changed since
    /// <paramref name="before"/>, and returns what changed.
    /// </summary>
    public static CibChangeKind Update(XElement before, XElement after)
    {
        var kind = Classify(before, after);
        var version = CibVersion.Of(after);
        switch (kind)
        {
            case CibChangeKind.Configuration:
                (version with { Epoch = version.Epoch + 1, NumUpdates = 0 }).WriteTo(after);
                break;
            case CibChangeKind.Other:
                (version with { NumUpdates = version.NumUpdates + 1 }).WriteTo(after);
                break;
            default:
                break;
        }

        return kind;
    }
}
