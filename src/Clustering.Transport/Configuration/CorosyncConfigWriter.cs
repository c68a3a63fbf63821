using System.Text;

namespace Clustering.Transport.Configuration;

/// <summary>
/// Renders a tree (or typed options) as <c>corosync.conf</c> text: four spaces per level, <c>key: value</c>
/// entries, a blank line between top-level sections, <c>\n</c> line ends. Parsing the output gives back a tree
/// with the same content.
/// </summary>
public static class CorosyncConfigWriter
{
    /// <summary>Writes a section: the root's items at the top level, any other section as a <c>name { … }</c> block.</summary>
    /// <param name="section">The section.</param>
    /// <returns>The text, ending with a line feed.</returns>
    public static string Write(ConfigSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var builder = new StringBuilder();
        if (section.IsRoot)
        {
            WriteItems(builder, section, 0);
        }
        else
        {
            WriteSection(builder, section, 0);
        }

        return builder.ToString();
    }

    /// <summary>Writes a document's tree.</summary>
    /// <param name="document">The document.</param>
    /// <returns>The text, ending with a line feed.</returns>
    public static string Write(ConfigDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return Write(document.Root);
    }

    /// <summary>Writes typed options as the effective configuration: every key with its value or its default, computed timings in a comment.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <returns>The text, ending with a line feed.</returns>
    public static string Write(CorosyncConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return CorosyncConfigurationWriter.Write(configuration);
    }

    private static void WriteItems(StringBuilder builder, ConfigSection section, int depth)
    {
        var previousWasSection = false;
        var first = true;
        foreach (var item in section.Items)
        {
            var isSection = item is ConfigSection;
            if (depth == 0 && !first && (isSection || previousWasSection))
            {
                builder.Append('\n');
            }

            if (item is ConfigSection child)
            {
                WriteSection(builder, child, depth);
            }
            else
            {
                builder.Append(' ', depth * 4).Append(item).Append('\n');
            }

            previousWasSection = isSection;
            first = false;
        }
    }

    private static void WriteSection(StringBuilder builder, ConfigSection section, int depth)
    {
        builder.Append(' ', depth * 4).Append(section.Name).Append(" {\n");
        WriteItems(builder, section, depth + 1);
        builder.Append(' ', depth * 4).Append("}\n");
    }
}
