using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ModMesh.TestSupport.Go;

/// <summary>One object of <c>go mod download -json</c> output.</summary>
public sealed record GoModDownload
{
    public string Path { get; init; } = "";
    public string Version { get; init; } = "";
    public string? Error { get; init; }
    public string? Info { get; init; }
    public string? GoMod { get; init; }
    public string? Zip { get; init; }
    public string? Dir { get; init; }
    public string? Sum { get; init; }
    public string? GoModSum { get; init; }

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Parses the stream of concatenated JSON objects go prints for <c>-json</c>.</summary>
    public static IReadOnlyList<GoModDownload> ParseAll(string output)
    {
        var result = new List<GoModDownload>();
        var bytes = Encoding.UTF8.GetBytes(output);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                result.Add(JsonSerializer.Deserialize<GoModDownload>(ref reader, Json)!);
            }
        }

        return result;
    }
}
