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

    [Test]
    public void Node_is_present_so_its_layer_is_checked()
    {
        Assert.That(LayerAssemblies(), Does.Contain("Clustering.Node"));
    }

    [TestCaseSource(nameof(LayerAssemblies))]
    public void Layer_references_no_layer_above_it(string layer)
    {
        var assembly = Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, layer + ".dll"));
        var broken = Violations(layer, assembly.GetReferencedAssemblies().Select(a => a.Name!));
        Assert.That(broken, Is.Empty, $"{layer} references {string.Join(", ", broken)}, a layer above it (see DESIGN.md)");
    }

    [Test]
    public void A_reference_upwards_is_reported()
    {
        // The rule must be able to fail: a transport that referenced the membership layer is caught.
        Assert.That(Violations("Clustering.Transport", ["System.Runtime", "Clustering.Membership"]), Is.EqualTo(new[] { "Clustering.Membership" }));
        Assert.That(Violations("Clustering.Cib", ["Clustering.Transport"]), Is.EqualTo(new[] { "Clustering.Transport" }));
        Assert.That(Violations("Clustering.Node", ["Clustering.Transport", "Clustering.Cib"]), Is.Empty);
        Assert.That(Violations("Clustering.Node", ["Clustering.Membership", "clusterctl"]), Is.EqualTo(new[] { "clusterctl" }));
        Assert.That(Violations("Clustering.Membership", ["Clustering.Node"]), Is.EqualTo(new[] { "Clustering.Node" }));
    }

    private static string[] Violations(string layer, IEnumerable<string> references)
    {
        var referenced = references.ToHashSet(StringComparer.Ordinal);
        return Forbidden[layer].Where(referenced.Contains).ToArray();
    }
}
