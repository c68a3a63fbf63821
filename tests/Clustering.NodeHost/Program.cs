using System.Runtime.InteropServices;
using Clustering.NodeHost;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

// One cluster node per process for the process-level tests: events as JSON lines on stdout, commands on stdin,
// logs on stderr. Exit codes: 0 after quit, end of input or SIGTERM/SIGINT; 2 for a bad command line; 3 when
// the node cannot start.
HostArguments arguments;
try
{
    arguments = HostArguments.Parse(args);
}
catch (HostArgumentException e)
{
    await Console.Error.WriteLineAsync($"Clustering.NodeHost: {e.Message}").ConfigureAwait(false);
    await Console.Error.WriteLineAsync(HostArguments.Usage).ConfigureAwait(false);
    return 2;
}

using var terminate = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    terminate.Cancel();
}

using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var loggers = LoggerFactory.Create(builder => builder
    .SetMinimumLevel(arguments.LogLevel)
    .AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "HH:mm:ss.fff ";
        o.ColorBehavior = LoggerColorBehavior.Disabled;
    })
    .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
var app = new NodeHostApp(arguments, new EventWriter(Console.Out), loggers, TimeProvider.System);
return await app.RunAsync(Console.In, terminate.Token).ConfigureAwait(false);
