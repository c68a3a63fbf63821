using System.Text;
using System.Xml.Linq;

namespace Clustering.Cib.Scanning;

/// <summary>
/// The names of one scanned document, keyed by their UTF-8 bytes: a tag costs a hash and a byte comparison, and the
/// same name always yields the same <see cref="XmlScanName"/> (and so the same strings and <see cref="XName"/>).
/// Names are ASCII only (the scanner gives up on any other), so the bytes are the characters.
/// </summary>
internal sealed class XmlScanNameTable
{
    private XmlScanName?[] _slots = new XmlScanName?[256];
    private int _count;

    /// <summary>
    /// The entry for the qualified name in <paramref name="bytes"/>, whose colon (if any) is at <paramref name="colon"/>
    /// and whose hash (any function of the bytes alone) the caller computed while scanning it.
    /// </summary>
    public XmlScanName Get(ReadOnlySpan<byte> bytes, int colon, int hash)
    {
        var mask = _slots.Length - 1;
        for (var i = hash & mask; ; i = (i + 1) & mask)
        {
            var entry = _slots[i];
            if (entry is null)
            {
                return Add(bytes, colon, hash, i);
            }

            if (entry.Hash == hash && bytes.SequenceEqual(entry.Bytes))
            {
                return entry;
            }
        }
    }

    private XmlScanName Add(ReadOnlySpan<byte> bytes, int colon, int hash, int slot)
    {
        var qualified = Encoding.ASCII.GetString(bytes);
        var entry = colon < 0
            ? new XmlScanName(bytes.ToArray(), hash, "", qualified, qualified)
            : new XmlScanName(bytes.ToArray(), hash, qualified[..colon], qualified[(colon + 1)..], qualified);
        _slots[slot] = entry;
        if (++_count * 2 > _slots.Length)
        {
            Grow();
        }

        return entry;
    }

    private void Grow()
    {
        var old = _slots;
        _slots = new XmlScanName?[old.Length * 2];
        var mask = _slots.Length - 1;
        foreach (var entry in old)
        {
            if (entry is null)
            {
                continue;
            }

            var i = entry.Hash & mask;
            while (_slots[i] is not null)
            {
                i = (i + 1) & mask;
            }

            _slots[i] = entry;
        }
    }
}

/// <summary>One atomised qualified name, with the <see cref="XName"/> it had in the namespace it was last resolved in.</summary>
internal sealed class XmlScanName
{
    private string? _lastNamespace;
    private XName? _lastName;

    public XmlScanName(byte[] bytes, int hash, string prefix, string localName, string qualifiedName)
    {
        Bytes = bytes;
        Hash = hash;
        Prefix = prefix;
        LocalName = localName;
        QualifiedName = qualifiedName;
        IsNamespaceDeclaration = qualifiedName == "xmlns" || prefix == "xmlns";
    }

    public byte[] Bytes { get; }

    /// <summary>As an element name: the element name whose start tag followed this one's last time (a guess for the scanner).</summary>
    public XmlScanName? NextStart { get; set; }

    /// <summary>As an element name: the attribute names of its last start tag, in order (guesses for the scanner).</summary>
    public XmlScanName?[]? AttributeNames { get; set; }

    public int Hash { get; }

    public string Prefix { get; }

    public string LocalName { get; }

    public string QualifiedName { get; }

    /// <summary><c>xmlns</c> or <c>xmlns:p</c>.</summary>
    public bool IsNamespaceDeclaration { get; }

    /// <summary>The expanded name in namespace <paramref name="ns"/> (compared by reference first: namespaces are atomised).</summary>
    public XName In(string ns)
    {
        if (ReferenceEquals(ns, _lastNamespace) || (_lastNamespace is not null && ns == _lastNamespace))
        {
            return _lastName!;
        }

        var name = ns.Length == 0 ? XName.Get(LocalName) : XName.Get(LocalName, ns);
        _lastNamespace = ns;
        _lastName = name;
        return name;
    }
}
