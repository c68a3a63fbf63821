namespace Clustering.Tool.Commands;

/// <summary>One sub-command of clusterctl.</summary>
internal interface ICommand
{
    /// <summary>The word that selects it (<c>keygen</c>, <c>config</c>, ...).</summary>
    string Name { get; }

    /// <summary>The options it takes, for usage lines.</summary>
    string Synopsis { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>Runs it and returns the exit code. Throws <see cref="CommandLineException"/> for a bad command line.</summary>
    Task<int> RunAsync(CommandLine args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken);
}
