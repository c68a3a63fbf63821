using System.Xml.Linq;
using Clustering.Cib.Diff;
using Clustering.Cib.Internal;
using Clustering.Cib.Upgrade;
using Clustering.Cib.Versions;

namespace Clustering.Cib.Operations;

public sealed partial class CibStore
{
    /// <summary>
    /// <c>cibadmin --create</c>: adds <paramref name="input"/> under the scope section (or each of its children when it is
    /// the section element itself). A direct child with the same tag and id is <see cref="CibResultCode.AlreadyExists"/>
    /// with a <c>&lt;failed&gt;</c> answer. Without a scope the create is a modify, as in Pacemaker. With an XPath, a copy
    /// is added under the first match.
    /// </summary>
    public CibResult Create(XElement input, CibCallOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        options ??= CibCallOptions.Default;
        if (options.XPath is { } xpath)
        {
            return Update("create", options, copy =>
            {
                var match = Select(copy, xpath).FirstOrDefault();
                if (match is null)
                {
                    return CibResult.Failure(CibResultCode.NoSuchDeviceOrAddress, $"nothing matches '{xpath}'");
                }

                match.Add(new XElement(input));
                return CibResult.Success();
            });
        }

        var scope = options.Scope;
        if (scope is null or "all" or "cib" || input.Name.LocalName == "cib")
        {
            return Modify(input, options with { Scope = null });
        }

        return Update("create", options, copy =>
        {
            var section = CibSections.Find(copy.Root!, scope);
            if (section is null)
            {
                return CibResult.Failure(CibResultCode.InvalidArgument, $"the CIB has no {scope} section to create in");
            }

            var items = string.Equals(input.Name.LocalName, scope, StringComparison.OrdinalIgnoreCase) ? input.Elements().ToList() : [input];
            foreach (var item in items)
            {
                var id = CibXml.Id(item);
                var existing = id is null ? section.Element(item.Name) : section.Elements(item.Name).FirstOrDefault(e => CibXml.Id(e) == id);
                if (existing is not null)
                {
                    var failed = new XElement(
                        "failed",
                        new XElement(
                            "failed_update",
                            id is null ? null : new XAttribute("id", id),
                            new XAttribute("object_type", item.Name.LocalName),
                            new XAttribute("operation", "cib_create"),
                            new XAttribute("reason", CibResults.Describe(CibResultCode.AlreadyExists)),
                            new XElement(item)));
                    return CibResult.Failure(CibResultCode.AlreadyExists, $"<{item.Name.LocalName} id=\"{id}\"> exists in {scope}", failed);
                }

                section.Add(new XElement(item));
            }

            return CibResult.Success();
        });
    }

    /// <summary>
    /// <c>cibadmin --modify</c>: merges <paramref name="input"/> into the first element, depth first from the scope
    /// section (created when missing), with the same tag and id: attributes are set (with <c>name++</c> and
    /// <c>name+=N</c> expanded), children merged by tag and id and created when missing; nothing is deleted. No match is
    /// <see cref="CibResultCode.NoSuchDeviceOrAddress"/> unless <see cref="CibCallOptions.AllowCreate"/>, which adds the
    /// input under the scope. With an XPath, the input is merged at the first match.
    /// </summary>
    public CibResult Modify(XElement input, CibCallOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        options ??= CibCallOptions.Default;
        return Update("modify", options, copy =>
        {
            if (options.XPath is { } xpath)
            {
                var matches = Select(copy, xpath);
                if (matches.Count == 0)
                {
                    return CibResult.Failure(CibResultCode.NoSuchDeviceOrAddress, $"nothing matches '{xpath}'");
                }

                return CibXml.MergeFirstMatch(matches[0], input)
                    ? CibResult.Success()
                    : CibResult.Failure(CibResultCode.NoSuchDeviceOrAddress, $"no <{input.Name.LocalName}> with id '{CibXml.Id(input)}' at '{xpath}'");
            }

            var root = CibSections.FindOrCreate(copy.Root!, options.Scope);
            if (CibXml.MergeFirstMatch(root, input))
            {
                return CibResult.Success();
            }

            if (options.AllowCreate)
            {
                root.Add(new XElement(input));
                return CibResult.Success();
            }

            return CibResult.Failure(CibResultCode.NoSuchDeviceOrAddress, $"no <{input.Name.LocalName}> with id '{CibXml.Id(input)}' in {options.Scope ?? "the CIB"}");
        });
    }

