using ModMesh.Storage.Folder;

namespace ModMesh.Storage.S3;

/// <summary>The blob key rules (<see cref="BlobKeyRules"/>) as seen from the S3 store.</summary>
internal static class S3Keys
{
    /// <summary>
    /// Whether <paramref name="key"/> is a key <see cref="BlobKeyRules.ValidateKey"/> accepts. Objects in the bucket
    /// under the store's prefix that no key can name (written by something else) are skipped when listing.
    /// </summary>
    public static bool IsValidKey(string key)
    {
        if (key.Length == 0)
        {
            return false;
        }

        int start = 0;
        while (true)
        {
            int end = key.IndexOf('/', start);
            var segment = end < 0 ? key.AsSpan(start) : key.AsSpan(start, end - start);
            if (!BlobKeyRules.IsValidSegment(segment) || (start == 0 && segment.SequenceEqual(FolderBlobStore.TempFolderName)))
            {
                return false;
            }

            if (end < 0)
            {
                return true;
            }

            start = end + 1;
        }
    }
}
