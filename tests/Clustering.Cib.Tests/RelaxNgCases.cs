namespace Clustering.Cib.Tests;

/// <summary>
/// Small grammars, each exercising one part of RELAX NG, with documents and the verdict the specification gives.
/// The unit tests check our engine against the verdicts; the conformance test checks xmllint agrees with them too.
/// </summary>
internal static class RelaxNgCases
{
    public const string Rng = "http://relaxng.org/ns/structure/1.0";
    public const string Xsd = "http://www.w3.org/2001/XMLSchema-datatypes";

    /// <summary>Schema sets: name → files (the first is the main one).</summary>
    public static readonly Dictionary<string, (string File, string Text)[]> Schemas = new()
    {
        ["combine"] = [("main.rng", $"""
            <grammar xmlns="{Rng}">
              <start><element name="r"><ref name="items"/><ref name="attrs"/></element></start>
              <define name="items" combine="choice"><element name="a"><empty/></element></define>
              <define name="items" combine="choice"><element name="b"><empty/></element></define>
              <define name="attrs"><attribute name="x"/></define>
              <define name="attrs" combine="interleave"><attribute name="y"/></define>
            </grammar>
            """)],
        ["include"] = [("main.rng", $"""
            <grammar xmlns="{Rng}">
              <include href="lib.rng">
                <define name="item"><element name="override"><empty/></element></define>
              </include>
              <define name="extra" combine="choice"><element name="more"><empty/></element></define>
            </grammar>
            """), ("lib.rng", $"""
            <grammar xmlns="{Rng}">
              <start><element name="r"><zeroOrMore><choice><ref name="item"/><ref name="extra"/></choice></zeroOrMore></element></start>
              <define name="item"><element name="original"><empty/></element></define>
              <div><define name="extra"><element name="lib-extra"><empty/></element></define></div>
            </grammar>
            """)],
        ["include-start"] = [("main.rng", $"""
            <grammar xmlns="{Rng}">
              <include href="lib.rng"><start><element name="replaced"><ref name="item"/></element></start></include>
            </grammar>
            """), ("lib.rng", $"""
            <grammar xmlns="{Rng}">
              <start><element name="r"><ref name="item"/></element></start>
              <define name="item"><element name="i"><text/></element></define>
            </grammar>
            """)],
        ["external"] = [("main.rng", $"""
            <grammar xmlns="{Rng}" ns="urn:outer">
              <start><element name="r"><externalRef href="part.rng"/><externalRef href="plain.rng" ns=""/></element></start>
            </grammar>
            """), ("part.rng", $"""
            <element xmlns="{Rng}" name="inner"><empty/></element>
            """), ("plain.rng", $"""
            <grammar xmlns="{Rng}"><start><element name="plain"><ref name="body"/></element></start><define name="body"><text/></define></grammar>
            """)],
        ["parent"] = [("main.rng", $"""
            <grammar xmlns="{Rng}">
              <start><element name="r"><grammar><start><element name="nested"><parentRef name="leaf"/><ref name="leaf"/></element></start>
                <define name="leaf"><element name="inner-leaf"><empty/></element></define></grammar></element></start>
              <define name="leaf"><element name="outer-leaf"><empty/></element></define>
            </grammar>
            """)],
        ["names"] = [("main.rng", $"""
            <grammar xmlns="{Rng}" xmlns:p="urn:p">
              <start>
                <element>
                  <choice><name>r</name><name ns="urn:q">r</name></choice>
                  <zeroOrMore><attribute><anyName><except><name>forbidden</name><nsName ns="urn:p"/></except></anyName></attribute></zeroOrMore>
                  <zeroOrMore><element><nsName ns="urn:p"><except><name>p:no</name></except></nsName><empty/></element></zeroOrMore>
                  <optional><element name="p:named"><attribute name="p:att"/></element></optional>
                </element>
              </start>
            </grammar>
            """)],
        ["datatypes"] = [("main.rng", $"""
            <grammar xmlns="{Rng}" datatypeLibrary="{Xsd}">
              <start>
                <element name="r">
                  <optional><element name="int"><attribute name="v"><data type="integer"><param name="minInclusive">-5</param><param name="maxInclusive">100</param></data></attribute></element></optional>
                  <optional><element name="nn"><attribute name="v"><data type="nonNegativeInteger"/></attribute></element></optional>
                  <optional><element name="pos"><attribute name="v"><data type="positiveInteger"/></attribute></element></optional>
                  <optional><element name="dec"><attribute name="v"><data type="decimal"><param name="maxExclusive">10</param></data></attribute></element></optional>
                  <optional><element name="bool"><attribute name="v"><data type="boolean"/></attribute></element></optional>
                  <optional><element name="pat"><attribute name="v"><data type="string"><param name="pattern">([0-9\-]+)</param></data></attribute></element></optional>
                  <optional><element name="list"><attribute name="v"><data type="string"><param name="pattern">([a-zA-Z0-9_\.\-]+)(,[a-zA-Z0-9_\.\-]+)*</param></data></attribute></element></optional>
                  <optional><element name="len"><attribute name="v"><data type="token"><param name="minLength">2</param><param name="maxLength">4</param></data></attribute></element></optional>
                  <optional><element name="exact"><attribute name="v"><data type="string"><param name="length">3</param></data></attribute></element></optional>
                  <optional><element name="when"><attribute name="v"><data type="dateTime"/></attribute></element></optional>
                  <optional><element name="tok"><attribute name="v"><data type="NMTOKEN"/></attribute></element></optional>
                  <optional><element name="name"><attribute name="v"><data type="string"><except><choice><value>bad</value><value>worse</value></choice></except></data></attribute></element></optional>
                  <optional><element name="num"><attribute name="v"><value type="integer">7</value></attribute></element></optional>
                  <optional><element name="tkn"><attribute name="v"><value>two words</value></attribute></element></optional>
                  <optional><element name="str"><attribute name="v"><value type="string">exact</value></attribute></element></optional>
                  <optional><element name="plain" datatypeLibrary=""><attribute name="v"><data type="token"/></attribute></element></optional>
                  <optional><element name="words"><list><oneOrMore><data type="integer"/></oneOrMore></list></element></optional>
                  <optional><element name="pair"><list><data type="NCName"/><value>end</value></list></element></optional>
                </element>
              </start>
            </grammar>
            """)],
        ["structure"] = [("main.rng", $"""
            <grammar xmlns="{Rng}">
              <start>
                <element name="r">
                  <interleave>
                    <element name="a"><empty/></element>
                    <zeroOrMore><element name="b"><empty/></element></zeroOrMore>
                    <optional><element name="c"><empty/></element></optional>
                  </interleave>
                  <oneOrMore><element name="d"><mixed><zeroOrMore><element name="em"><text/></element></zeroOrMore></mixed></element></oneOrMore>
                  <optional><element name="never"><notAllowed/></element></optional>
                  <optional><element name="e"><group><element name="x"><empty/></element><element name="y"><empty/></element></group></element></optional>
                </element>
              </start>
            </grammar>
            """)],
        ["ids"] = [("main.rng", $"""
            <grammar xmlns="{Rng}" datatypeLibrary="{Xsd}">
              <start>
                <element name="r">
                  <zeroOrMore>
                    <choice>
                      <element name="item"><attribute name="id"><data type="ID"/></attribute></element>
                      <element name="other"><attribute name="key"><data type="ID"/></attribute></element>
                      <element name="link"><attribute name="to"><data type="IDREF"/></attribute></element>
                      <element name="links"><attribute name="to"><data type="IDREFS"/></attribute></element>
                    </choice>
                  </zeroOrMore>
                </element>
              </start>
            </grammar>
            """)],
        ["recursive"] = [("main.rng", $"""
            <grammar xmlns="{Rng}">
              <start><ref name="node"/></start>
              <define name="node"><element name="n"><optional><attribute name="v"/></optional><zeroOrMore><ref name="node"/></zeroOrMore></element></define>
            </grammar>
            """)],
    };

