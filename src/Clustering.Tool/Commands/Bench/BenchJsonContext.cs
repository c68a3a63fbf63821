using System.Text.Json.Serialization;

namespace Clustering.Tool.Commands.Bench;

/// <summary>
/// The source-generated JSON contract of the <c>RESULT</c> line a bench member sends its parent, so the line is
/// written and read without reflection (clusterctl is Native-AOT publishable).
/// </summary>
[JsonSerializable(typeof(BenchMemberResult))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
