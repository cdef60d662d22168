using System.Text.Json.Nodes;
using Billing.Features.BillingRuns.Api;
using Billing.Features.Passbook;
using Billing.Features.Refunds.Api;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Billing.Features.Observability.OpenApi;

/// <summary>Realistic examples of the bodies callers send, shown in the UI and prefilled in its "Try it out".</summary>
public sealed class RequestExamplesFilter : ISchemaFilter
{
    static readonly Dictionary<Type, string> Examples = new()
    {
        [typeof(RefundRequestBody)] = """
            { "paymentId": "pay_8f3k2m", "amount": 125.50, "currency": "SEK", "method": "card", "reason": "duplicate charge" }
            """,
        [typeof(RepaymentBody)] = """
            { "accountId": "ACC-000123", "amount": 1500.00, "currency": "SEK", "gatewayPaymentId": "gw_5r7t9y",
              "method": "swish", "paidAt": "2026-11-28T09:15:00Z", "source": "webhook" }
            """,
        [typeof(StartRunBody)] = """{ "statementDate": "2026-11-30" }""",
        [typeof(ResolveBody)] = """{ "note": "Paid by bank transfer on 2026-11-29, ref 4471", "paidElsewhere": true }""",
        [typeof(CancelBody)] = """{ "reason": "Customer withdrew the claim by phone" }""",
        [typeof(BulkRetryBody)] = """
            { "cause": "provider_unavailable", "method": "swish", "from": "2026-11-28T00:00:00Z", "to": "2026-11-29T00:00:00Z" }
            """,
    };

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is OpenApiSchema concrete && Examples.TryGetValue(context.Type, out var json))
            concrete.Example = JsonNode.Parse(json);
    }
}