    /// <summary>
    /// <c>cibadmin --replace</c>: a <c>&lt;cib&gt;</c> input replaces the whole CIB unless its version is older
    /// (<see cref="CibResultCode.OldData"/>); any other input replaces the first element, depth first under the scope,
    /// with its tag and id (no match: <see cref="CibResultCode.NoSuchDeviceOrAddress"/>). With an XPath, the first match
    /// is replaced.
    /// </summary>
    public CibResult Replace(XElement input, CibCallOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        options ??= CibCallOptions.Default;
        return Update("replace", options, copy =>
        {
            if (options.XPath is { } xpath)
            {
                var match = Select(copy, xpath).FirstOrDefault();
                if (match is null)
                {
                    return CibResult.Failure(CibResultCode.NoSuchDeviceOrAddress, $"nothing matches '{xpath}'");
                }

                if (match.Parent is null)
                {
                    copy.Root!.ReplaceWith(new XElement(input));
                }
                else
                {
                    match.ReplaceWith(new XElement(input));
                }

                return CibResult.Success();
            }

            if (string.Equals(input.Name.LocalName, "cib", StringComparison.OrdinalIgnoreCase))
            {
                var current = CibVersion.Of(copy.Root!);
                var replacement = CibVersion.Of(input);
                if (replacement < current)
                {
                    return CibResult.Failure(CibResultCode.OldData, $"replacement version {replacement} is older than {current}");
                }

                copy.Root!.ReplaceWith(new XElement(input));
                return CibResult.Success();
            }

            var scope = string.Equals(input.Name.LocalName, options.Scope, StringComparison.OrdinalIgnoreCase) ? null : options.Scope;
            var root = CibSections.Find(copy.Root!, scope);
            if (root is null)
            {
                return CibResult.Failure(CibResultCode.NoSuchDeviceOrAddress, $"the CIB has no {scope} section");
            }

            return CibXml.ReplaceOrDeleteFirst(root, input, deleteOnly: false)
                ? CibResult.Success()
                : CibResult.Failure(CibResultCode.NoSuchDeviceOrAddress, $"no <{input.Name.LocalName}> with id '{CibXml.Id(input)}' to replace");
        });
    }

    /// <summary>
    /// <c>cibadmin --delete</c>: removes the first element under the scope whose tag matches and whose every given
    /// attribute equals (case-insensitively) the input's. No match is still a success and changes nothing, as in
    /// Pacemaker. With an XPath (and a <see langword="null"/> input) the first match is removed.
    /// </summary>
    public CibResult Delete(XElement? input, CibCallOptions? options = null)
    {
        options ??= CibCallOptions.Default;
        if (options.XPath is not null)
        {
            return DeleteByXPath(options, all: false);
        }

        ArgumentNullException.ThrowIfNull(input);
        return Update("delete", options, copy =>
        {
            var root = CibSections.Find(copy.Root!, options.Scope);
            if (root is null)
            {
                return CibResult.Success();
            }

            var items = string.Equals(input.Name.LocalName, options.Scope, StringComparison.OrdinalIgnoreCase) ? input.Elements().ToList() : [input];
            foreach (var item in items)
            {
                CibXml.ReplaceOrDeleteFirst(root, item, deleteOnly: true);
            }

            return CibResult.Success();
        });
    }

    /// <summary><c>cibadmin --delete-all --xpath</c>: removes every element the XPath selects (none is a success). The root cannot be deleted (<see cref="CibResultCode.InvalidArgument"/>).</summary>
    public CibResult DeleteAll(CibCallOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.XPath is null)
        {
            return CibResult.Failure(CibResultCode.InvalidArgument, "delete-all needs an XPath");
        }

