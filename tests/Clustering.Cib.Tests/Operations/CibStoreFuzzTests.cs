using System.Xml.Linq;
using Clustering.Cib.Diff;
using Clustering.Cib.Operations;
using Clustering.Cib.Tests.Diff;

namespace Clustering.Cib.Tests.Operations;

public sealed class CibStoreFuzzTests
{
    private static readonly string?[] Scopes = [null, "configuration", "resources", "nodes", "constraints", "crm_config", "status", "rsc_defaults", "acls", "bogus", "all"];
    private static readonly string?[] XPaths = [null, null, null, "//primitive", "//nvpair", "/cib", "/cib/configuration/*", "//*[@id='id3']", "count(//x)", "//[", "//x:y", "//@id"];
    private static readonly string?[] Users = [null, null, null, "root", "alice", "nobody"];

    private sealed class RefuseGroups : ICibValidator
    {
        public IReadOnlyList<string> Validate(XDocument cib) => cib.Descendants("group").Count() > 6 ? ["too many groups"] : [];
    }

    /// <summary>
    /// Random operations with random inputs, scopes, XPaths and users never throw, and each either succeeds or leaves
    /// the CIB byte-identical; a success that changed the document always moved the version forward.
    /// </summary>
    [Test]
    public void Random_updates_only_return_typed_results_and_are_all_or_nothing()
    {
        var random = new Random(424242);
        var trees = new RandomCib(99);
        var seedCib = trees.Cib();
        seedCib.Element("configuration")!.Element("crm_config")!.Add(XElement.Parse("""<cluster_property_set id="acl-opts"><nvpair id="acl-on" name="enable-acl" value="true"/></cluster_property_set>"""));
        seedCib.Element("configuration")!.Add(XElement.Parse("""<acls><acl_target id="alice"><role id="w"/></acl_target><acl_role id="w"><acl_permission id="w1" kind="write" xpath="/cib/configuration/resources"/><acl_permission id="w2" kind="deny" object-type="primitive"/></acl_role></acls>"""));
        var store = new CibStore(CibDocument.FromXDocument(new XDocument(seedCib)), new CibStoreOptions { Validator = new RefuseGroups() });
        var outcomes = new Dictionary<CibResultCode, int>();

        for (var i = 0; i < 2000; i++)
        {
            var before = store.Document.ToXmlString();
            var version = store.Version;
            var options = new CibCallOptions
            {
                Scope = Scopes[random.Next(Scopes.Length)],
                XPath = XPaths[random.Next(XPaths.Length)],
                AllowCreate = random.Next(2) == 0,
                NoChildren = random.Next(2) == 0,
                User = Users[random.Next(Users.Length)],
            };
            var input = RandomInput(random, trees, store);
            var result = random.Next(10) switch
            {
                0 => store.Create(input, options),
                1 or 2 => store.Modify(input, options),
                3 => store.Replace(input, options),
                4 => store.Delete(options.XPath is null ? input : null, options),
                5 => store.DeleteAll(options),
                6 => store.Query(options),
                7 => store.Bump(options),
                8 => store.Erase(options with { User = options.User ?? "nobody" }),
                _ => store.ApplyPatch(CibPatch.Create(store.Document.Root, trees.Edit(store.Document.Root)), options),
            };
            outcomes[result.Code] = outcomes.GetValueOrDefault(result.Code) + 1;
            var after = store.Document.ToXmlString();
            if (!result.Succeeded)
            {
                Assert.That(after, Is.EqualTo(before), $"step {i}: {result} changed the CIB");
            }
            else if (after != before)
            {
                Assert.That(store.Version, Is.GreaterThan(version), $"step {i}: a change without a newer version");
            }
        }

        Assert.That(outcomes.Keys, Is.SupersetOf(new[] { CibResultCode.Ok, CibResultCode.NoSuchDeviceOrAddress, CibResultCode.PermissionDenied, CibResultCode.SchemaValidation }), string.Join(", ", outcomes));
    }

    private static XElement RandomInput(Random random, RandomCib trees, CibStore store)
    {
        var existing = store.Document.Root.Descendants().ToList();
        switch (random.Next(4))
        {
            case 0 when existing.Count > 0:
                var copy = new XElement(existing[random.Next(existing.Count)]);
                copy.SetAttributeValue("value", random.Next(3) == 0 ? "value++" : "v" + random.Next(9));
                return copy;
            case 1:
                return new XElement("group", new XAttribute("id", "g" + random.Next(20)), new XElement("primitive", new XAttribute("id", "gp" + random.Next(20))));
            case 2:
                return new XElement(new[] { "cib", "resources", "status", "nvpair" }[random.Next(4)], new XAttribute("epoch", random.Next(3) == 0 ? "epoch++" : random.Next(100).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            default:
                return trees.Edit(trees.Cib()).Descendants().Skip(random.Next(5)).First();
        }
    }
}
