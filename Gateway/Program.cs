using ModMesh.ServiceDefaults.Internal;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddGateway();

var app = builder.Build();

// With ModMesh:InternalKey set, /metrics needs it too (as a Bearer token); GOPROXY paths are the gateway's own business.
app.RequireInternalCalls(open: path => !path.StartsWithSegments(ServiceDefaultsExtensions.MetricsPath));
app.MapDefaultEndpoints();
app.MapGateway();

app.Run();