        return DeleteByXPath(options, all: true);
    }

    private CibResult DeleteByXPath(CibCallOptions options, bool all) => Update(all ? "delete-all" : "delete", options, copy =>
    {
        var matches = Select(copy, options.XPath!);
        foreach (var match in all ? matches : matches.Take(1))
        {
            if (match.Parent is null)
            {
                return CibResult.Failure(CibResultCode.InvalidArgument, $"'{options.XPath}' addresses the whole /cib");
            }

            match.Remove();
        }

        return CibResult.Success();
    });

    /// <summary>
    /// <c>cibadmin --erase</c>: an empty CIB (<c>configuration</c> with <c>crm_config</c>, <c>nodes</c>,
    /// <c>resources</c>, <c>constraints</c>, and <c>status</c>) keeping the root's attributes, with <c>admin_epoch</c>+1.
    /// </summary>
    public CibResult Erase(CibCallOptions? options = null) => Update("erase", options, copy =>
    {
        var root = copy.Root!;
        var version = CibVersion.Of(root);
        root.RemoveNodes();
        root.Add(
            new XElement("configuration", new XElement("crm_config"), new XElement("nodes"), new XElement("resources"), new XElement("constraints")),
            new XElement("status"));
        (version with { AdminEpoch = version.AdminEpoch + 1 }).WriteTo(root);
        return CibResult.Success();
    });

    /// <summary>
    /// <c>cibadmin --upgrade</c>: moves the CIB to the newest schema it can reach with <paramref name="upgrader"/>
    /// (checks along pacemaker-1.x, Pacemaker's transforms beyond). The upgrader sets the counters (admin_epoch + 1,
    /// epoch and num_updates 0); a CIB already at its newest schema is left as it is. A CIB that breaks its own schema,
    /// or names an unknown one, is refused with the upgrader's result code.
    /// </summary>
    public CibResult Upgrade(CibUpgrader upgrader, CibCallOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(upgrader);
        return Update(
            "upgrade",
            options,
            copy =>
            {
                try
                {
                    var result = upgrader.Upgrade(copy);
                    if (result.Upgraded)
                    {
                        copy.Root!.ReplaceWith(new XElement(result.Document.Root!));
                    }

                    return CibResult.Success();
                }
                catch (CibUpgradeException e)
                {
                    return CibResult.Failure(e.Code, e.Message);
                }
            },
            manageCounters: false);
    }

    /// <summary><c>cibadmin --bump</c>: <c>epoch</c>+1 on the root (a root change, so <c>num_updates</c> moves too, as in Pacemaker).</summary>
    public CibResult Bump(CibCallOptions? options = null) => Update("bump", options, copy =>
    {
        var version = CibVersion.Of(copy.Root!);
        (version with { Epoch = version.Epoch + 1 }).WriteTo(copy.Root!);
        return CibResult.Success();
    });

    /// <summary>
    /// Applies a v2 patch (<see cref="CibPatch"/>) as replication does: the CIB must be at the patch's source version
    /// (older: <see cref="CibResultCode.DiffResync"/>; newer: <see cref="CibResultCode.OldData"/>) and ends at exactly
    /// its target version (written even when the patch carries no change of the root's counters); the counters are not
    /// moved again.
    /// </summary>
    public CibResult ApplyPatch(XElement patch, CibCallOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(patch);
        return Update(
            "apply-patch",
            options,
            copy =>
            {
                try
                {
                    var patched = CibPatch.Apply(copy.Root!, patch);
                    CibVersion.Of(patch.Element("version")!.Element("target")!).WriteTo(patched);
                    copy.Root!.ReplaceWith(patched);
                    return CibResult.Success();
                }
                catch (CibPatchException e)
                {
                    return CibResult.Failure(e.Code, e.Message);
                }
            },
            manageCounters: false);
    }
}
