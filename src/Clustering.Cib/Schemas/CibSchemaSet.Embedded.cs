using Clustering.Cib.Schemas;

namespace Clustering.Cib.Validation;

/// <summary>Schema sets over the embedded grammars, alone or combined with a directory on disk.</summary>
public sealed partial class CibSchemaSet
{
    private CibSchemaSet(CibSchemaSetOptions options, IReadOnlyList<(string Name, string Path)> entries)
    {
        _options = options;
        Versions = [.. entries.Select(e => e.Name)];
        foreach (var (name, path) in entries)
        {
            _schemas[name] = new Lazy<RelaxNgSchema>(() => Compile(name, path), LazyThreadSafetyMode.ExecutionAndPublication);
        }
    }

    /// <summary>
    /// The embedded schemas of our own writing (<c>pacemaker-1.0</c>, <c>pacemaker-1.1</c>, <c>pacemaker-1.2</c>):
    /// validation with no schema directory installed. <see cref="CibSchemaSetOptions.Directory"/> is ignored.
    /// </summary>
    /// <param name="options">The logger and clock; the directory is not used.</param>
    /// <exception cref="IOException">The grammars cannot be written to a temporary directory.</exception>
    public static CibSchemaSet OpenEmbedded(CibSchemaSetOptions? options = null)
    {
        options ??= new CibSchemaSetOptions();
        var directory = EmbeddedCibSchemas.Directory;
        return new CibSchemaSet(
            new CibSchemaSetOptions { Directory = directory, Logger = options.Logger, TimeProvider = options.TimeProvider },
            [.. EmbeddedCibSchemas.Names.Select(n => (n, Path.Combine(directory, n + ".rng")))]);
    }

    /// <summary>
    /// The embedded <c>pacemaker-1.0</c>, <c>pacemaker-1.1</c> and <c>pacemaker-1.2</c>, plus every other version of
    /// <see cref="CibSchemaSetOptions.Directory"/> (1.3 to 3.x and <c>pacemaker-next</c> of an installed Pacemaker).
    /// The embedded grammars win over a directory's files of the same name. A missing directory leaves the embedded
    /// ones only.
    /// </summary>
    /// <param name="options">The directory for the newer versions, the logger and clock.</param>
    /// <exception cref="IOException">The grammars cannot be written to a temporary directory.</exception>
    public static CibSchemaSet OpenCombined(CibSchemaSetOptions? options = null)
    {
        options ??= new CibSchemaSetOptions();
        var embeddedDirectory = EmbeddedCibSchemas.Directory;
        var entries = EmbeddedCibSchemas.Names.ToDictionary(n => n, n => Path.Combine(embeddedDirectory, n + ".rng"), StringComparer.Ordinal);
        if (System.IO.Directory.Exists(options.Directory))
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(options.Directory, "pacemaker-*.rng"))
            {
                var name = Path.GetFileNameWithoutExtension(file);
                if (ParseVersion(name) is not null)
                {
                    entries.TryAdd(name, file);
                }
            }
        }

        var ordered = entries.OrderBy(e => ParseVersion(e.Key)).Select(e => (e.Key, e.Value)).ToList();
        return new CibSchemaSet(options, ordered);
    }
}
