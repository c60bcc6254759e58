using System.Runtime.InteropServices;

namespace ModMesh.Gateway.LoadBalancing;

/// <summary>
/// A stable 64-bit hash for rendezvous scores: FNV-1a over the UTF-16 code units of the key, a separator and the
/// node, then the MurmurHash3 64-bit finalizer so that near-identical inputs (node0/node1) give unrelated scores.
/// Stable across processes and machines (no per-process seed), which is the point: every gateway replica ranks the
/// nodes the same way for a module.
/// </summary>
internal static class RendezvousHash
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>The hash state after the key: hash it once per request, then <see cref="Score"/> per node.</summary>
    public static ulong KeyState(ReadOnlySpan<char> key) => Append(FnvOffset, key);

    /// <summary>The score of <paramref name="node"/> for the key whose state is <paramref name="keyState"/>.</summary>
    public static ulong Score(ulong keyState, ReadOnlySpan<char> node)
    {
        // A 0xFF byte (never part of ASCII text) between key and node keeps "ab"+"c" apart from "a"+"bc".
        var state = (keyState ^ 0xFF) * FnvPrime;
        return Mix(Append(state, node));
    }

    private static ulong Append(ulong state, ReadOnlySpan<char> text)
    {
        foreach (var b in MemoryMarshal.AsBytes(text))
        {
            state = (state ^ b) * FnvPrime;
        }

        return state;
    }

    /// <summary>MurmurHash3's fmix64.</summary>
    private static ulong Mix(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }
}
