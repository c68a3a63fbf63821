using System.Diagnostics.Metrics;
using Clustering.Node;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Clustering.Hosting;

/// <summary>Registers a <see cref="ClusterNode"/> with the .NET generic host.</summary>
public static class ClusterNodeServiceCollectionExtensions
{
    /// <summary>
    /// Adds a cluster node as a singleton <see cref="ClusterNode"/> and a hosted service that starts it with the host
    /// and stops it gracefully (its groups left) when the host stops. The node logs through the host's
    /// <see cref="ILoggerFactory"/>, meters through its <see cref="IMeterFactory"/> and reads the host's
    /// <see cref="TimeProvider"/>, when they are registered and the builder's options have none.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="builder">Creates the node's builder, e.g. <c>_ =&gt; ClusterNodeBuilder.FromCorosyncConfig(path)</c>.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddClusterNode(this IServiceCollection services, Func<IServiceProvider, ClusterNodeBuilder> builder)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(builder);
        services.AddSingleton(provider =>
        {
            var nodeBuilder = builder(provider) ?? throw new InvalidOperationException("The ClusterNodeBuilder factory returned null.");
            var options = nodeBuilder.Options;
            options.LoggerFactory ??= provider.GetService<ILoggerFactory>();
            options.MeterFactory ??= provider.GetService<IMeterFactory>();
            if (ReferenceEquals(options.TimeProvider, TimeProvider.System) && provider.GetService<TimeProvider>() is { } time)
            {
                options.TimeProvider = time;
            }

            return nodeBuilder.Build();
        });
        services.AddHostedService<ClusterNodeHostedService>();
        return services;
    }

    /// <summary>Adds a cluster node built from <c>corosync.conf</c> and its authkey; see <see cref="AddClusterNode(IServiceCollection, Func{IServiceProvider, ClusterNodeBuilder})"/>.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="corosyncConfigPath">The configuration file.</param>
    /// <param name="authkeyPath">The key file, or <see langword="null"/> for the configuration's.</param>
    /// <param name="nodeId">This node's nodelist entry, or <see langword="null"/> to resolve it as Corosync does.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddClusterNode(this IServiceCollection services, string corosyncConfigPath, string? authkeyPath = null, uint? nodeId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(corosyncConfigPath);
        return services.AddClusterNode(provider =>
            ClusterNodeBuilder.FromCorosyncConfig(corosyncConfigPath, authkeyPath, nodeId, provider.GetService<ILoggerFactory>()));
    }
}
