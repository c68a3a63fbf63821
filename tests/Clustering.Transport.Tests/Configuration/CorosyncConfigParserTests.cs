using Clustering.Transport.Configuration;

namespace Clustering.Transport.Tests.Configuration;

public sealed class CorosyncConfigParserTests
{
    internal static string SeedPath => Path.Combine(TestContext.CurrentContext.TestDirectory, "Configuration", "seed-corosync.conf");

    [Test]
    public void The_seed_file_parses_into_its_sections_in_order()
    {
        var document = CorosyncConfigParser.Load(SeedPath);

        Assert.That(document.FileName, Is.EqualTo(SeedPath));
        Assert.That(document.Warnings, Is.Empty);
        Assert.That(document.Root.Sections.Select(s => s.Name), Is.EqualTo(new[] { "totem", "logging", "amf", "service" }));
        var totem = document.Root.SectionsNamed("totem").Single();
        Assert.That(totem.Entries.Select(e => e.ToString()), Is.EqualTo(new[] { "version: 2", "secauth: on", "threads: 0", "rrp_mode: active" }));
        var interfaces = totem.SectionsNamed("interface").ToList();
        Assert.That(interfaces, Has.Count.EqualTo(2));
        Assert.That(interfaces[1].Find("bindnetaddr")!.Value, Is.EqualTo("192.168.0.0"));
        Assert.That(interfaces[1].Line, Is.EqualTo(14));
        Assert.That(interfaces[1].Column, Is.EqualTo(9));
        var service = document.Root.SectionsNamed("service").Single();
        Assert.That(service.Find("name")!.Value, Is.EqualTo("pacemaker"));
        Assert.That(service.Find("ver")!.Line, Is.EqualTo(38));
    }

    [Test]
    public void Entries_carry_line_and_columns_of_key_and_value()
    {
        var document = CorosyncConfigParser.Parse("totem {\n\tversion:    2\n}\n");
        var entry = document.Root.Sections.Single().Entries.Single();
        Assert.That((entry.Line, entry.Column, entry.ValueColumn), Is.EqualTo((2, 2, 14)));
    }

    [Test]
    public void Values_keep_inner_spaces_and_colons_and_lose_outer_blanks()
    {
        var document = CorosyncConfigParser.Parse("logging {\n  logfile:   /var/log/a b.log \t\n  ring0_addr: fe80::1:2\n  empty:\n}\n");
        var logging = document.Root.Sections.Single();
        Assert.That(logging.Find("logfile")!.Value, Is.EqualTo("/var/log/a b.log"));
        Assert.That(logging.Find("ring0_addr")!.Value, Is.EqualTo("fe80::1:2"));
        Assert.That(logging.Find("empty")!.Value, Is.Empty);
    }

    [Test]
    public void Comments_blank_lines_crlf_and_a_colon_before_the_brace_are_accepted()
    {
        var text = "# top comment\r\n\r\n   # indented comment\r\ntotem: {\r\n  token: 3000\r\n}\r\n";
        var document = CorosyncConfigParser.Parse(text);
        var totem = document.Root.Sections.Single();
        Assert.That(totem.Name, Is.EqualTo("totem"));
        Assert.That(totem.Find("token")!.Value, Is.EqualTo("3000"));
    }

    [Test]
    public void Nested_sections_keep_file_order_of_entries_and_sections()
    {
        var document = CorosyncConfigParser.Parse("nodelist {\n node {\n  ring0_addr: 10.0.0.1\n }\n x: 1\n node {\n  ring0_addr: 10.0.0.2\n }\n}\n");
        var nodelist = document.Root.Sections.Single();
        Assert.That(nodelist.Items.Select(i => i is ConfigSection s ? s.Name : ((ConfigEntry)i).Key), Is.EqualTo(new[] { "node", "x", "node" }));
    }

