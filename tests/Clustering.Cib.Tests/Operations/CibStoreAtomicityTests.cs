using System.Xml.Linq;
using Clustering.Cib.Operations;
using static Clustering.Cib.Tests.Operations.SampleCib;

namespace Clustering.Cib.Tests.Operations;

public sealed class CibStoreAtomicityTests
{
    /// <summary>A validator that refuses any CIB with a primitive of class "bogus", and counts its calls.</summary>
    private sealed class FakeValidator : ICibValidator
    {
        public int Calls { get; private set; }

        public IReadOnlyList<string> Validate(XDocument cib)
        {
            Calls++;
            return cib.Descendants("primitive").Any(p => (string?)p.Attribute("class") == "bogus")
                ? ["element primitive: attribute class: value 'bogus' is not one of ocf, lsb, stonith"]
                : [];
        }
    }

    [Test]
    public void An_update_the_validator_refuses_is_schema_validation_and_leaves_the_cib_byte_identical()
    {
        var validator = new FakeValidator();
        var store = Store(new CibStoreOptions { Validator = validator });
        var before = Text(store);
        var result = store.Modify(X("""<primitive id="r1" class="bogus"/>"""));
        Assert.That(result.Code, Is.EqualTo(CibResultCode.SchemaValidation));
        Assert.That(result.Message, Is.EqualTo("Update does not conform to the configured schema"));
        Assert.That((int)result.ExitCode, Is.EqualTo(78));
        Assert.That(result.ValidationErrors, Has.Count.EqualTo(1));
        Assert.That(Text(store), Is.EqualTo(before));
        Assert.That(validator.Calls, Is.EqualTo(1));
    }

    [Test]
    public void A_valid_update_passes_the_validator()
    {
        var validator = new FakeValidator();
        var store = Store(new CibStoreOptions { Validator = validator });
        Assert.That(store.Modify(X("""<primitive id="r1" class="lsb"/>""")).Succeeded, Is.True);
        Assert.That(validator.Calls, Is.EqualTo(1));
    }

    [Test]
    public void Validate_with_none_skips_the_validator()
    {
        var validator = new FakeValidator();
        var store = Store(new CibStoreOptions { Validator = validator });
        Assert.That(store.Modify(X("""<cib validate-with="none"/>""")).Succeeded, Is.True);
        Assert.That(store.Modify(X("""<primitive id="r1" class="bogus"/>""")).Succeeded, Is.True);
        Assert.That(validator.Calls, Is.Zero);
    }

    [Test]
    public void An_update_that_changes_nothing_is_not_validated()
    {
        var validator = new FakeValidator();
        var store = Store(new CibStoreOptions { Validator = validator });
        store.Delete(X("""<primitive id="none"/>"""));
        Assert.That(validator.Calls, Is.Zero);
    }

    [Test]
    public void Every_failing_operation_leaves_the_cib_byte_identical()
    {
        var store = Store(new CibStoreOptions { Validator = new FakeValidator() });
        store.Modify(X("""<nvpair id="opts-a" value="2"/>"""));
        var before = Text(store);
        var digest = store.Md5Digest();
        CibResult[] failures =
        [
            store.Create(X("""<primitive id="r1"/>"""), new CibCallOptions { Scope = "resources" }),
            store.Create(X("""<resources><primitive id="new" class="ocf" provider="p" type="t"/><primitive id="r1"/></resources>"""), new CibCallOptions { Scope = "resources" }),
            store.Modify(X("""<primitive id="zz"/>""")),
            store.Modify(X("""<primitive id="r1" class="bogus"><meta_attributes id="r1-meta"><nvpair id="r1-meta-role" value="value++"/></meta_attributes></primitive>""")),
            store.Replace(X("""<primitive id="zz"/>""")),
            store.Replace(X("""<cib admin_epoch="0" epoch="0" num_updates="0"/>""")),
            store.DeleteAll(new CibCallOptions { XPath = "/cib" }),
            store.Query(new CibCallOptions { XPath = "//nothing" }),
            store.ApplyPatch(X("""<diff format="2"><version><source admin_epoch="9" epoch="0" num_updates="0"/><target admin_epoch="9" epoch="1" num_updates="0"/></version></diff>""")),
        ];
        Assert.That(failures.Select(f => f.Succeeded), Is.All.False);
        Assert.That(Text(store), Is.EqualTo(before));
        Assert.That(store.Md5Digest(), Is.EqualTo(digest));
    }

    [Test]
    public void A_create_that_fails_on_its_second_child_keeps_not_even_the_first()
    {
        var store = Store();
        var result = store.Create(X("""<resources><primitive id="new" class="ocf" provider="p" type="t"/><primitive id="r1"/></resources>"""), new CibCallOptions { Scope = "resources" });
        Assert.That(result.Code, Is.EqualTo(CibResultCode.AlreadyExists));
        Assert.That(store.Document.Root.Descendants("primitive").Select(p => (string?)p.Attribute("id")), Is.EqualTo(new[] { "r1" }));
    }
}
