using ModMesh.Protocol.Sumdb;

namespace ModMesh.Fetcher.Verification;

/// <summary>A tree head whose signed note verified with the configured key: the tree and the note's bytes.</summary>
internal sealed record VerifiedTreeHead(TlogTree Tree, byte[] Note);

/// <summary>
/// The latest verified tree head, kept in memory and in the blob store ("state/sumdb/{name}/verified-latest", the signed note
/// itself, so it is verified again with the key when loaded).
/// </summary>
/// <remarks>
/// Several nodes share the store, which has no conditional write (last writer wins). Every head written was proven
/// consistent with the head the writer found there and with the writer's own; a head found there is adopted only after
/// it is proven consistent with ours (a larger one) or ours with it. After each write the head is read back: a head of
/// another node that won a race is then proven consistent with ours too — adopted when larger, overwritten by ours when
/// smaller — so of two racing writers, both heads are proven consistent with each other before the smaller one may
/// stay. Either way the store only ever holds heads that are prefixes of every head a node verified, and a fork shows
/// up as a SECURITY ERROR at the next advance of any node.
/// </remarks>
internal sealed partial class ChecksumDatabaseVerifier
{
    private const int MaxKeptHeadBytes = 64 * 1024;
    private const int MaxKeepAttempts = 3;

    /// <summary>
    /// Makes <paramref name="head"/> part of what is known, after proving it consistent with the latest verified head
    /// (and with the one kept in the store); returns the (new) latest tree, which may be larger than head's.
    /// </summary>
    /// <exception cref="ChecksumDatabaseException">The trees are inconsistent (SECURITY ERROR).</exception>
    private async Task<TlogTree> MergeAsync(VerifiedTreeHead head, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        var tree = head.Tree;
        var latest = Latest;
        if (latest is not null && tree.Size <= latest.Size)
        {
            await ProveConsistentAsync(tree, latest, cancellationToken).ConfigureAwait(false);
            return latest;
        }

        await _advance.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            latest = Latest;
            if (latest is not null && tree.Size <= latest.Size)
            {
                await ProveConsistentAsync(tree, latest, cancellationToken).ConfigureAwait(false);
                return latest;
            }

            if (latest is not null)
            {
                await ProveConsistentAsync(latest, tree, cancellationToken).ConfigureAwait(false);
            }

            return (await KeepAsync(head, cancellationToken).ConfigureAwait(false)).Tree;
        }
        finally
        {
            _advance.Release();
        }
    }

    /// <summary>Loads the kept head once, before the first use (it is signed: verified with the key like any head).</summary>
    private async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (_loaded)
        {
            return;
        }

        await _advance.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_loaded)
            {
                return;
            }

            var kept = await ReadKeptAsync(cancellationToken).ConfigureAwait(false);
            if (kept is not null)
            {
                Adopt(kept);
            }

            _loaded = true;
        }
        finally
        {
            _advance.Release();
        }
    }

    /// <summary>
    /// With <paramref name="head"/> proven consistent with the in-memory latest: reconciles it with the kept head
    /// (proving each step) and writes it when it is the larger; returns the head now latest. Runs under _advance.
    /// </summary>
    private async Task<VerifiedTreeHead> KeepAsync(VerifiedTreeHead head, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var kept = await ReadKeptAsync(cancellationToken).ConfigureAwait(false);
            if (kept is not null)
            {
                if (kept.Tree.Size >= head.Tree.Size)
                {
                    // Another node kept a larger (or the same) tree: ours must be a prefix of it.
                    await ProveConsistentAsync(head.Tree, kept.Tree, cancellationToken).ConfigureAwait(false);
                    Adopt(kept);
                    return kept;
                }

                await ProveConsistentAsync(kept.Tree, head.Tree, cancellationToken).ConfigureAwait(false);
            }

            Adopt(head);
            if (attempt == MaxKeepAttempts)
            {
                // Others keep writing smaller heads over ours: memory still protects this process; the next advance retries.
                return head;
            }

            using (var content = new MemoryStream(head.Note, writable: false))
            {
                await _blobs.PutAsync(KeptHeadKey, content, cancellationToken).ConfigureAwait(false);
            }

            Log.KeptHeadWritten(_logger, _setting.Name, head.Tree.Size);

            // Read back on the next turn: ours (done), or a racing node's head, proven consistent with ours either way.
        }
    }

    /// <summary>Makes <paramref name="head"/> the in-memory latest when it is larger.</summary>
    private void Adopt(VerifiedTreeHead head)
    {
        lock (_gate)
        {
            var old = _latest?.Tree.Size ?? 0;
            if (_latest is null || head.Tree.Size > _latest.Tree.Size)
            {
                _latest = head;
                Log.TreeAdvanced(_logger, _setting.Name, old, head.Tree.Size);
            }
        }
    }

    /// <summary>The kept head, verified with the configured key; null when there is none or it does not verify.</summary>
    private async Task<VerifiedTreeHead?> ReadKeptAsync(CancellationToken cancellationToken)
    {
        var reader = await _blobs.OpenReadAsync(KeptHeadKey, cancellationToken).ConfigureAwait(false);
        if (reader is null)
        {
            return null;
        }

        byte[] note;
        await using (reader.ConfigureAwait(false))
        {
            if (reader.Properties.Length > MaxKeptHeadBytes)
            {
                Log.KeptHeadIgnored(_logger, _setting.Name, KeptHeadKey, $"{reader.Properties.Length} bytes, over {MaxKeptHeadBytes}");
                return null;
            }

            using var buffer = new MemoryStream();
            await reader.Content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            note = buffer.ToArray();
        }

        try
        {
            return new VerifiedTreeHead(OpenTreeHead(note), note);
        }
        catch (ChecksumDatabaseException ex)
        {
            // Only a signed head is ever written: this one was damaged or planted. It proves nothing, so it is not used.
            Log.KeptHeadIgnored(_logger, _setting.Name, KeptHeadKey, ex.Message);
            return null;
        }
    }

    private async Task ProveConsistentAsync(TlogTree older, TlogTree newer, CancellationToken cancellationToken)
    {
        bool consistent;
        if (older.Size == newer.Size)
        {
            consistent = older.Hash == newer.Hash;
        }
        else if (older.Size == 0)
        {
            consistent = older.Hash == Tlog.EmptyTreeHash;
        }
        else
        {
            var indexes = Tlog.TreeProofIndexes(newer.Size, older.Size);
            var hashes = await new TileHashReader(newer, _tiles).ReadHashesAsync(indexes, cancellationToken).ConfigureAwait(false);
            var proof = Tlog.BuildTreeProof(newer.Size, older.Size, hashes);
            consistent = Tlog.CheckTree(proof, newer.Size, newer.Hash, older.Size, older.Hash);
        }

        if (!consistent)
        {
            Log.SecurityError(_logger, _setting.Name, older.Size, older.Hash.ToString(), newer.Size, newer.Hash.ToString());
            throw new ChecksumDatabaseException(
                $"SECURITY ERROR: the checksum database {_setting.Name} served a tree of size {newer.Size} that does not extend the tree of size {older.Size} seen before");
        }
    }
}
