using Microsoft.Extensions.Logging;

namespace ModMesh.Storage.S3;

public sealed partial class S3BlobStore
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "Could not abort the multipart upload {UploadId} of {Key} at {Store}; its parts stay until a lifecycle rule removes them")]
        public static partial void AbortFailed(ILogger logger, Exception exception, string store, string key, string uploadId);

        [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "{Store} listed '{Key}' after '{Previous}': the server does not list in binary key order across pages, so listings may be out of order")]
        public static partial void ListedOutOfOrder(ILogger logger, string store, string key, string previous);
    }
}
