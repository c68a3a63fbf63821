using System.Xml.Linq;
using Clustering.Cib.Operations;
using Clustering.Cib.Validation;
using Clustering.TestSupport;

namespace Clustering.Cib.Tests;

/// <summary>The store's updates validated by our engine over the installed Pacemaker schemas.</summary>
[Category("Conformance")]
public sealed class SchemaValidatedStoreTests
{
    private static CibStore Store()
    {
        if (!Directory.Exists(CibSchemaSetOptions.DefaultDirectory))
        {
            RealTools.Unavailable("Pacemaker's schemas are not installed (pacemaker-cli-utils)");
        }

        var cib = CibDocument.Load(Path.Combine(TestContext.CurrentContext.TestDirectory, "Corpus", "cluster-1.2.xml"));
        return new CibStore(cib, new CibStoreOptions { Validator = new CibSchemaValidator(CibSchemaSet.Open()) });
    }

    [Test]
    public void Moving_validate_with_to_a_schema_the_cib_satisfies_is_accepted()
    {
        var store = Store();
        var result = store.Modify(XElement.Parse("<cib validate-with='pacemaker-2.0'/>"));
        Assert.That(result.Code, Is.EqualTo(CibResultCode.Ok), string.Join(Environment.NewLine, result.ValidationErrors));
        Assert.That(store.Document.ValidateWith, Is.EqualTo("pacemaker-2.0"));
    }

    [Test]
    public void Moving_validate_with_to_a_schema_the_cib_does_not_satisfy_is_refused_and_changes_nothing()
    {
        var store = Store();
        var before = store.Document.ToXmlString();
        var result = store.Modify(XElement.Parse("<cib validate-with='pacemaker-1.0'/>"));
        Assert.That(result.Code, Is.EqualTo(CibResultCode.SchemaValidation));
        Assert.That(result.ValidationErrors, Is.Not.Empty);
        Assert.That(result.ValidationErrors[0], Does.Contain("/cib/configuration/nodes/node[@id='1']"));
        Assert.That(store.Document.ToXmlString(), Is.EqualTo(before));
    }

    [Test]
    public void An_update_that_breaks_the_schema_is_refused_with_our_messages()
    {
        var store = Store();
        var result = store.Modify(XElement.Parse("<rsc_order id='ord-vip-web' kind='Sometimes'/>"));
        Assert.That(result.Code, Is.EqualTo(CibResultCode.SchemaValidation));
        Assert.That(result.ValidationErrors[0], Does.Contain("attribute kind has an invalid value 'Sometimes'"));
    }
}
