using System.Security.Claims;
using Billing.Features.Access;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace Billing.Features.Accounts;

public static class AccountEndpoints
{
    public static IServiceCollection AddAccounts(this IServiceCollection services) => services.AddScoped<AccountContact>();

    /// <summary>POST /accounts/import: the same import as <c>Billing import</c>, for one JSON document or one CSV file.</summary>
    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        app.MapPost("/accounts/import", Import)
            .RequireAuthorization(Policies.Operator)
            .Accepts<AccountsDocument>("application/json", "text/csv")
            .Produces<ImportReport>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            // Kestrel's 30 MB default is a few thousand accounts; an import streams, so a large body costs no memory.
            .WithMetadata(new RequestSizeLimitAttribute(4L << 30))
            .WithTags("Accounts");
        app.MapPut("/accounts/{accountId}/contact", UpdateContact)
            .RequireAuthorization(Policies.Operator)
            .Produces<HolderContact>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithTags("Accounts")
            .WithSummary("Correct the holder's e-mail, phone and channel consents (what a no_contact halt is about); audited before and after.");
        return app;
    }

    // Written when it answers, so 200 with the contact as stored, not the 202 of actions a saga carries out.
    static async Task<IResult> UpdateContact(string accountId, ContactInput body, ClaimsPrincipal user, AccountContact contact, CancellationToken ct)
    {
        var outcome = await contact.Update(accountId, body, Actor.Of(user), ct);
        return outcome.IsAccepted ? Results.Ok(outcome.Body) : outcome.ToResult();
    }

    static async Task<IResult> Import(HttpRequest request, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var mediaType = MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed.MediaType.Value?.ToLowerInvariant() : null;
        var rows = mediaType switch
        {
            "application/json" => JsonAccountsReader.Read(request.Body, "body", cancellationToken),
            "text/csv" => AccountsCsv.Read(request.Body, "body", cancellationToken),
            _ => null,
        };
        if (rows is null)
            return Results.Problem($"Send the accounts as application/json or text/csv (accounts.csv or entries.csv), not {request.ContentType ?? "no content type"}.",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported content type; nothing was imported.");

        ImportReport report;
        try
        {
            report = await new AccountImporter(dataSource).Import(rows, cancellationToken: cancellationToken);
        }
        catch (ImportFormatException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest, title: "The file cannot be read; nothing was imported.");
        }

        if (report.RejectedCount > 0)
            return Results.ValidationProblem(
                report.Rejected.GroupBy(r => r.Where).ToDictionary(g => g.Key, g => g.Select(r => r.Reason).ToArray()),
                title: $"{report.RejectedCount} row(s) rejected; nothing was imported.",
                extensions: new Dictionary<string, object?> { ["rejectedCount"] = report.RejectedCount });
        if (report.EntriesConflicting > 0)
            return Results.Problem($"{report.EntriesConflicting} entry ref(s) are already booked, or come twice, with other content.",
                statusCode: StatusCodes.Status409Conflict, title: "Conflicting entries; nothing was imported.",
                extensions: new Dictionary<string, object?> { ["conflicts"] = report.Conflicts });
        return Results.Ok(report);
    }
}
