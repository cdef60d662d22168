using Billing.Features.Accounts;
using Billing.Features.BillingRuns.Api;
using Billing.Features.BillingRuns.Runs;
using Billing.Features.Ledger;
using Billing.Features.Passbook;
using Billing.Features.Refunds.Api;
using Billing.Features.StatementDelivery;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Billing.Features.Observability.OpenApi;

/// <summary>
/// What each operation answers when it succeeds. Most handlers return IResult, which tells the API explorer nothing,
/// so the shapes are listed here by route, in one place, instead of a Produces line on every handler: the handler
/// files stay about behaviour. An endpoint that declares its own (Produces&lt;T&gt;) keeps it. A new endpoint missing
/// from both fails OpenApiDocumentTests, which walks every endpoint of the app.
/// </summary>
public sealed class SuccessResponsesFilter : IOperationFilter
{
    /// <summary>A success answer: its status, and a body type (null: no body), and the media type of a body that is not JSON.</summary>
    public sealed record Success(int Status, Type? Body, string? MediaType = null, string Description = "OK");

    static readonly Success Pdf = new(200, typeof(byte[]), "application/pdf", "The PDF.");
    static readonly Success Csv = new(200, typeof(string), "text/csv", "One line per refund, RFC 4180.");

    /// <summary>By "METHOD /route" as the document names it (constraints dropped).</summary>
    public static readonly IReadOnlyDictionary<string, Success[]> ByRoute = new Dictionary<string, Success[]>
    {
        ["POST /refunds"] = [new(202, typeof(RefundAcceptedAnswer), Description: "Accepted (or replayed: the same key and body)."),],
        ["GET /refunds"] = [new(200, typeof(RefundPage))],
        ["GET /refunds/{refundId}"] = [new(200, typeof(RefundView))],
        ["GET /refunds/errors"] = [new(200, typeof(RefundErrorStatsView))],
        ["GET /refunds/export.csv"] = [Csv],
        ["POST /refunds/{refundId}/retry"] = [new(202, typeof(RefundActionAnswer), Description: "Accepted; the saga carries it out.")],
        ["POST /refunds/{refundId}/resolve"] = [new(202, typeof(RefundActionAnswer), Description: "Accepted; the saga carries it out.")],
        ["POST /refunds/{refundId}/cancel"] = [new(202, typeof(RefundActionAnswer), Description: "Accepted; the saga carries it out.")],
        ["POST /refunds/retry"] = [new(202, typeof(BulkRetryAnswer), Description: "Accepted for every refund listed.")],
        ["POST /reconciler/runs"] = [new(202, typeof(ReconcilerRunAccepted))],
        ["GET /reconciler/runs"] = [new(200, typeof(List<ReconcilerRunView>))],
        ["GET /reconciler/runs/{runId}"] = [new(200, typeof(ReconcilerRunView))],
        ["POST /ledger/audits"] = [new(202, typeof(LedgerAuditAccepted), Description: "Accepted; a worker runs the audit within seconds.")],
        ["GET /ledger/audits"] = [new(200, typeof(List<LedgerAuditSummary>))],
        ["GET /ledger/audits/{auditId}"] = [new(200, typeof(LedgerAuditView))],
        ["POST /webhooks/stripe"] = [new(200, typeof(StripeWebhookReceived))],
        ["POST /billing/runs"] = [new(202, typeof(BillingRunStarted), Description: "The run starts (or is the one already started for the date).")],
        ["GET /billing/runs/{runId}"] = [new(200, typeof(BillingRunView))],
        ["GET /billing/runs/{runId}/halted"] = [new(200, typeof(HaltedAccountsPage))],
        ["POST /billing/runs/{runId}/accounts/{accountId}/resume"] = [new(202, typeof(AccountResumed))],
        ["POST /billing/runs/{runId}/resume"] = [new(202, typeof(HaltedAccountsResumed))],
        ["POST /billing/runs/{runId}/pause"] = [new(202, typeof(BillingRunPaused), Description: "Paused; the fan-out stops after the page in hand.")],
        ["POST /billing/runs/{runId}/continue"] = [new(202, typeof(BillingRunPaused), Description: "Fanning out again.")],
        ["POST /accounts/import"] = [new(200, typeof(ImportReport))],
        ["POST /repayments"] =
        [
            new(201, typeof(RepaymentAnswer), Description: "Booked."),
            new(200, typeof(RepaymentAnswer), Description: "Reported before: the same answer (replayed)."),
        ],
        ["GET /repayments/{gatewayPaymentId}"] = [new(200, typeof(RepaymentAnswer))],
        ["POST /repayments/{gatewayPaymentId}/reversal"] =
        [
            new(201, typeof(ReversalAnswer), Description: "Booked: the holder owes the amount again."),
            new(200, typeof(ReversalAnswer), Description: "Reported before: the same answer (replayed)."),
        ],
        ["POST /repayments/{gatewayPaymentId}/move"] =
        [
            new(201, typeof(MoveAnswer), Description: "Moved: taken off the account it was on, booked on the target."),
            new(200, typeof(MoveAnswer), Description: "Moved to this target before: the same answer (replayed)."),
        ],
        ["GET /accounts/{accountId}/balance"] = [new(200, typeof(BalanceView))],
        ["GET /statements/{statementId}"] = [new(200, typeof(StatementView))],
        ["GET /statements/{statementId}/pdf"] = [Pdf],
        ["POST /statements/{statementId}/deliveries/{channel}/retry"] = [new(202, typeof(DeliveryRetryAccepted))],
        ["POST /statements/{statementId}/reissues"] =
        [
            new(201, typeof(StatementReissued), Description: "Re-issued: the new version, on its way to the holder."),
            new(200, typeof(StatementReissued), Description: "Re-issued before for the same reason: that version (replayed)."),
        ],
        ["GET /s/{code}"] = [Pdf],
    };

