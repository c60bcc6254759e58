using System.Buffers.Binary;
using System.Diagnostics;
using Xunit.Abstractions;

namespace ModMesh.Protocol.Tests.Zip;

public class ZipMutationTests(ITestOutputHelper output)
{
    private const int Mutations = 12_000;

    [Fact]
    public void Inspect_MutatedZips_NeverThrows()
    {
        var random = new Random(424242);
        var generator = new ZipCaseGenerator(seed: 99);
        var stopwatch = Stopwatch.StartNew();
        int valid = 0, refused = 0;
        byte[] original = [];
        for (var i = 0; i < Mutations; i++)
        {
            if (i % 20 == 0)
            {
                original = generator.Next("v1.0.0", "valid").Zip;
            }

            var zip = Mutate(original, random);
            ModuleZipReport report;
            try
            {
                report = ModuleZip.Inspect(new MemoryStream(zip), "example.com/m", "v1.0.0");
            }
            catch (Exception ex)
            {
                Assert.Fail($"mutation {i} threw {ex}\nzip: {Convert.ToBase64String(zip)}");
                return;
            }

            if (report.IsValid)
            {
                Assert.NotNull(report.Hash);
                valid++;
            }
            else
            {
                Assert.False(string.IsNullOrWhiteSpace(report.Problem));
                Assert.Null(report.Hash);
                refused++;
            }

            try
            {
                DirHash.HashZip(new MemoryStream(zip));
            }
            catch (InvalidDataException)
            {
                // The one documented failure of HashZip.
            }
        }

        output.WriteLine($"{Mutations} mutated zips: {valid} still valid, {refused} refused, in {stopwatch.Elapsed.TotalSeconds:F1} s");
        Assert.True(refused > Mutations / 2, $"only {refused} refused");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromMinutes(2), $"took {stopwatch.Elapsed}");
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        var zip = (byte[])original.Clone();
        switch (random.Next(7))
        {
            case 0: // flipped bytes
                for (var n = random.Next(1, 6); n > 0; n--)
                {
                    zip[random.Next(zip.Length)] ^= (byte)(1 << random.Next(8));
                }

                return zip;
            case 1: // truncation
                return zip[..random.Next(zip.Length)];
            case 2: // a random value at a random place
                WriteAt(zip, random.Next(zip.Length), Huge(random), random.Next(1, 9));
                return zip;
            case 3: // a central-directory field (sizes, offsets, name/extra lengths, method, flags, attributes)
            {
                var at = FindAll(zip, 0x02014b50, random);
                if (at < 0)
                {
                    return zip;
                }

                var field = new[] { (8, 2), (10, 2), (16, 4), (20, 4), (24, 4), (28, 2), (30, 2), (32, 2), (38, 4), (42, 4) }[random.Next(10)];
                WriteAt(zip, at + field.Item1, Huge(random), field.Item2);
                return zip;
            }

            case 4: // an end-record field (counts, directory size and offset, comment length)
            {
                var at = zip.AsSpan().LastIndexOf("PK\u0005\u0006"u8);
                if (at < 0)
                {
                    return zip;
                }

                var field = new[] { (4, 2), (6, 2), (8, 2), (10, 2), (12, 4), (16, 4), (20, 2) }[random.Next(7)];
                WriteAt(zip, at + field.Item1, Huge(random), field.Item2);
                return zip;
            }

            case 5: // a local-header field
            {
                var at = FindAll(zip, 0x04034b50, random);
                if (at < 0)
                {
                    return zip;
                }

                var field = new[] { (6, 2), (8, 2), (14, 4), (18, 4), (22, 4), (26, 2), (28, 2) }[random.Next(7)];
                WriteAt(zip, at + field.Item1, Huge(random), field.Item2);
                return zip;
            }

            default: // bytes inserted or removed in the middle
            {
                var at = random.Next(zip.Length);
                return random.Next(2) == 0
                    ? [.. zip[..at], .. new byte[random.Next(1, 40)], .. zip[at..]]
                    : [.. zip[..at], .. zip[Math.Min(zip.Length, at + random.Next(1, 40))..]];
            }
        }
    }

    private static ulong Huge(Random random) => random.Next(5) switch
    {
        0 => ulong.MaxValue,
        1 => 0xFFFFFFFF,
        2 => 0xFFFF,
        3 => 0,
        _ => (ulong)random.NextInt64(),
    };

    private static void WriteAt(byte[] zip, int at, ulong value, int width)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        for (var k = 0; k < width && at + k < zip.Length; k++)
        {
            zip[at + k] = bytes[k];
        }
    }

    private static int FindAll(byte[] zip, uint signature, Random random)
    {
        Span<byte> sig = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(sig, signature);
        var found = new List<int>();
        for (var at = zip.AsSpan().IndexOf(sig); at >= 0;)
        {
            found.Add(at);
            var next = zip.AsSpan(at + 1).IndexOf(sig);
            at = next < 0 ? -1 : at + 1 + next;
        }

        return found.Count == 0 ? -1 : found[random.Next(found.Count)];
    }
}
