using ModMesh.Coordination;
using ModMesh.Fetcher;
using ModMesh.Fetcher.Worker;
using ModMesh.ServiceDefaults.Internal;
using ModMesh.Storage;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddConsulRegistration("modmesh-fetcher");
builder.AddModMeshStorage();
builder.AddModMeshCoordination();
builder.AddModuleFilling(FillRole.Fetcher);
builder.AddFillJobConsumer();

var app = builder.Build();

app.RequireInternalCalls();
app.MapDefaultEndpoints();
app.MapFillApi();

app.Run();
