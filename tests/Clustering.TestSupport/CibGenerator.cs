using System.Globalization;
using System.Xml.Linq;

namespace Clustering.TestSupport;

/// <summary>Builds large pacemaker-1.2 CIBs of a given size: nodes, primitives in groups, constraints and status.</summary>
public static class CibGenerator
{
    /// <summary>A pacemaker-1.2 CIB of at least <paramref name="targetBytes"/> characters unindented, the same for the same seed.</summary>
    public static XDocument Generate(int targetBytes, int seed = 1)
    {
        var random = new Random(seed);
        var nodes = new XElement("nodes");
        var resources = new XElement("resources");
        var constraints = new XElement("constraints");
        var status = new XElement("status");
        const int nodeCount = 16;
        for (var n = 1; n <= nodeCount; n++)
        {
            nodes.Add(new XElement("node", new XAttribute("id", n), new XAttribute("uname", $"node{n}"), new XAttribute("type", "normal"),
                new XElement("instance_attributes", new XAttribute("id", $"node{n}-attrs"),
                    new XElement("nvpair", new XAttribute("id", $"node{n}-rack"), new XAttribute("name", "rack"), new XAttribute("value", n % 4)))));
            status.Add(new XElement("node_state", new XAttribute("id", n), new XAttribute("uname", $"node{n}"), new XAttribute("in_ccm", "true"),
                new XAttribute("crmd", "online"), new XAttribute("join", "member"), new XAttribute("expected", "member"),
                new XElement("lrm", new XAttribute("id", n), new XElement("lrm_resources"))));
        }

        var doc = new XDocument(new XElement("cib",
            new XAttribute("validate-with", "pacemaker-1.2"), new XAttribute("admin_epoch", 0), new XAttribute("epoch", 1), new XAttribute("num_updates", 0),
            new XElement("configuration",
                new XElement("crm_config", new XElement("cluster_property_set", new XAttribute("id", "cib-bootstrap-options"),
                    new XElement("nvpair", new XAttribute("id", "opt-stonith"), new XAttribute("name", "stonith-enabled"), new XAttribute("value", "false")))),
                nodes, resources, constraints),
            status));
        var size = doc.ToString(SaveOptions.DisableFormatting).Length;
        for (var g = 0; size < targetBytes; g++)
        {
            var group = new XElement("group", new XAttribute("id", $"g{g}"));
            for (var r = 0; r < 4; r++)
            {
                var id = $"g{g}-r{r}";
                group.Add(new XElement("primitive", new XAttribute("id", id), new XAttribute("class", "ocf"), new XAttribute("provider", "heartbeat"), new XAttribute("type", "Dummy"),
                    new XElement("instance_attributes", new XAttribute("id", $"{id}-params"),
                        new XElement("nvpair", new XAttribute("id", $"{id}-state"), new XAttribute("name", "state"), new XAttribute("value", $"/run/{id}.state")),
                        new XElement("nvpair", new XAttribute("id", $"{id}-delay"), new XAttribute("name", "delay"), new XAttribute("value", random.Next(10).ToString(CultureInfo.InvariantCulture)))),
                    new XElement("operations",
                        new XElement("op", new XAttribute("id", $"{id}-monitor"), new XAttribute("name", "monitor"), new XAttribute("interval", "10s"), new XAttribute("timeout", "20s")),
                        new XElement("op", new XAttribute("id", $"{id}-start"), new XAttribute("name", "start"), new XAttribute("interval", "0"), new XAttribute("timeout", "60s")))));
                var node = status.Elements("node_state").ElementAt(random.Next(nodeCount)).Element("lrm")!.Element("lrm_resources")!;
                node.Add(new XElement("lrm_resource", new XAttribute("id", id), new XAttribute("class", "ocf"), new XAttribute("provider", "heartbeat"), new XAttribute("type", "Dummy"),
                    new XElement("lrm_rsc_op", new XAttribute("id", $"{id}_last_0"), new XAttribute("operation", "start"), new XAttribute("call-id", g * 4 + r),
                        new XAttribute("rc-code", 0), new XAttribute("op-status", 0), new XAttribute("interval", 0), new XAttribute("op-digest", "0123456789abcdef0123456789abcdef"))));
            }

            resources.Add(group);
            constraints.Add(new XElement("rsc_location", new XAttribute("id", $"loc-g{g}"), new XAttribute("rsc", $"g{g}"), new XAttribute("node", $"node{1 + random.Next(nodeCount)}"), new XAttribute("score", random.Next(200))));
            if (g > 0)
            {
                constraints.Add(new XElement("rsc_order", new XAttribute("id", $"ord-g{g}"), new XAttribute("first", $"g{g - 1}"), new XAttribute("then", $"g{g}")));
                constraints.Add(new XElement("rsc_colocation", new XAttribute("id", $"col-g{g}"), new XAttribute("rsc", $"g{g}"), new XAttribute("with-rsc", $"g{g - 1}"), new XAttribute("score", "INFINITY")));
            }

            size += 2400;
            if (g % 50 == 0)
            {
                size = doc.ToString(SaveOptions.DisableFormatting).Length;
            }
        }

        return doc;
    }
}
