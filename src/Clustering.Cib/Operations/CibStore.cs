using System.Xml.Linq;
using Clustering.Cib.Acl;
using Clustering.Cib.Versions;

namespace Clustering.Cib.Operations;

/// <summary>
/// One CIB and the operations cibadmin has on it: query, create, modify, replace, delete, erase, bump and patch.
/// Every update is all or nothing: it runs on a copy, then the version counters are moved by Pacemaker's rules, the
/// ACLs of the calling user are checked, a version that would go backwards is refused, the result is validated, and
/// only then is the copy swapped in. On any
/// failure the current CIB stays as it was, byte for byte. Calls are serialized; the store is safe to share.
/// </summary>
public sealed partial class CibStore
{
    private readonly Lock _gate = new();
    private readonly CibStoreOptions _options;
    private XDocument _current;

    /// <summary>Creates a store holding a copy of <paramref name="document"/>.</summary>
    /// <exception cref="ArgumentException">The document's root is not <c>cib</c>.</exception>
    public CibStore(CibDocument document, CibStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (document.Root.Name.LocalName != "cib")
        {
            throw new ArgumentException($"the root element is <{document.Root.Name.LocalName}>, not <cib>", nameof(document));
        }

        _current = new XDocument(document.Document);
        _options = options ?? new CibStoreOptions();
    }

    /// <summary>A copy of the current CIB (changing it does not change the store).</summary>
    public CibDocument Document
    {
        get
        {
            lock (_gate)
            {
                return CibDocument.FromXDocument(new XDocument(_current));
            }
        }
    }

    /// <summary>The current version counters.</summary>
    public CibVersion Version
    {
        get
        {
            lock (_gate)
            {
                return CibVersion.Of(_current.Root!);
            }
        }
    }

    /// <summary>Pacemaker's on-disk (v1) MD5 digest of the current CIB, as <c>cibadmin --md5-sum</c> prints for it.</summary>
    public string Md5Digest()
    {
        lock (_gate)
        {
            return CibDigest.Md5(_current.Root!);
        }
    }

    private delegate CibResult Operation(XDocument copy);

    private CibResult Update(string name, CibCallOptions? options, Operation operation, bool manageCounters = true)
    {
        options ??= CibCallOptions.Default;
        lock (_gate)
        {
            var before = _current.Root!;
            var copy = new XDocument(_current);
            CibResult result;
            try
            {
                result = operation(copy);
            }
            catch (System.Xml.XPath.XPathException e)
            {
                result = CibResult.Failure(CibResultCode.NoSuchDeviceOrAddress, $"invalid XPath: {e.Message}");
            }

            if (!result.Succeeded)
            {
                return Refused(name, result);
            }

            if (copy.Root is null || copy.Root.Name.LocalName != "cib")
            {
                return Refused(name, CibResult.Failure(CibResultCode.InvalidArgument, "the update would leave no <cib> root"));
            }

            var access = CibAccess.For(before, options.User, options.Groups);
            if (access.Restricted)
            {
                var denied = access.FirstDeniedChange(before, copy.Root);
                if (denied is not null)
                {
                    return Refused(name, CibResult.Failure(CibResultCode.PermissionDenied, denied, result.Output));
                }
            }

            var change = manageCounters ? CibCounters.Update(before, copy.Root) : CibCounters.Classify(before, copy.Root);
            if (change == CibChangeKind.None)
            {
                return result;
            }

            if (CibVersion.Of(copy.Root) < CibVersion.Of(before))
            {
                return Refused(name, CibResult.Failure(CibResultCode.OldData, $"the version would go backwards: {CibVersion.Of(before)} -> {CibVersion.Of(copy.Root)}"));
            }

            var validateWith = (string?)copy.Root.Attribute("validate-with");
            if (_options.Validator is { } validator && validateWith is not null && validateWith != "none")
            {
                var errors = validator.Validate(copy);
                if (errors.Count > 0)
                {
                    if (_options.Logger is { } log)
                    {
                        CibLog.InvalidUpdate(log, errors[0]);
                    }

                    return Refused(name, CibResult.Invalid(errors));
                }
            }

            var from = CibVersion.Of(before);
            var to = CibVersion.Of(copy.Root);
            if (_options.Logger is { } logger)
            {
                CibLog.Applied(logger, name, from, to, change);
            }

            _current = copy;
            return result;
        }
    }

    private CibResult Refused(string name, CibResult result)
    {
        if (_options.Logger is { } logger)
        {
            CibLog.Refused(logger, name, result.Message, result.Detail);
        }

        return result;
    }
}
