using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Amazon.S3;

namespace ModMesh.Storage.Tests;

/// <summary>
/// An <see cref="IAmazonS3"/> that forwards every call to a real client and records the method name and request,
/// so a test can see which S3 operations a store sent (the server stays real).
/// </summary>
public class RecordingS3Client : DispatchProxy
{
    private IAmazonS3? _inner;

    /// <summary>Every call, in order: method name and first argument (the request).</summary>
    public ConcurrentQueue<(string Method, object? Request)> Calls { get; } = new();

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="recorder"/> sees the calls.</summary>
    public static IAmazonS3 Wrap(IAmazonS3 inner, out RecordingS3Client recorder)
    {
        var proxy = DispatchProxy.Create<IAmazonS3, RecordingS3Client>();
        recorder = (RecordingS3Client)(object)proxy;
        recorder._inner = inner;
        return proxy;
    }

    /// <summary>The requests of one operation ("UploadPartAsync"), in order.</summary>
    public IReadOnlyList<T> Requests<T>(string method) =>
        Calls.Where(c => c.Method == method).Select(c => c.Request).OfType<T>().ToList();

    /// <summary>How many calls of one operation were made.</summary>
    public int Count(string method) => Calls.Count(c => c.Method == method);

    /// <inheritdoc />
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        Calls.Enqueue((targetMethod.Name, args is { Length: > 0 } ? args[0] : null));
        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }
}
