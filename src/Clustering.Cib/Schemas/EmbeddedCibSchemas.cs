namespace Clustering.Cib.Schemas;

/// <summary>
/// The RELAX NG schemas of our own writing that ship inside this assembly: <c>pacemaker-1.0</c>,
/// <c>pacemaker-1.1</c> (the experimental syntax of Pacemaker 1.1.10, later <c>pacemaker-next</c>) and
/// <c>pacemaker-1.2</c>. Pacemaker's own schema files are not used or shipped; newer versions come from a schema
/// directory on disk (see <see cref="Validation.CibSchemaSet.OpenCombined"/>).
/// </summary>
/// <remarks>
/// The schema engine compiles from files, so the first use writes the three grammars into a private temporary
/// directory of this process (removed when the process exits); <see cref="Directory"/> names it.
/// </remarks>
public static class EmbeddedCibSchemas
{
    private const string ResourcePrefix = "Clustering.Cib.Schemas.";

    private static readonly Lazy<string> Materialized = new(Materialize, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The schema names embedded, oldest first.</summary>
    public static IReadOnlyList<string> Names { get; } = ["pacemaker-1.0", "pacemaker-1.1", "pacemaker-1.2"];

    /// <summary>The directory holding the embedded grammars as files, written on first use.</summary>
    /// <exception cref="IOException">The temporary directory cannot be written.</exception>
    public static string Directory => Materialized.Value;

    /// <summary>Whether <paramref name="name"/> (such as <c>pacemaker-1.2</c>) is embedded.</summary>
    public static bool Contains(string name) => Names.Contains(name, StringComparer.Ordinal);

    /// <summary>Opens the text of an embedded grammar, <c>NAME.rng</c>.</summary>
    /// <param name="name">A name of <see cref="Names"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not embedded.</exception>
    public static Stream OpenRead(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Contains(name))
        {
            throw new ArgumentException($"'{name}' is not an embedded schema (embedded: {string.Join(", ", Names)})", nameof(name));
        }

        return Open(name + ".rng");
    }

    private static Stream Open(string file)
        => typeof(EmbeddedCibSchemas).Assembly.GetManifestResourceStream(ResourcePrefix + file)
           ?? throw new InvalidOperationException($"the embedded resource {ResourcePrefix}{file} is missing from {typeof(EmbeddedCibSchemas).Assembly.GetName().Name}");

    private static string Materialize()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("clustering-cib-schemas-");
        foreach (var name in Names)
        {
            using var source = Open(name + ".rng");
            using var target = new FileStream(Path.Combine(directory.FullName, name + ".rng"), FileMode.CreateNew, FileAccess.Write);
            source.CopyTo(target);
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(directory);
        return directory.FullName;
    }

    private static void TryDelete(DirectoryInfo directory)
    {
        try
        {
            directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // best effort at exit: a leftover temporary directory is harmless
        }
        catch (UnauthorizedAccessException)
        {
            // same
        }
    }
}
