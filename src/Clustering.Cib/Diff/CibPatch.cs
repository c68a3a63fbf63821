using System.Globalization;
using System.Xml.Linq;
using Clustering.Cib.Internal;
using Clustering.Cib.Operations;
using Clustering.Cib.Versions;

namespace Clustering.Cib.Diff;

/// <summary>
/// Diffs and patches in Pacemaker's v2 format, as <c>crm_diff</c> writes them:
/// <c>&lt;diff format="2"&gt;&lt;version&gt;&lt;source .../&gt;&lt;target .../&gt;&lt;/version&gt;</c> followed by
/// <c>&lt;change operation="delete|modify|create|move" path="..."&gt;</c> records. Elements are matched by tag and id;
/// comments are not tracked. Applying follows Pacemaker: deletes and modifies in order (a modify takes the element's
/// attributes from its <c>change-result</c>, or applies the <c>change-list</c> when there is none), then creates and
/// moves by ascending position.
/// </summary>
public static class CibPatch
{
    /// <summary>The patch that turns <paramref name="source"/> into <paramref name="target"/> (two <c>cib</c> roots with the same root tag).</summary>
    /// <exception cref="ArgumentException">The roots have different names.</exception>
    public static XElement Create(XElement source, XElement target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        if (source.Name != target.Name)
        {
            throw new ArgumentException($"cannot diff <{source.Name.LocalName}> against <{target.Name.LocalName}>", nameof(target));
        }

        var diff = new XElement(
            "diff",
            new XAttribute("format", "2"),
            new XElement("version", VersionElement("source", source), VersionElement("target", target)));

        // Work on a copy so that every path is computed on the state the applier will see when it reaches it.
        var work = new XElement(source);
        var pairs = new List<(XElement Work, XElement Target)>();
        var deletes = new List<XElement>();
        var creates = new List<(XElement WorkParent, XElement Target, int Position)>();
        var moves = new List<(XElement Work, int Position)>();
        Match(work, target, pairs, deletes, creates, moves);

        foreach (var gone in deletes.AsEnumerable().Reverse())
        {
            diff.Add(new XElement("change", new XAttribute("operation", "delete"), new XAttribute("path", CibPath.Of(gone))));
            gone.Remove();
        }

        foreach (var (w, t) in pairs)
        {
            var list = new XElement("change-list");
            foreach (var attribute in t.Attributes().Where(a => !a.IsNamespaceDeclaration))
            {
                if ((string?)w.Attribute(attribute.Name) != attribute.Value)
                {
                    list.Add(new XElement("change-attr", new XAttribute("name", attribute.Name.LocalName), new XAttribute("operation", "set"), new XAttribute("value", attribute.Value)));
                }
            }

            foreach (var attribute in w.Attributes().Where(a => !a.IsNamespaceDeclaration && t.Attribute(a.Name) is null))
            {
                list.Add(new XElement("change-attr", new XAttribute("name", attribute.Name.LocalName), new XAttribute("operation", "unset")));
            }

            if (list.HasElements)
            {
                diff.Add(new XElement(
                    "change",
                    new XAttribute("operation", "modify"),
                    new XAttribute("path", CibPath.Of(w)),
                    list,
                    new XElement("change-result", CibXml.Shallow(t))));
                w.ReplaceAttributes(t.Attributes().Select(a => new XAttribute(a)));
            }
        }

        // Creates and moves are resolved before any of them is carried out; a moved element is parked at the end of its
        // parent while the rest are resolved, exactly as the applier does.
        foreach (var item in creates.Select(c => (Kind: "create", Element: c.WorkParent, Target: (XElement?)c.Target, c.Position)).Concat(moves.Select(m => (Kind: "move", Element: m.Work, Target: (XElement?)null, m.Position)))
                     .OrderBy(x => x.Position))
        {
            var change = new XElement(
                "change",
                new XAttribute("operation", item.Kind),
                new XAttribute("path", CibPath.Of(item.Element)),
                new XAttribute("position", item.Position.ToString(CultureInfo.InvariantCulture)));
            if (item.Target is not null)
            {
                change.Add(new XElement(item.Target));
            }
            else
            {
                var parent = item.Element.Parent!;
                item.Element.Remove();
                parent.Add(item.Element);
            }

            diff.Add(change);
        }

        return diff;
    }

