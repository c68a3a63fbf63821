using System.Xml;
using System.Xml.Linq;

namespace Clustering.Cib.Validation;

/// <summary>
/// Reads RELAX NG's XML syntax from files and simplifies it (specification §4) straight into hash-consed
/// patterns: annotations dropped, datatypeLibrary and ns inherited, externalRef and include resolved (with
/// overriding starts and defines), divs flattened, combine="choice|interleave" merged, nested grammars scoped
/// with parentRef, optional/zeroOrMore/mixed rewritten, and element contents built after their element so
/// recursion goes through elements only.
/// </summary>
internal sealed class RelaxNgCompiler
{
    public const string RngNamespace = "http://relaxng.org/ns/structure/1.0";

    // Attribute names looked up on every schema element, made once rather than per lookup.
    private static readonly XNamespace RngNs = RngNamespace;
    private static readonly XName HrefAttribute = "href";
    private static readonly XName NsAttribute = "ns";
    private static readonly XName DatatypeLibraryAttribute = "datatypeLibrary";
    private static readonly XName NameAttribute = "name";
    private static readonly XName TypeAttribute = "type";
    private static readonly XName CombineAttribute = "combine";

    private readonly PatternBuilder _builder;
    private readonly Dictionary<string, XDocument> _files = new(StringComparer.Ordinal);
    private readonly Queue<(Pattern Element, List<XElement> Content, Env Env)> _pendingContent = new();
    private readonly HashSet<string> _openExternal = new(StringComparer.Ordinal);
    private readonly CancellationToken _cancellationToken;
    private readonly bool _lineInfo;
    private bool _usesIdRef;

    private RelaxNgCompiler(PatternBuilder builder, bool lineInfo, CancellationToken cancellationToken)
    {
        _builder = builder;
        _lineInfo = lineInfo;
        _cancellationToken = cancellationToken;
    }

    public IReadOnlyCollection<string> Files => _files.Keys;

    /// <summary>
    /// Loads a schema file and everything it references. The files are read without line information, which halves
    /// what loading allocates (it is most of a process's start-up); a schema that turns out to be wrong is compiled
    /// again with line information, so its error still names the line.
    /// </summary>
    public static (Pattern Start, PatternBuilder Builder, IReadOnlyCollection<string> Files, bool UsesIdRef) Compile(string path, CancellationToken cancellationToken)
    {
        try
        {
            return Compile(path, lineInfo: false, cancellationToken);
        }
        catch (RelaxNgSchemaException)
        {
            return Compile(path, lineInfo: true, cancellationToken);
        }
    }

    private static (Pattern Start, PatternBuilder Builder, IReadOnlyCollection<string> Files, bool UsesIdRef) Compile(string path, bool lineInfo, CancellationToken cancellationToken)
    {
        var builder = new PatternBuilder();
        var compiler = new RelaxNgCompiler(builder, lineInfo, cancellationToken);
        var full = Path.GetFullPath(path);
        var root = compiler.LoadFile(full, null);
        var env = new Env(full, "", "", null);
        compiler._openExternal.Add(full);
        var start = compiler.Pattern(root, env);
        compiler._openExternal.Remove(full);
        while (compiler._pendingContent.TryDequeue(out var item))
        {
            cancellationToken.ThrowIfCancellationRequested();
            item.Element.Content = compiler.Group(item.Content, item.Env);
        }

        return (start, builder, compiler.Files, compiler._usesIdRef);
    }

    private static int Line(XObject node) => node is IXmlLineInfo info && info.HasLineInfo() ? info.LineNumber : 0;

    private static bool IsRng(XElement e) => ReferenceEquals(e.Name.Namespace, RngNs);

    /// <summary>The child elements in the RELAX NG namespace, in order (a plain walk: no iterator or LINQ objects).</summary>
    private static List<XElement> RngChildren(XElement e)
    {
        var children = new List<XElement>();
        for (var node = e.FirstNode; node is not null; node = node.NextNode)
        {
            if (node is XElement child && IsRng(child))
            {
                children.Add(child);
            }
        }

        return children;
    }

    private static string? Attr(XElement e, XName name)
    {
        var a = e.Attribute(name);
        return a is null ? null : Datatype.Collapse(a.Value);
    }

    private static RelaxNgSchemaException Error(XObject node, Env env, string message) => new(message, env.File, Line(node));

