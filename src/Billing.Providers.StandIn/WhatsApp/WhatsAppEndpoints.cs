using System.Text.Json;
using System.Text.RegularExpressions;
using Billing.Providers.StandIn.Control;
using Microsoft.Extensions.Options;

namespace Billing.Providers.StandIn.WhatsApp;

/// <summary>
/// The WhatsApp Cloud API (Graph, bearer token): sending messages and uploading media. <c>Idempotency-Key</c> is a
/// stand-in extension (the Cloud API has none): the same key with the same body is answered the first message again,
/// with another body it is refused.
/// </summary>
public static partial class WhatsAppEndpoints
{
    public static IEndpointRouteBuilder MapWhatsApp(this IEndpointRouteBuilder app)
    {
        // The version segment keeps the route from catching other providers' paths (/v1/refunds is Stripe's).
        var phone = app.MapGroup("/{version:regex(^v[0-9]+\\.[0-9]+$)}/{phoneNumberId:regex(^[0-9]+$)}")
            .WithFaultsOf(PaymentMethod.WhatsApp, () => GraphErrors.Unavailable().ToResult())
            .AddEndpointFilter(async (context, next) =>
                HasToken(context.HttpContext) ? await next(context) : GraphErrors.InvalidToken().ToResult());

        phone.MapPost("/messages", Send);
        phone.MapPost("/media", Upload).DisableAntiforgery();
        return app;
    }

    static async Task<IResult> Send(string phoneNumberId, HttpContext http, WhatsAppBook book, Faults faults, CancellationToken cancellationToken)
    {
        WhatsAppMessageRequest? request = null;
        if (http.Request.HasJsonContentType())
        {
            try
            {
                request = await http.Request.ReadFromJsonAsync<WhatsAppMessageRequest>(GraphAnswer.Json, cancellationToken);
            }
            catch (JsonException)
            {
            }
        }
        if (request is null)
            return GraphErrors.InvalidParameter("Send a JSON body (Content-Type: application/json).").ToResult();
        var (message, error) = WhatsAppMessage.Parse(request);
        if (message is null)
            return error!.ToResult();

        var key = http.Request.Headers["Idempotency-Key"].ToString() is { Length: > 0 } k ? k : null;
        var result = book.Send(phoneNumberId, key, message);
        if (result.Conflict)
            return GraphErrors.IdempotencyConflict(key!).ToResult();
        if (result.Replayed)
            http.Response.Headers["Idempotent-Replayed"] = "true";
        if (result.HoldAfterPay && !await faults.HoldAfterPayAsync(PaymentMethod.WhatsApp, cancellationToken))
            return Results.Empty;
        return result.Answer!.ToResult();
    }

    static async Task<IResult> Upload(string phoneNumberId, HttpContext http, WhatsAppBook book, CancellationToken cancellationToken)
    {
        if (!http.Request.HasFormContentType)
            return GraphErrors.InvalidParameter("Upload multipart/form-data with file, type and messaging_product.").ToResult();
        var form = await http.Request.ReadFormAsync(cancellationToken);
        if (form["messaging_product"].ToString() != "whatsapp")
            return GraphErrors.InvalidParameter("The parameter messaging_product is required and must be 'whatsapp'.").ToResult();
        if (form.Files.GetFile("file") is not { Length: > 0 } file)
            return GraphErrors.InvalidParameter("The parameter file is required.").ToResult();
        if (form["type"].ToString() is not { Length: > 0 } type || !MimeType().IsMatch(type))
            return GraphErrors.InvalidParameter("The parameter type must be the file's MIME type.").ToResult();
        return new GraphAnswer(StatusCodes.Status200OK, new { id = book.Upload(phoneNumberId, file.FileName, type, file.Length) }).ToResult();
    }

    static bool HasToken(HttpContext http)
    {
        var expected = http.RequestServices.GetRequiredService<IOptions<StandInOptions>>().Value.WhatsApp.AccessToken;
        var header = http.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) && header["Bearer ".Length..].Trim() == expected;
    }

    [GeneratedRegex(@"^[a-z]+/[a-z0-9.+\-]+$")]
    private static partial Regex MimeType();
}
