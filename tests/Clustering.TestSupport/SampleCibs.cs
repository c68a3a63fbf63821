namespace Clustering.TestSupport;

/// <summary>Sample CIBs shared by the CIB library's tests and the <c>clusterctl cibadmin</c> tests (one copy).</summary>
public static class SampleCibs
{
    /// <summary>
    /// A small pacemaker-1.2 CIB: two cluster options, one node, one primitive with a meta attribute, an empty
    /// constraints section and one node state.
    /// </summary>
    public const string Small = """
        <cib crm_feature_set="3.0.7" validate-with="pacemaker-1.2" admin_epoch="0" epoch="1" num_updates="0">
          <configuration>
            <crm_config>
              <cluster_property_set id="opts">
                <nvpair id="opts-a" name="a" value="1"/>
                <nvpair id="opts-b" name="b" value="x"/>
              </cluster_property_set>
            </crm_config>
            <nodes>
              <node id="1" uname="n1"/>
            </nodes>
            <resources>
              <primitive id="r1" class="ocf" provider="heartbeat" type="Dummy">
                <meta_attributes id="r1-meta">
                  <nvpair id="r1-meta-role" name="target-role" value="Started"/>
                </meta_attributes>
              </primitive>
            </resources>
            <constraints/>
          </configuration>
          <status>
            <node_state id="1" uname="n1"/>
          </status>
        </cib>
        """;
}
