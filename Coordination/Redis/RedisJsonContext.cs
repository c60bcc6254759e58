using System.Text.Json.Serialization;

namespace ModMesh.Coordination.Redis;

/// <summary>The wire forms of what the Redis coordinators store: a fill outcome (pub/sub) and a fill job (stream).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(Outcome))]
[JsonSerializable(typeof(FillJob))]
internal sealed partial class RedisJsonContext : JsonSerializerContext;
