using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ModMesh.ServiceDefaults.Draining;

/// <summary>
/// First in every web service's pipeline: while the service drains, each answer carries
/// <see cref="DrainSignal.HeaderName"/> and <c>Connection: close</c> (Kestrel then closes the keep-alive connection
/// after the answer, so no pooled connection outlives the server). Outside a drain it costs one flag read.
/// </summary>
internal sealed class DrainSignalStartupFilter(IDrainState drain) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (drain.IsDraining)
            {
                context.Response.OnStarting(static state =>
                {
                    var headers = ((HttpResponse)state).Headers;
                    headers[DrainSignal.HeaderName] = DrainSignal.Value;
                    headers[HeaderNames.Connection] = "close";
                    return Task.CompletedTask;
                }, context.Response);
            }

            return nextMiddleware(context);
        });
        next(app);
    };
}
