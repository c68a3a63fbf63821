using Clustering.Tool.Commands;

namespace Clustering.Tool.Tests;

/// <summary>Without any Pacemaker installed, cibadmin still validates pacemaker-1.x CIBs with our own embedded grammars.</summary>
public sealed class CibadminEmbeddedSchemaTests
{
    [Test]
    public async Task Updates_are_validated_with_the_embedded_grammars_when_no_schema_directory_exists()
    {
        var dir = Directory.CreateTempSubdirectory("cibadmin-embedded-").FullName;
        try
        {
            var file = Path.Combine(dir, "cib.xml");
            File.WriteAllText(file, """
                <cib validate-with="pacemaker-1.2" admin_epoch="0" epoch="1" num_updates="0">
                  <configuration><crm_config/><nodes/><resources/><constraints/></configuration>
                  <status/>
                </cib>
                """);
            string? Environment(string name) => name switch
            {
                "CIB_file" => file,
                "PCMK_schema_directory" => Path.Combine(dir, "no-such-directory"),
                _ => null,
            };

            var command = new CibadminCommand(Environment, () => new StringReader(""), CibadminCommand.SchemaValidator(Environment));
            var before = File.ReadAllBytes(file);
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var refused = await command.RunAsync(new CommandLine(["-C", "-o", "resources", "-X", "<primitive id=\"r1\" type=\"Dummy\"/>"]), stdout, stderr, CancellationToken.None);
            Assert.That(refused, Is.EqualTo(78), stderr.ToString());
            Assert.That(File.ReadAllBytes(file), Is.EqualTo(before));

            var accepted = await command.RunAsync(new CommandLine(["-C", "-o", "resources", "-X", "<primitive id=\"r1\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\"/>"]), stdout, stderr, CancellationToken.None);
            Assert.That(accepted, Is.Zero, stderr.ToString());
            Assert.That(File.ReadAllText(file), Does.Contain("id=\"r1\""));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
