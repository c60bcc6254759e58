using ModMesh.Coordination.InProcess;
using ModMesh.Fetcher;
using ModMesh.Fetcher.Worker;
using ModMesh.Storage;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddModMeshStorage();
builder.Services.AddInProcessCoordination();
builder.AddFetcher();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapFillApi();

app.Run();
