using ModMesh.Coordination;

namespace ModMesh.CacheNode.Queries;

/// <summary>The answer to list, @latest or a non-canonical .info.</summary>
/// <param name="Status">The outcome, in the one vocabulary of the node.</param>
/// <param name="Body">The bytes to send, for <see cref="OutcomeKind.Ok"/>.</param>
/// <param name="Message">Why not, otherwise.</param>
/// <param name="Stale">True when the body is older than its time to live (refresh running, or upstream failing).</param>
public sealed record QueryAnswer(OutcomeKind Status, byte[]? Body, string? Message, bool Stale = false);