    /// <summary>"GET /refunds/{refundId}" from GET and "refunds/{refundId:guid}/" (constraints and slashes dropped).</summary>
    public static string KeyOf(string method, string relativePath) =>
        $"{method.ToUpperInvariant()} /{System.Text.RegularExpressions.Regex.Replace(relativePath, @"\{([^}:?]+)[^}]*\}", "{$1}").Trim('/')}";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var api = context.ApiDescription;
        if (!ByRoute.TryGetValue(KeyOf(api.HttpMethod ?? "", api.RelativePath ?? ""), out var successes))
            return;
        operation.Responses ??= [];
        // The explorer's placeholder for an IResult handler: a bare 200 with no body.
        if (operation.Responses.TryGetValue("200", out var placeholder) && placeholder.Content is not { Count: > 0 })
            operation.Responses.Remove("200");
        foreach (var success in successes)
        {
            var key = success.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (operation.Responses.TryGetValue(key, out var declared) && declared.Content is { Count: > 0 })
                continue;
            var response = new OpenApiResponse { Description = success.Description };
            if (success.Body is { } body)
                response.Content = new Dictionary<string, OpenApiMediaType>
                {
                    [success.MediaType ?? "application/json"] = new() { Schema = SchemaOf(body, success.MediaType, context) },
                };
            operation.Responses[key] = response;
        }
    }

    static IOpenApiSchema SchemaOf(Type body, string? mediaType, OperationFilterContext context) =>
        mediaType is null
            ? context.SchemaGenerator.GenerateSchema(body, context.SchemaRepository)
            : new OpenApiSchema { Type = JsonSchemaType.String, Format = body == typeof(byte[]) ? "binary" : null };
}

// The bodies a few handlers answer as anonymous objects, named for the document only: their properties are the same
// names in the same JSON. The actions' answers are their own records (RefundActions, BillingRunActions, …).

public sealed record RefundAcceptedAnswer(Guid RefundId, string Status, bool Replayed);

public sealed record StripeWebhookReceived(bool Received, bool? Duplicate);

public sealed record HaltedAccountsPage(IReadOnlyList<HaltedAccount> Accounts, string? Next);
