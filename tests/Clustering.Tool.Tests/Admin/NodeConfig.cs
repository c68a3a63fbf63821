using System.Globalization;
using System.Text;

namespace Clustering.Tool.Tests.Admin;

/// <summary>A corosync.conf for nodes on loopback: udpu, secauth on, two rings (127.0.0.N and 127.0.1.N), on ports unlikely to be taken.</summary>
internal static class NodeConfig
{
    public static int RandomPortBase() => 20000 + (Random.Shared.Next(0, 2000) * 8);

    public static string Udpu(int nodes, int portBase, string clusterName = "proc-tests", bool secauth = true)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $$"""
            totem {
                version: 2
                cluster_name: {{clusterName}}
                secauth: {{(secauth ? "on" : "off")}}
                crypto_cipher: {{(secauth ? "aes256" : "none")}}
                crypto_hash: {{(secauth ? "sha256" : "none")}}
                transport: udpu
                rrp_mode: active
                token: 1000
                interface {
                    ringnumber: 0
                    mcastport: {{portBase}}
                }
                interface {
                    ringnumber: 1
                    mcastport: {{portBase + 4}}
                }
            }
            nodelist {

            """);
        for (var n = 1; n <= nodes; n++)
        {
            text.Append(CultureInfo.InvariantCulture, $$"""
                    node {
                        nodeid: {{n}}
                        ring0_addr: 127.0.0.{{n}}
                        ring1_addr: 127.0.1.{{n}}
                    }

                """);
        }

        text.Append("""
            }
            quorum {
                provider: corosync_votequorum
            }

            """);
        return text.ToString();
    }
}
