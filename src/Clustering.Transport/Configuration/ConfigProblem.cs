namespace Clustering.Transport.Configuration;

/// <summary>A rule a configuration breaks, with the dotted key and, when it is about one node or ring, its index.</summary>
internal sealed record ConfigProblem(string Key, string Message, int NodeIndex = -1, int RingIndex = -1);
