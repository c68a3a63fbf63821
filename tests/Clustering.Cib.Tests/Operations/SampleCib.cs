using System.Xml.Linq;
using Clustering.Cib.Operations;
using Clustering.TestSupport;

namespace Clustering.Cib.Tests.Operations;

/// <summary>The small CIB of <see cref="SampleCibs"/> and helpers for operation tests.</summary>
internal static class SampleCib
{
    public const string Xml = SampleCibs.Small;

    public static CibStore Store(CibStoreOptions? options = null) => new(CibDocument.Parse(Xml), options);

    public static XElement X(string xml) => XElement.Parse(xml);

    public static string Text(CibStore store) => store.Document.ToXmlString();
}
