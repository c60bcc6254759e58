namespace ModMesh.Gateway;

internal sealed partial class GoProxyUrlLogger
{
    private static partial class Log
    {
        [LoggerMessage(EventIds.GoProxyUrl, LogLevel.Information, "ModMesh gateway is listening: export GOPROXY={GoProxyUrl}")]
        public static partial void GoProxyUrl(ILogger logger, string goProxyUrl);
    }
}
