namespace ModMesh.AppHost;

/// <summary>
/// The distributed topology's servers as executables (no Docker engine needed): redis-server from the OS packages
/// and s3rver, the S3-compatible server the test suite installs under .tools/ (npm install --prefix .tools s3rver@3.7.1).
/// </summary>
internal static class ClusterResources
{
    private const string Bucket = "modmesh";

    public sealed record Server(IResourceBuilder<ExecutableResource> Resource, ReferenceExpression ConnectionString);

    /// <summary>
    /// redis-server on 127.0.0.1:<paramref name="port"/>, no persistence, <c>--requirepass</c> with
    /// <paramref name="password"/> (a secret parameter: masked in the dashboard); the connection string carries it.
    /// </summary>
    public static Server AddRedisServer(this IDistributedApplicationBuilder builder, string name, int port, IResourceBuilder<ParameterResource> password)
    {
        var redis = builder.AddExecutable(name, "redis-server", builder.AppHostDirectory,
                "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--bind", "127.0.0.1",
                "--appendonly", "no",
                "--save", "\"\"")
            .WithArgs("--requirepass", password.Resource);
        return new Server(redis, ReferenceExpression.Create($"127.0.0.1:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)},abortConnect=false,password={password.Resource}"));
    }

    /// <summary>s3rver on 127.0.0.1:<paramref name="port"/>, its data under <paramref name="storagePath"/>/s3, bucket "modmesh".</summary>
    public static Server AddS3rver(this IDistributedApplicationBuilder builder, string name, int port, string storagePath)
    {
        var repository = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
        var script = Path.Combine(repository, ".tools", "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"The S3 server is not installed: run `npm install --prefix {Path.Combine(repository, ".tools")} s3rver@3.7.1` (or `bash scripts/test.sh`, which installs it).");
        }

        var data = Path.Combine(storagePath, "s3");
        Directory.CreateDirectory(data);
        // The preload gives s3rver S3's atomic PUT and AbortMultipartUpload (see the file's header).
        var semantics = Path.Combine(repository, "scripts", "s3rver-s3-semantics.js");
        var s3 = builder.AddExecutable(name, "node", repository,
                "-r", semantics, script, "--directory", data, "--address", "127.0.0.1",
                "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--silent", "--configure-bucket", Bucket)
            .WithEnvironment("NODE_OPTIONS", "--openssl-legacy-provider");
        return new Server(s3, ReferenceExpression.Create($"Endpoint=http://127.0.0.1:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)};Bucket={Bucket};Region=us-east-1;AccessKey=S3RVER;SecretKey=S3RVER;ForcePathStyle=true"));
    }

    /// <summary>
    /// Points a service at the shared Redis and S3 (ConnectionStrings__redis / __blobs), gives it the cluster's
    /// job-signing key (ModMesh__Coordination__JobSigningKey) and starts it after them.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithClusterStorage(
        this IResourceBuilder<ProjectResource> service, Server redis, Server blobs, IResourceBuilder<ParameterResource> jobSigningKey) =>
        service
            .WithEnvironment("ConnectionStrings__redis", redis.ConnectionString)
            .WithEnvironment("ConnectionStrings__blobs", blobs.ConnectionString)
            .WithEnvironment("ModMesh__Coordination__JobSigningKey", jobSigningKey)
            .WaitFor(redis.Resource)
            .WaitFor(blobs.Resource);
}
