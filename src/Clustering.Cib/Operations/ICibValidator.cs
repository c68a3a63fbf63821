using System.Xml.Linq;

namespace Clustering.Cib.Operations;

/// <summary>
/// Validates a whole CIB before a <see cref="CibStore"/> commits a change. The store calls it on the changed copy
/// whenever <c>validate-with</c> is present and not <c>none</c>; any error refuses the update with
/// <see cref="CibResultCode.SchemaValidation"/> and leaves the CIB untouched.
/// </summary>
public interface ICibValidator
{
    /// <summary>Validates <paramref name="cib"/> against the schema its <c>validate-with</c> names; returns the errors (empty when valid).</summary>
    IReadOnlyList<string> Validate(XDocument cib);
}
