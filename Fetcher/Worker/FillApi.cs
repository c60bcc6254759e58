using ModMesh.Coordination;
using ModMesh.Fetcher.Filling;
using ModMesh.Fetcher.Outcomes;
using ModMesh.Storage.Modules;

namespace ModMesh.Fetcher.Worker;

/// <summary>
/// The worker's own API: "fill this file of this version" (<c>POST /fill/{module}@{version}</c> fills the .info, .mod
/// and .zip; <c>?file=mod</c> just one). Lets an operator (or a test) warm the store by hand.
/// </summary>
internal static class FillApi
{
    private const string TextPlain = "text/plain; charset=utf-8";

    public static IEndpointRouteBuilder MapFillApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/fill/{**target}", async (string target, string? file, IModuleFiller filler, HttpContext context, CancellationToken cancellationToken) =>
        {
            var at = target.LastIndexOf('@');
            if (at <= 0)
            {
                return Answer(context, new Outcome(OutcomeKind.BadRequest, "expected /fill/{module}@{version}"));
            }

            ModuleFile[] files = [ModuleFile.Info, ModuleFile.Mod, ModuleFile.Zip];
            if (file is not null)
            {
                if (!FillRequest.TryParseFile(file, out var one))
                {
                    return Answer(context, new Outcome(OutcomeKind.BadRequest, "file must be info, mod or zip"));
                }

                files = [one];
            }

            foreach (var which in files)
            {
                if (!FillRequest.TryCreate(target[..at], target[(at + 1)..], which, out var request, out var error))
                {
                    return Answer(context, new Outcome(OutcomeKind.BadRequest, error));
                }

                var outcome = await filler.EnsureFilledAsync(request, cancellationToken);
                if (outcome.Kind != OutcomeKind.Ok)
                {
                    return Answer(context, outcome);
                }
            }

            return Results.Text($"filled {target}\n", TextPlain);
        });
        return app;
    }

    private static IResult Answer(HttpContext context, Outcome outcome) => OutcomeHttp.Failure(context, outcome);
}