    private static XElement VersionElement(string name, XElement cib)
    {
        var version = CibVersion.Of(cib);
        return new XElement(
            name,
            new XAttribute("admin_epoch", version.AdminEpoch.ToString(CultureInfo.InvariantCulture)),
            new XAttribute("epoch", version.Epoch.ToString(CultureInfo.InvariantCulture)),
            new XAttribute("num_updates", version.NumUpdates.ToString(CultureInfo.InvariantCulture)));
    }

    private static void Match(
        XElement work,
        XElement target,
        List<(XElement, XElement)> pairs,
        List<XElement> deletes,
        List<(XElement, XElement, int)> creates,
        List<(XElement, int)> moves)
    {
        // An identical subtree has nothing to say; comparing is much cheaper than matching its children.
        if (XmlEquivalence.Equivalent(work, target))
        {
            return;
        }

        pairs.Add((work, target));
        var oldChildren = work.Elements().ToList();
        var newChildren = target.Elements().ToList();
        var oldByKey = new Dictionary<(XName, string?), Queue<XElement>>();
        foreach (var child in oldChildren)
        {
            var key = (child.Name, CibXml.Id(child));
            if (!oldByKey.TryGetValue(key, out var queue))
            {
                oldByKey[key] = queue = new Queue<XElement>();
            }

            queue.Enqueue(child);
        }

        var matchOf = new Dictionary<XElement, XElement>();
        foreach (var child in newChildren)
        {
            if (oldByKey.TryGetValue((child.Name, CibXml.Id(child)), out var queue) && queue.Count > 0)
            {
                var old = queue.Dequeue();
                if (XmlEquivalence.DirectText(old) == XmlEquivalence.DirectText(child))
                {
                    matchOf[child] = old;
                }
            }
        }

        var matchedOld = new HashSet<XElement>(matchOf.Values);
        foreach (var child in oldChildren)
        {
            if (!matchedOld.Contains(child))
            {
                deletes.Add(child);
            }
        }

        // Survivors in old order and in new order; those whose index differs between the two are moved.
        var survivorsOld = oldChildren.Where(matchedOld.Contains).ToList();
        var survivorsNew = newChildren.Where(matchOf.ContainsKey).Select(c => matchOf[c]).ToList();
        var moved = new HashSet<XElement>();
        for (var i = 0; i < survivorsNew.Count; i++)
        {
            if (survivorsOld[i] != survivorsNew[i])
            {
                moved.Add(survivorsNew[i]);
            }
        }

        for (var position = 0; position < newChildren.Count; position++)
        {
            var child = newChildren[position];
            if (matchOf.TryGetValue(child, out var old))
            {
                if (moved.Contains(old))
                {
                    moves.Add((old, position));
                }

                Match(old, child, pairs, deletes, creates, moves);
            }
            else
            {
                creates.Add((work, child, position));
            }
        }
    }