    /// <summary>Writes every schema set under <paramref name="root"/> and returns the main file of each.</summary>
    public static Dictionary<string, string> WriteAll(string root)
    {
        var mains = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, files) in Schemas)
        {
            var dir = Directory.CreateDirectory(Path.Combine(root, name));
            foreach (var (file, text) in files)
            {
                File.WriteAllText(Path.Combine(dir.FullName, file), text);
            }

            mains[name] = Path.Combine(dir.FullName, files[0].File);
        }

        return mains;
    }

    /// <summary>(schema set, document, valid by the specification).</summary>
    public static readonly (string Schema, string Document, bool Valid)[] Documents =
    [
        ("combine", "<r x='1' y='2'><a/></r>", true),
        ("combine", "<r y='2' x='1'><b/></r>", true),
        ("combine", "<r x='1'><a/></r>", false),
        ("combine", "<r x='1' y='2'><a/><b/></r>", false),
        ("combine", "<r x='1' y='2'/>", false),
        ("include", "<r><override/><more/><lib-extra/></r>", true),
        ("include", "<r><original/></r>", false),
        ("include-start", "<replaced><i>text</i></replaced>", true),
        ("include-start", "<r><i/></r>", false),
        ("external", "<r xmlns='urn:outer'><inner/><plain xmlns=''>hello</plain></r>", true),
        ("external", "<r xmlns='urn:outer'><inner xmlns=''/><plain xmlns=''/></r>", false),
        ("external", "<r><inner/><plain/></r>", false),
        ("parent", "<r><nested><outer-leaf/><inner-leaf/></nested></r>", true),
        ("parent", "<r><nested><inner-leaf/><inner-leaf/></nested></r>", false),
        ("names", "<r any='1' other='2'/>", true),
        ("names", "<q:r xmlns:q='urn:q'/>", true),
        ("names", "<r forbidden='1'/>", false),
        ("names", "<r xmlns:p='urn:p' p:x='1'/>", false),
        ("names", "<r xmlns:p='urn:p'><p:yes/><p:also/></r>", true),
        ("names", "<r xmlns:p='urn:p'><p:no/></r>", false),
        ("names", "<r><yes/></r>", false),
        ("names", "<r xmlns:p='urn:p'><p:named p:att='v'/></r>", true),
        ("names", "<r xmlns:p='urn:p'><p:named att='v'/></r>", false),
        ("datatypes", "<r><int v='-5'/><nn v='0'/><pos v='1'/><dec v='9.99'/><bool v='true'/><pat v='12-3'/><list v='a,b.c'/><len v='abcd'/><exact v='xyz'/><when v='2024-02-29T10:00:00Z'/><tok v='x-1'/><name v='fine'/><num v='007'/><tkn v='  two   words '/><str v='exact'/><plain v=' x '/></r>", true),
        ("datatypes", "<r><int v='101'/></r>", false),
        ("datatypes", "<r><int v='-6'/></r>", false),
        ("datatypes", "<r><int v=' 42 '/></r>", true),
        ("datatypes", "<r><int v='4.0'/></r>", false),
        ("datatypes", "<r><nn v='-1'/></r>", false),
        ("datatypes", "<r><pos v='0'/></r>", false),
        ("datatypes", "<r><dec v='10'/></r>", false),
        ("datatypes", "<r><dec v='-.5'/></r>", true),
        ("datatypes", "<r><bool v='yes'/></r>", false),
        ("datatypes", "<r><bool v='0'/></r>", true),
        ("datatypes", "<r><pat v='12a'/></r>", false),
        ("datatypes", "<r><list v='a,,b'/></r>", false),
        ("datatypes", "<r><len v='a'/></r>", false),
        ("datatypes", "<r><len v='abcde'/></r>", false),
        ("datatypes", "<r><exact v='ab'/></r>", false),
        ("datatypes", "<r><when v='2024-13-01T00:00:00'/></r>", false),
        ("datatypes", "<r><when v='yesterday'/></r>", false),
        ("datatypes", "<r><tok v='a b'/></r>", false),
        ("datatypes", "<r><name v='bad'/></r>", false),
        ("datatypes", "<r><name v='worse'/></r>", false),
        ("datatypes", "<r><num v='8'/></r>", false),
        ("datatypes", "<r><tkn v='twowords'/></r>", false),
        ("datatypes", "<r><str v=' exact'/></r>", false),
        ("datatypes", "<r><words> 1 2\n 3 </words></r>", true),
        ("datatypes", "<r><words>1 two</words></r>", false),
        ("datatypes", "<r><words/></r>", false),
        ("datatypes", "<r><pair>abc end</pair></r>", true),
        ("datatypes", "<r><pair>abc</pair></r>", false),
        ("datatypes", "<r><pair>abc end more</pair></r>", false),
        ("structure", "<r><b/><a/><b/><c/><d>text <em>x</em> more</d></r>", true),
        ("structure", "<r><c/><a/><d/><d/></r>", true),
        ("structure", "<r><b/><c/><d/></r>", false),
        ("structure", "<r><a/><a/><d/></r>", false),
        ("structure", "<r><a/></r>", false),
        ("structure", "<r><a/><d/><never/></r>", false),
        ("structure", "<r><a/><d/><e><x/><y/></e></r>", true),
        ("structure", "<r><a/><d/><e><y/><x/></e></r>", false),
        ("structure", "<r><a/>stray<d/></r>", false),
        ("structure", "<r><a/><d><em><em/></em></d></r>", false),
        ("ids", "<r><item id='a'/><other key='b'/><link to='a'/><links to='a b'/></r>", true),
        ("ids", "<r><item id='a'/><item id='a'/></r>", false),
        ("ids", "<r><item id='a'/><other key='a'/></r>", false),
        ("ids", "<r><link to='missing'/><item id='x'/></r>", false),
        ("ids", "<r><links to='x missing'/><item id='x'/></r>", false),
        ("ids", "<r><link to='later'/><item id='later'/></r>", true),
        ("ids", "<r><item id='1bad'/></r>", false),
        ("recursive", "<n v='1'><n><n v='3'/></n><n/></n>", true),
        ("recursive", "<n><m/></n>", false),
    ];
}
