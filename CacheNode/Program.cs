using ModMesh.CacheNode.Admin;
using ModMesh.CacheNode.Apis;
using ModMesh.CacheNode.Extensions;
using ModMesh.ServiceDefaults.Internal;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddConsulRegistration("modmesh-cachenode");
builder.AddApplicationServices();

var app = builder.Build();

app.RequireInternalCalls();
app.MapDefaultEndpoints();
app.MapGoProxyApi();
app.MapPublishApi();
app.MapAdminVerifyApi();
app.MapStatusApi();
app.MapAdminApi();

app.Run();

/// <summary>The cache node's entry point (public for tests).</summary>
public partial class Program;