    /// <summary>
    /// Applies a v2 patch to a copy of <paramref name="cib"/> and returns the result. The CIB must be at the patch's
    /// source version.
    /// </summary>
    /// <exception cref="CibPatchException">
    /// Not a v2 patch (<see cref="CibResultCode.ProtocolNotSupported"/>); a patch that does not move the version or a CIB
    /// newer than its source (<see cref="CibResultCode.OldData"/>); a CIB older than its source
    /// (<see cref="CibResultCode.DiffResync"/>); a change that does not apply (<see cref="CibResultCode.DiffFailed"/>).
    /// </exception>
    public static XElement Apply(XElement cib, XElement patch)
    {
        ArgumentNullException.ThrowIfNull(cib);
        ArgumentNullException.ThrowIfNull(patch);
        if (patch.Name.LocalName != "diff" || (string?)patch.Attribute("format") != "2")
        {
            throw new CibPatchException(CibResultCode.ProtocolNotSupported, $"not a v2 patch: <{patch.Name.LocalName} format=\"{(string?)patch.Attribute("format")}\">");
        }

        var versions = patch.Element("version");
        var sourceElement = versions?.Element("source");
        var targetElement = versions?.Element("target");
        if (sourceElement is null || targetElement is null)
        {
            throw new CibPatchException(CibResultCode.DiffFailed, "the patch has no <version><source/><target/></version>");
        }

        var source = CibVersion.Of(sourceElement);
        var target = CibVersion.Of(targetElement);
        var current = CibVersion.Of(cib);
        if (target <= source)
        {
            throw new CibPatchException(CibResultCode.OldData, $"the patch does not move the version forward ({source} -> {target})");
        }

        if (current < source)
        {
            throw new CibPatchException(CibResultCode.DiffResync, $"the CIB ({current}) is older than the patch's source version {source}");
        }

        if (current > source)
        {
            throw new CibPatchException(CibResultCode.OldData, $"the CIB ({current}) is newer than the patch's source version {source}");
        }

        var result = new XElement(cib);
        var delayed = new List<(XElement Change, XElement Match, int Position, int Order)>();
        var order = 0;
        foreach (var change in patch.Elements("change"))
        {
            var operation = (string?)change.Attribute("operation");
            var path = (string?)change.Attribute("path") ?? throw new CibPatchException(CibResultCode.DiffFailed, "a change has no path");
            var match = CibPath.Resolve(result, path);
            switch (operation)
            {
                case "delete":
                    if (match is not null)
                    {
                        if (match.Parent is null)
                        {
                            throw new CibPatchException(CibResultCode.DiffFailed, "a patch cannot delete the root");
                        }

                        match.Remove();
                    }

                    break;
                case "modify":
                    ApplyModify(change, match ?? throw NoMatch(operation, path));
                    break;
                case "create":
                case "move":
                    if (match is null)
                    {
                        throw NoMatch(operation, path);
                    }

                    if (!int.TryParse((string?)change.Attribute("position"), NumberStyles.None, CultureInfo.InvariantCulture, out var position))
                    {
                        throw new CibPatchException(CibResultCode.DiffFailed, $"{operation} of {path} has no valid position");
                    }

                    if (operation == "move")
                    {
                        if (match.Parent is null)
                        {
                            throw new CibPatchException(CibResultCode.DiffFailed, "a patch cannot move the root");
                        }

                        var parent = match.Parent;
                        match.Remove();
                        parent.Add(match);
                    }
                    else if (!change.HasElements)
                    {
                        throw new CibPatchException(CibResultCode.DiffFailed, $"create at {path} carries no element");
                    }

                    delayed.Add((change, match, position, order++));
                    break;
                default:
                    throw new CibPatchException(CibResultCode.DiffFailed, $"unknown change operation '{operation}' at {path}");
            }
        }

        foreach (var (change, match, position, _) in delayed.OrderBy(d => d.Position).ThenBy(d => d.Order))
        {
            XElement node;
            XElement parent;
            if ((string?)change.Attribute("operation") == "create")
            {
                node = new XElement(change.Elements().First());
                parent = match;
            }
            else
            {
                node = match;
                parent = match.Parent!;
                match.Remove();
            }

            var anchor = parent.Elements().ElementAtOrDefault(position);
            if (anchor is null)
            {
                parent.Add(node);
            }
            else
            {
                anchor.AddBeforeSelf(node);
            }
        }

        return result;
    }

    private static void ApplyModify(XElement change, XElement match)
    {
        // Pacemaker takes the element's attributes from change-result (all of them replace the old ones); a patch of
        // our own always carries it. Without it, the change-list is applied instead.
        if (change.Element("change-result")?.Elements().FirstOrDefault() is { } resultElement)
        {
            match.ReplaceAttributes(resultElement.Attributes().Where(a => !a.IsNamespaceDeclaration).Select(a => new XAttribute(a)));
            return;
        }

        var list = change.Element("change-list");
        if (list is null)
        {
            throw new CibPatchException(CibResultCode.DiffFailed, $"modify of {(string?)change.Attribute("path")} has no change-list");
        }

        foreach (var attr in list.Elements("change-attr"))
        {
            var name = (string?)attr.Attribute("name");
            if (string.IsNullOrEmpty(name))
            {
                throw new CibPatchException(CibResultCode.DiffFailed, "a change-attr has no name");
            }

            switch ((string?)attr.Attribute("operation"))
            {
                case "set":
                    match.SetAttributeValue(name, (string?)attr.Attribute("value") ?? "");
                    break;
                case "unset":
                    match.SetAttributeValue(name, null);
                    break;
                default:
                    throw new CibPatchException(CibResultCode.DiffFailed, $"unknown change-attr operation '{(string?)attr.Attribute("operation")}'");
            }
        }
    }

    private static CibPatchException NoMatch(string operation, string path)
        => new(CibResultCode.DiffFailed, $"no element for {operation} at {path}");
}