    [TestCase("totem {\n  version: 2\n}\n}\n", 4, 1, "parser error: Unexpected closing brace")]
    [TestCase("totem {\n  version: 2\n", 1, 1, "parser error: Missing closing brace")]
    [TestCase("totem {\n  interface {\n    ringnumber: 0\n}\n", 1, 1, "parser error: Missing closing brace")]
    [TestCase("totem {\n  version 2\n}\n", 2, 3, "parser error: Line is not opening or closing section or key value")]
    [TestCase("totem {\n  : 2\n}\n", 2, 3, "parser error: Missing key before ':'")]
    [TestCase("totem {\n  my key: 2\n}\n", 2, 3, "parser error: Invalid key 'my key'")]
    [TestCase("  {\n}\n", 1, 3, "parser error: Missing section name before '{'")]
    [TestCase("my totem {\n}\n", 1, 1, "parser error: Invalid section name 'my totem'")]
    [TestCase("totem { version: 2\n}\n", 1, 9, "parser error: Extra characters after opening bracket '{'")]
    [TestCase("totem {\n}  extra\n", 2, 4, "parser error: Extra characters before or after closing bracket '}'")]
    [TestCase("totem {\n  token: 1\u00002\n}\n", 2, 11, "parser error: Invalid control character U+0000")]
    public void Syntax_errors_say_where_and_what(string text, int line, int column, string message)
    {
        var e = Assert.Throws<ConfigurationException>(() => CorosyncConfigParser.Parse(text, "c.conf"))!;
        Assert.That(e.FileName, Is.EqualTo("c.conf"));
        Assert.That((e.Line, e.Column), Is.EqualTo((line, column)));
        Assert.That(e.Reason, Does.StartWith(message));
        Assert.That(e.Message, Does.StartWith($"c.conf:{line}:{column}: parser error: "));
    }

    [Test]
    public void A_missing_closing_brace_names_the_innermost_open_section()
    {
        var e = Assert.Throws<ConfigurationException>(() => CorosyncConfigParser.Parse("totem {\n  interface {\n  }\n  interface {\n"))!;
        Assert.That((e.Line, e.Column, e.Key), Is.EqualTo((4, 3, "totem.interface")));
    }

    [Test]
    public void Nesting_is_bounded()
    {
        var text = string.Concat(Enumerable.Repeat("a {\n", 40)) + string.Concat(Enumerable.Repeat("}\n", 40));
        var e = Assert.Throws<ConfigurationException>(() => CorosyncConfigParser.Parse(text))!;
        Assert.That(e.Reason, Does.StartWith("parser error: Sections nested deeper than"));
        Assert.That(e.Line, Is.EqualTo(32));
    }

    [Test]
    public void A_line_corosync_would_split_is_a_warning_with_its_position()
    {
        var text = "totem {\n  cluster_name: " + new string('x', 600) + "\n}\n";
        var document = CorosyncConfigParser.Parse(text, "long.conf");
        var warning = document.Warnings.Single();
        Assert.That((warning.Line, warning.Column), Is.EqualTo((2, 512)));
        Assert.That(warning.ToString(), Does.StartWith("long.conf:2:512: warning: line is 616 characters long"));
    }

    [Test]
    public void A_missing_file_is_a_typed_error_naming_it()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "corosync.conf");
        var e = Assert.Throws<ConfigurationException>(() => CorosyncConfigParser.Load(path))!;
        Assert.That(e.FileName, Is.EqualTo(path));
        Assert.That(e.Reason, Does.StartWith($"Can't read file {path} reason = ("));
    }

    [Test]
    public async Task LoadAsync_reads_the_same_tree_as_Load()
    {
        var sync = CorosyncConfigParser.Load(SeedPath);
        var asynchronous = await CorosyncConfigParser.LoadAsync(SeedPath, CancellationToken.None);
        Assert.That(asynchronous.Root.ContentEquals(sync.Root), Is.True);
    }

    [Test]
    public void A_byte_order_mark_is_ignored()
    {
        var document = CorosyncConfigParser.Parse("\uFEFFtotem {\n}\n");
        Assert.That(document.Root.Sections.Single().Name, Is.EqualTo("totem"));
    }
}