    private XElement LoadFile(string path, (XObject Node, Env Env)? from)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        if (!_files.TryGetValue(path, out var doc))
        {
            try
            {
                var settings = new XmlReaderSettings
                {
                    DtdProcessing = DtdProcessing.Prohibit,
                    XmlResolver = null,
                    MaxCharactersInDocument = 16L * 1024 * 1024,
                    IgnoreComments = true,
                    IgnoreProcessingInstructions = true,
                };
                using var reader = XmlReader.Create(path, settings);
                doc = XDocument.Load(reader, _lineInfo ? LoadOptions.SetLineInfo : LoadOptions.None);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or XmlException)
            {
                var message = $"cannot read schema '{path}': {e.Message}";
                throw from is { } f ? new RelaxNgSchemaException(message, f.Env.File, Line(f.Node), e) : new RelaxNgSchemaException(message, e);
            }

            _files.Add(path, doc);
        }

        var root = doc.Root!;
        if (!IsRng(root))
        {
            throw new RelaxNgSchemaException($"the root element <{root.Name.LocalName}> is not in the RELAX NG namespace", path, Line(root));
        }

        return root;
    }

    private static string Resolve(XElement e, Env env)
    {
        var href = e.Attribute(HrefAttribute)?.Value.Trim() ?? throw Error(e, env, $"<{e.Name.LocalName}> needs an href");
        if (Uri.TryCreate(href, UriKind.Absolute, out var absolute) && !absolute.IsFile)
        {
            throw Error(e, env, $"only local schema files can be referenced, not '{href}'");
        }

        var path = absolute is { IsFile: true } ? absolute.LocalPath : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(env.File)!, Uri.UnescapeDataString(href)));
        return path;
    }

    /// <summary>The environment of an element: ns and datatypeLibrary after its own attributes.</summary>
    private static Env Enter(XElement e, Env env)
    {
        var ns = e.Attribute(NsAttribute);
        var dt = e.Attribute(DatatypeLibraryAttribute);
        if (ns is null && dt is null)
        {
            return env;
        }

        return env with { Ns = ns?.Value ?? env.Ns, DatatypeLibrary = dt is null ? env.DatatypeLibrary : Datatype.Collapse(dt.Value) };
    }

    private Pattern Group(IEnumerable<XElement> children, Env env)
    {
        Pattern? result = null;
        foreach (var child in children)
        {
            var p = Pattern(child, env);
            result = result is null ? p : _builder.Group(result, p);
        }

        return result ?? _builder.Empty;
    }

    private Pattern Pattern(XElement e, Env env)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        env = Enter(e, env);
        var children = RngChildren(e);
        switch (e.Name.LocalName)
        {
            case "element":
            {
                NameClass nameClass;
                var name = e.Attribute(NameAttribute);
                if (name is not null)
                {
                    nameClass = new SingleName(QName(name.Value, e, env, env.Ns));
                }
                else
                {
                    if (children.Count == 0)
                    {
                        throw Error(e, env, "<element> needs a name attribute or a name class");
                    }

                    nameClass = NameClassOf(children[0], env);
                    children.RemoveAt(0);
                }

                if (children.Count == 0)
                {
                    throw Error(e, env, "<element> needs a content pattern");
                }

                var element = _builder.Element(nameClass);
                _pendingContent.Enqueue((element, children, env));
                return element;
            }

            case "attribute":
            {
                NameClass nameClass;
                var name = e.Attribute(NameAttribute);
                if (name is not null)
                {
                    var attrNs = e.Attribute(NsAttribute)?.Value ?? "";
                    nameClass = new SingleName(QName(name.Value, e, env, attrNs));
                }
                else
                {
                    if (children.Count == 0)
                    {
                        throw Error(e, env, "<attribute> needs a name attribute or a name class");
                    }

                    nameClass = NameClassOf(children[0], env);
                    children.RemoveAt(0);
                }

                if (children.Count > 1)
                {
                    throw Error(e, env, "<attribute> takes one pattern");
                }

                return _builder.Attribute(nameClass, children.Count == 0 ? _builder.Text : Pattern(children[0], env));
            }

            case "group":
                return RequireChildren(e, env, children) ?? Group(children, env);
            case "interleave":
            {
                RequireChildren(e, env, children);
                var result = Pattern(children[0], env);
                for (var i = 1; i < children.Count; i++)
                {
                    result = _builder.Interleave(result, Pattern(children[i], env));
                }

                return result;
            }

            case "choice":
            {
                RequireChildren(e, env, children);

                // Built at once: folding pairwise would re-flatten and re-intern the choice for every alternative.
                var alternatives = new List<Pattern>(children.Count);
                foreach (var child in children)
                {
                    alternatives.Add(Pattern(child, env));
                }

                return _builder.Choice(alternatives);
            }

            case "optional":
                RequireChildren(e, env, children);
                return _builder.Choice(Group(children, env), _builder.Empty);
            case "zeroOrMore":
                RequireChildren(e, env, children);
                return _builder.Choice(_builder.OneOrMore(Group(children, env)), _builder.Empty);
            case "oneOrMore":
                RequireChildren(e, env, children);
                return _builder.OneOrMore(Group(children, env));
            case "mixed":
                RequireChildren(e, env, children);
                return _builder.Interleave(Group(children, env), _builder.Text);
            case "list":
                RequireChildren(e, env, children);
                return _builder.List(Group(children, env));
            case "empty":
                return _builder.Empty;
            case "text":
                return _builder.Text;
            case "notAllowed":
                return _builder.NotAllowed;
            case "ref":
            {
                var name = Attr(e, NameAttribute) ?? throw Error(e, env, "<ref> needs a name");
                var scope = env.Scope ?? throw Error(e, env, $"<ref name=\"{name}\"> outside a grammar");
                return Define(scope, name, e, env);
            }

            case "parentRef":
            {
                var name = Attr(e, NameAttribute) ?? throw Error(e, env, "<parentRef> needs a name");
                var scope = env.Scope?.Parent ?? throw Error(e, env, $"<parentRef name=\"{name}\"> without a parent grammar");
                return Define(scope, name, e, env);
            }

            case "externalRef":
            {
                var path = Resolve(e, env);
                if (!_openExternal.Add(path))
                {
                    throw Error(e, env, $"externalRef loop through '{path}'");
                }

                try
                {
                    var root = LoadFile(path, (e, env));
                    var inner = new Env(path, root.Attribute(NsAttribute) is null ? env.Ns : root.Attribute(NsAttribute)!.Value, "", env.Scope);
                    return Pattern(root, inner);
                }
                finally
                {
                    _openExternal.Remove(path);
                }
            }

            case "grammar":
            {
                var scope = new Scope(env.Scope);
                CollectGrammar(e, env with { Scope = scope }, scope, new HashSet<string>(StringComparer.Ordinal) { env.File });
                if (scope.Start.Count == 0)
                {
                    throw Error(e, env, "<grammar> has no <start>");
                }

                var start = Combine(scope.Start, "start", e, env, scope.StartState);
                foreach (var (name, parts) in scope.Defines)
                {
                    // Unused defines are checked too, as the specification asks of every define.
                    Combine(parts, name, parts[0].Element, parts[0].Env, scope.State(name));
                }

                return start;
            }

            case "value":
            {
                var typeName = Attr(e, TypeAttribute);
                var library = typeName is null ? "" : env.DatatypeLibrary;
                var type = Datatype.Create(library, typeName ?? "token", [], out var error) ?? throw Error(e, env, error!);
                var literal = e.Value;
                if (!type.TryParse(literal, out var value))
                {
                    throw Error(e, env, $"value '{literal}' is not a valid {type}");
                }

                return _builder.Value(type, literal, value);
            }

            case "data":
            {
                var typeName = Attr(e, TypeAttribute) ?? throw Error(e, env, "<data> needs a type");
                var parameters = new List<(string, string)>();
                Pattern? except = null;
                foreach (var child in children)
                {
                    if (child.Name.LocalName == "param")
                    {
                        parameters.Add((Attr(child, NameAttribute) ?? throw Error(child, env, "<param> needs a name"), child.Value));
                    }
                    else if (child.Name.LocalName == "except")
                    {
                        var exceptChildren = RngChildren(child);
                        RequireChildren(child, env, exceptChildren);
                        except = Pattern(exceptChildren[0], Enter(child, env));
                        foreach (var more in exceptChildren.Skip(1))
                        {
                            except = _builder.Choice(except, Pattern(more, Enter(child, env)));
                        }
                    }
                    else
                    {
                        throw Error(child, env, $"<{child.Name.LocalName}> is not allowed in <data>");
                    }
                }

                var type = Datatype.Create(env.DatatypeLibrary, typeName, parameters, out var error) ?? throw Error(e, env, error!);
                _usesIdRef |= type.IdKind is IdKind.IdRef or IdKind.IdRefs;
                return _builder.Data(type, except);
            }

            default:
                throw Error(e, env, $"<{e.Name.LocalName}> is not a RELAX NG pattern");
        }
    }

    private static Pattern? RequireChildren(XElement e, Env env, List<XElement> children)
        => children.Count == 0 ? throw Error(e, env, $"<{e.Name.LocalName}> needs at least one child pattern") : null;

    private Pattern Define(Scope scope, string name, XElement at, Env env)
    {
        if (!scope.Defines.TryGetValue(name, out var parts))
        {
            throw Error(at, env, $"reference to undefined pattern '{name}'");
        }

        return Combine(parts, name, at, env, scope.State(name));
    }

    private Pattern Combine(List<Part> parts, string name, XElement at, Env env, DefineState state)
    {
        if (state.Pattern is not null)
        {
            return state.Pattern;
        }

        if (state.InProgress)
        {
            throw Error(at, env, $"pattern '{name}' refers to itself without an element in between");
        }

        state.InProgress = true;
        string? combine = null;
        var withoutCombine = 0;
        foreach (var part in parts)
        {
            if (part.Combine is null)
            {
                withoutCombine++;
            }
            else if (combine is null)
            {
                combine = part.Combine;
            }
            else if (combine != part.Combine)
            {
                throw Error(part.Element, part.Env, $"'{name}' is combined both by choice and by interleave");
            }
        }

        if (withoutCombine > 1)
        {
            throw Error(parts[1].Element, parts[1].Env, $"'{name}' is defined more than once without a combine attribute");
        }

        if (combine is not (null or "choice" or "interleave"))
        {
            throw Error(parts[0].Element, parts[0].Env, $"combine must be choice or interleave, not '{combine}'");
        }

        Pattern? result = null;
        var alternatives = new List<Pattern>(parts.Count);
        foreach (var part in parts)
        {
            var children = RngChildren(part.Element);
            if (children.Count == 0)
            {
                throw Error(part.Element, part.Env, $"'{name}' has no pattern");
            }

            var p = Group(children, part.Env);
            if (combine == "interleave")
            {
                result = result is null ? p : _builder.Interleave(result, p);
            }
            else
            {
                alternatives.Add(p);
            }
        }

        result ??= _builder.Choice(alternatives);

        state.Pattern = result!;
        state.InProgress = false;
        return result!;
    }

    /// <summary>Collects starts and defines of a grammar, its divs and its includes into <paramref name="into"/>.</summary>
    private void CollectGrammar(XElement container, Env env, Scope into, HashSet<string> includeChain)
    {
        foreach (var child in RngChildren(container))
        {
            var childEnv = Enter(child, env);
            switch (child.Name.LocalName)
            {
                case "start":
                    into.Start.Add(new Part(child, childEnv, Attr(child, CombineAttribute)));
                    break;
                case "define":
                {
                    var name = Attr(child, NameAttribute) ?? throw Error(child, env, "<define> needs a name");
                    if (!into.Defines.TryGetValue(name, out var list))
                    {
                        into.Defines.Add(name, list = []);
                    }

                    list.Add(new Part(child, childEnv, Attr(child, CombineAttribute)));
                    break;
                }

                case "div":
                    CollectGrammar(child, childEnv, into, includeChain);
                    break;
                case "include":
                    Include(child, childEnv, into, includeChain);
                    break;
                default:
                    throw Error(child, env, $"<{child.Name.LocalName}> is not allowed in a grammar");
            }
        }
    }

    private void Include(XElement include, Env env, Scope into, HashSet<string> includeChain)
    {
        var path = Resolve(include, env);
        if (!includeChain.Add(path))
        {
            throw Error(include, env, $"include loop through '{path}'");
        }

        var root = LoadFile(path, (include, env));
        if (root.Name.LocalName != "grammar")
        {
            throw Error(include, env, $"included file '{path}' is not a <grammar>");
        }

        var included = new Scope(into.Parent);
        var includedEnv = new Env(path, root.Attribute(NsAttribute) is null ? env.Ns : root.Attribute(NsAttribute)!.Value, "", into);
        CollectGrammar(root, Enter(root, includedEnv) with { Ns = includedEnv.Ns }, included, includeChain);
        includeChain.Remove(path);

        var overrides = new Scope(into.Parent);
        CollectGrammar(include, env, overrides, includeChain);
        if (overrides.Start.Count > 0)
        {
            if (included.Start.Count == 0)
            {
                throw Error(include, env, $"include overrides <start> but '{path}' has none");
            }

            included.Start.Clear();
        }

        foreach (var name in overrides.Defines.Keys)
        {
            if (!included.Defines.Remove(name))
            {
                throw Error(include, env, $"include overrides '{name}' but '{path}' does not define it");
            }
        }

        into.Start.AddRange(included.Start);
        into.Start.AddRange(overrides.Start);
        foreach (var source in new[] { included, overrides })
        {
            foreach (var (name, parts) in source.Defines)
            {
                if (!into.Defines.TryGetValue(name, out var list))
                {
                    into.Defines.Add(name, list = []);
                }

                list.AddRange(parts);
            }
        }
    }

    private NameClass NameClassOf(XElement e, Env env)
    {
        env = Enter(e, env);
        if (!IsRng(e))
        {
            throw Error(e, env, "a name class must be in the RELAX NG namespace");
        }

        var children = RngChildren(e);
        switch (e.Name.LocalName)
        {
            case "name":
                return new SingleName(QName(e.Value, e, env, env.Ns));
            case "anyName":
                return new AnyName(Except(children, e, env));
            case "nsName":
                return new NamespaceName(env.Ns, Except(children, e, env));
            case "choice":
            {
                if (children.Count == 0)
                {
                    throw Error(e, env, "a name class <choice> needs children");
                }

                var result = NameClassOf(children[0], env);
                foreach (var child in children.Skip(1))
                {
                    result = new NameClassChoice(result, NameClassOf(child, env));
                }

                return result;
            }

            default:
                throw Error(e, env, $"<{e.Name.LocalName}> is not a name class");
        }
    }

    private NameClass? Except(List<XElement> children, XElement at, Env env)
    {
        if (children.Count == 0)
        {
            return null;
        }

        if (children.Count > 1 || children[0].Name.LocalName != "except")
        {
            throw Error(at, env, $"<{at.Name.LocalName}> takes only an <except>");
        }

        var inner = RngChildren(children[0]);
        if (inner.Count == 0)
        {
            throw Error(children[0], env, "<except> needs a name class");
        }

        var exceptEnv = Enter(children[0], env);
        var result = NameClassOf(inner[0], exceptEnv);
        foreach (var more in inner.Skip(1))
        {
            result = new NameClassChoice(result, NameClassOf(more, exceptEnv));
        }

        return result;
    }

    private static XName QName(string text, XElement at, Env env, string defaultNs)
    {
        text = Datatype.Collapse(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            if (!Datatype.IsNcName(text))
            {
                throw Error(at, env, $"'{text}' is not a valid name");
            }

            return XName.Get(text, defaultNs);
        }

        var prefix = text[..colon];
        var local = text[(colon + 1)..];
        var ns = prefix == "xml" ? XNamespace.Xml : at.GetNamespaceOfPrefix(prefix);
        if (ns is null || !Datatype.IsNcName(local))
        {
            throw Error(at, env, $"the prefix of '{text}' is not declared");
        }

        return XName.Get(local, ns.NamespaceName);
    }

    /// <summary>Where a schema element is read: its file, inherited ns and datatypeLibrary, and grammar.</summary>
    private sealed record Env(string File, string Ns, string DatatypeLibrary, Scope? Scope);

    private sealed record Part(XElement Element, Env Env, string? Combine);

    private sealed class DefineState
    {
        public Pattern? Pattern { get; set; }

        public bool InProgress { get; set; }
    }

    private sealed class Scope(Scope? parent)
    {
        private readonly Dictionary<string, DefineState> _states = new(StringComparer.Ordinal);

        public Scope? Parent { get; } = parent;

        public List<Part> Start { get; } = [];

        public DefineState StartState { get; } = new();

        public Dictionary<string, List<Part>> Defines { get; } = new(StringComparer.Ordinal);

        public DefineState State(string name)
        {
            if (!_states.TryGetValue(name, out var state))
            {
                _states.Add(name, state = new DefineState());
            }

            return state;
        }
    }
}
