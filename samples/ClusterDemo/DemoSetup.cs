using System.Globalization;
using System.Net;
using System.Text;
using Clustering.Transport.Security;

namespace ClusterDemo;

/// <summary>
/// What an admin would put on every node: a <c>corosync.conf</c> (udpu on loopback, two rings in rrp_mode active,
/// secauth with SHA-256 and AES-256) and an authkey, written to a private temporary directory.
/// Node N uses 127.0.0.N on ring 0 and 127.0.1.N on ring 1.
/// </summary>
internal sealed class DemoSetup : IDisposable
{
    public const int Nodes = 3;
    public const string GroupName = "demo";

    private DemoSetup(string directory, int port)
    {
        Directory = directory;
        Port = port;
    }

    /// <summary>The temporary directory that holds corosync.conf and authkey.</summary>
    public string Directory { get; }

    /// <summary>Ring 0's port; ring 1 uses the one two above (Corosync's mcastport convention).</summary>
    public int Port { get; }

    public string ConfigPath => Path.Combine(Directory, "corosync.conf");

    public string KeyPath => Path.Combine(Directory, "authkey");

    public static IPEndPoint EndPoint(int ring, uint node, int port) =>
        new(IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"127.0.{ring}.{node}")), port + (2 * ring));

    /// <summary>Creates the directory (mode 0700), writes the key (0400) and the configuration.</summary>
    public static DemoSetup Create()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("clusterdemo-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // A port range of its own per run, so that parallel runs (tests, two terminals) do not meet.
        var port = 21000 + (Environment.ProcessId % 4000 * 8);
        var setup = new DemoSetup(directory, port);
        using (var key = Authkey.Generate())
        {
            key.Save(setup.KeyPath);
        }

        File.WriteAllText(setup.ConfigPath, setup.ConfigText(), new UTF8Encoding(false));
        return setup;
    }

    /// <summary>Opens the directory written by a parent (child mode); the port comes from the configuration.</summary>
    public string ConfigText()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $$"""
            totem {
                version: 2
                cluster_name: demo
                transport: udpu
                rrp_mode: active
                secauth: on
                crypto_hash: sha256
                crypto_cipher: aes256
                keyfile: {{KeyPath}}
                token: 1000
                interface {
                    ringnumber: 0
                    mcastport: {{Port}}
                }
                interface {
                    ringnumber: 1
                    mcastport: {{Port + 2}}
                }
            }

            nodelist {

            """);
        for (uint n = 1; n <= Nodes; n++)
        {
            text.Append(CultureInfo.InvariantCulture, $$"""
                    node {
                        nodeid: {{n}}
                        name: node{{n}}
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

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Already gone, or a child still holds a file; the OS cleans temp eventually.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
