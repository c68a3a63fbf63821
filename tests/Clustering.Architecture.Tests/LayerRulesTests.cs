using System.Reflection;

namespace Clustering.Architecture.Tests;

/// <summary>
/// The layer arrows of DESIGN.md, read from the compiled assemblies: a layer never references one above it,
/// so the picture cannot rot. Layers that do not exist yet are simply absent from the output folder.
/// </summary>
public sealed class LayerRulesTests
{
    // Rank of each layer: an assembly may reference only layers of strictly lower rank, and never a sibling
    // it is declared independent of (Cib and Resources know nothing of networking, Transport and Membership nothing of XML).
    private static readonly Dictionary<string, string[]> Forbidden = new()
    {
        ["Clustering.Transport"] = ["Clustering.Membership", "Clustering.Cib", "Clustering.Resources", "Clustering.Node", "Clustering.Hosting", "clusterctl"],
        ["Clustering.Membership"] = ["Clustering.Cib", "Clustering.Resources", "Clustering.Node", "Clustering.Hosting", "clusterctl"],
        ["Clustering.Cib"] = ["Clustering.Transport", "Clustering.Membership", "Clustering.Resources", "Clustering.Node", "Clustering.Hosting", "clusterctl"],
        ["Clustering.Resources"] = ["Clustering.Transport", "Clustering.Membership", "Clustering.Node", "Clustering.Hosting", "clusterctl"],
        ["Clustering.Node"] = ["Clustering.Hosting", "clusterctl"],
        ["Clustering.Hosting"] = ["clusterctl"],
    };

    private static IEnumerable<string> LayerAssemblies() =>
        Forbidden.Keys.Where(name => File.Exists(Path.Combine(AppContext.BaseDirectory, name + ".dll")));

    [Test]
    public void Transport_is_present_so_the_rules_are_checked_against_something()
    {
        Assert.That(LayerAssemblies(), Does.Contain("Clustering.Transport"));
    }

    [TestCaseSource(nameof(LayerAssemblies))]
    public void Layer_references_no_layer_above_it(string layer)
    {
        var assembly = Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, layer + ".dll"));
        var referenced = assembly.GetReferencedAssemblies().Select(a => a.Name!).ToHashSet(StringComparer.Ordinal);
        var broken = Forbidden[layer].Where(referenced.Contains).ToArray();
        Assert.That(broken, Is.Empty, $"{layer} references {string.Join(", ", broken)}, a layer above it (see DESIGN.md)");
    }

    [Test]
    public void Forbidden_reference_is_detected()
    {
        // The rule must be able to fail: the tool references Transport, which Transport may not reference back.
        var tool = Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, "clusterctl.dll"));
        Assert.That(tool.GetReferencedAssemblies().Select(a => a.Name), Does.Contain("Clustering.Transport"));
        Assert.That(Forbidden["Clustering.Transport"], Does.Contain("clusterctl"));
    }
}
