using System.Runtime.InteropServices;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Clustering.Cib.Scanning;

namespace Clustering.Cib.Validation;

/// <summary>
/// The walk over our own <see cref="Utf8XmlScanner"/>: the same steps as over an <see cref="XmlReader"/>
/// (<c>RelaxNgValidator.Walk.cs</c>), with the scanner's atomised names and its line information.
/// </summary>
internal sealed partial class RelaxNgValidator
{
    /// <summary>The name of an <c>id</c> attribute without a prefix (XNames are atomised: compared by reference).</summary>
    private static readonly XName IdName = XName.Get("id");

    /// <summary>The scanner of a scanned document (plain attribute values are ranges of its bytes).</summary>
    private Utf8XmlScanner? _scanner;

    /// <summary>Validates the root element the scanner is on (or before).</summary>
    /// <exception cref="XmlScanGaveUpException">The scanner gave up: validate again from an <see cref="XmlReader"/>.</exception>
    public RelaxNgValidationResult Validate(Utf8XmlScanner scanner)
    {
        scanner.MoveToContent();
        _scanner = scanner;
        _ids.Source = scanner.Data;
        var root = new Where(null, null, scanner.LineNumber, scanner.LinePosition);
        var after = ReadElement(new ScannerSource(scanner), _start);
        return Finish(after, root);
    }

    /// <summary>The scanner side of the shared walk.</summary>
    private readonly struct ScannerSource(Utf8XmlScanner scanner) : IWalkSource
    {
        public XmlNodeType NodeType => scanner.NodeType;

        public bool IsEmptyElement => scanner.IsEmptyElement;

        public (int Line, int Position) Position() => (scanner.LineNumber, scanner.LinePosition);

        public XName ElementName() => scanner.Name;

        public int ReadAttributes(List<AttributeItem> into)
        {
            // The list is filled through a span of the right size (one size change, no per-item checks); the id is
            // found by reference: names are atomised, and "id" without a prefix is the one XName in no namespace.
            var attributes = scanner.Attributes;
            var first = into.Count;
            CollectionsMarshal.SetCount(into, first + attributes.Length);
            var items = CollectionsMarshal.AsSpan(into);
            var count = first;
            var id = -1;
            foreach (ref readonly var attribute in attributes)
            {
                if (attribute.IsNamespaceDeclaration)
                {
                    continue;
                }

                if (ReferenceEquals(attribute.Name, IdName))
                {
                    id = count;
                }

                items[count++] = new AttributeItem(attribute.Name, attribute.Stored, null, attribute.Line, attribute.Position, attribute.ValueStart, attribute.ValueLength);
            }

            CollectionsMarshal.SetCount(into, count);
            return id;
        }

        public void Read() => scanner.Read();

        public void Skip() => scanner.Skip();

        public void AppendValue(StringBuilder text) => text.Append(scanner.Value);
    }
}
