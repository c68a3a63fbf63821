using Clustering.Node;
using Microsoft.Extensions.Hosting;

namespace Clustering.Hosting;

/// <summary>Starts the host's <see cref="ClusterNode"/> with the host and stops it gracefully with the host.</summary>
/// <param name="node">The node registered by <see cref="ClusterNodeServiceCollectionExtensions.AddClusterNode(Microsoft.Extensions.DependencyInjection.IServiceCollection, Func{IServiceProvider, ClusterNodeBuilder})"/>.</param>
public sealed class ClusterNodeHostedService(ClusterNode node) : IHostedService
{
    /// <summary>Starts the node.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    public Task StartAsync(CancellationToken cancellationToken) => node.StartAsync(cancellationToken);

    /// <summary>Leaves the node's groups and stops it; the host's shutdown timeout bounds the wait for the leaves.</summary>
    /// <param name="cancellationToken">Fires when the host's shutdown timeout passes.</param>
    public Task StopAsync(CancellationToken cancellationToken) => node.StopAsync(cancellationToken);
}
