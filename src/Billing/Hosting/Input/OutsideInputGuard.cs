using System.Text;
using Microsoft.AspNetCore.Http.Metadata;

namespace Billing.Hosting.Input;

/// <summary>
/// Applies <see cref="InputText"/> to every request before any endpoint, page or login reads it: query string names and
/// values, route values, form fields and JSON bodies. A refused request gets a 400 validation problem naming the field
/// and reaches nothing else. Endpoints that stream a body of their own size (the account import) apply the rule in their
/// own reader.
/// </summary>
public static class OutsideInputGuard
{
    public static WebApplication UseOutsideInputGuard(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (await FirstRefused(context) is { } refused)
            {
                await Results.ValidationProblem(new Dictionary<string, string[]> { [refused.Field] = [refused.Problem] },
                    title: "The request holds a control character; nothing was done.").ExecuteAsync(context);
                return;
            }

            await next(context);
        });
        return app;
    }

    static async Task<(string Field, string Problem)?> FirstRefused(HttpContext context)
    {
        var request = context.Request;
        foreach (var (name, values) in request.Query)
        {
            if (InputText.Problem(name, name) is { } badName)
                return (name, badName);
            foreach (var value in values)
                if (InputText.Problem(name, value) is { } problem)
                    return (name, problem);
        }

        foreach (var (name, value) in request.RouteValues)
            if (value is string text && InputText.Problem(name, text) is { } problem)
                return (name, problem);

        if (!ReadsBodyWhole(context) || request.ContentLength == 0)
            return null;
        if (request.HasFormContentType && !IsUrlEncoded(request))
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(context.RequestAborted);
            }
            catch (InvalidDataException)
            {
                // A broken multipart form: what reads it after this (a page, antiforgery) refuses it with its own 400.
                return null;
            }
            foreach (var (name, values) in form)
                foreach (var value in values)
                    if ((InputText.Problem(name, name) ?? InputText.Problem(name, value)) is { } problem)
                        return (name, problem);
            return null;
        }

        // The handler reads the body after this: buffered (in memory up to 30 KB, a temporary file above), and rewound.
        request.EnableBuffering();
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, context.RequestAborted);
        request.Body.Position = 0;
        return IsUrlEncoded(request)
            ? UrlEncodedText.FirstRefused(Encoding.UTF8.GetString(body.GetBuffer().AsSpan(0, (int)body.Length)))
            : JsonText.FirstRefused(body.GetBuffer().AsSpan(0, (int)body.Length));
    }

    static bool IsUrlEncoded(HttpRequest request) =>
        request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>False for an endpoint that takes more than the API's body limit (it streams, and checks as it reads).</summary>
    static bool ReadsBodyWhole(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is not { } limit
        || limit.MaxRequestBodySize is { } max && max <= RequestLimits.MaxRequestBodySize;
}
