using Billing.Features.Access;
using Billing.Features.StatementPdfs.Storage;
using Billing.Infrastructure.Postgres;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace Billing.Features.StatementDelivery;

public sealed record DeliveryView(string Channel, string Status, string? Recipient, string? ProviderMessageId, int Attempts,
    string? Reason, string? LastError, DateTimeOffset? NextAttemptAt, DateTimeOffset? SettledAt);

/// <param name="Path">The PDF's key in the statement store (Statements:Pdf:Store), not a path on this host.</param>
public sealed record StatementPdfView(string Path, string Sha256, int Bytes, int Pages, DateTimeOffset RenderedAt);

public sealed record StatementView(Guid StatementId, string AccountId, DateOnly StatementDate, string Currency, decimal OpeningBalance,
    decimal Purchases, decimal Repayments, decimal Refunds, decimal Interest, decimal Fees, decimal Adjustments, decimal ClosingBalance,
    decimal MinimumDue, decimal PastDue, DateOnly DueDate, DateTimeOffset Cutoff, StatementPdfView? Pdf, string? DeliveryStatus,
    DateTimeOffset? DeliveredAt, IReadOnlyList<DeliveryView> Deliveries, int Version = 1, Guid? CorrectsStatementId = null,
    Guid? CorrectedByStatementId = null, string? ReissueReason = null, Guid? RunId = null, string? HolderName = null);

/// <summary>A statement with its PDF and deliveries; the PDF itself; the short link SMS and WhatsApp messages carry.</summary>
public static class StatementEndpoints
{
    public static IEndpointRouteBuilder MapStatements(this IEndpointRouteBuilder app)
    {
        var statements = app.MapGroup("/statements").WithTags("Statements");
        statements.MapGet("/{statementId:guid}", async (Guid statementId, NpgsqlDataSource db, CancellationToken ct) =>
                await Read(db, statementId, ct) is { } view ? Results.Ok(view) : NoSuchStatement(statementId))
            .RequireAuthorization(Policies.Staff)
            .WithSummary("A statement's figures, its PDF (hash, size, pages) and each channel's delivery.");
        statements.MapPost("/{statementId:guid}/reissues", StatementReissue.Handle).RequireAuthorization(Policies.Support)
            .WithSummary("Correct a sent statement: a new version (its own id, PDF and deliveries) with the same money under the holder's current name and locale.");
        statements.MapGet("/{statementId:guid}/pdf", Pdf).RequireAuthorization(Policies.Staff).WithSummary("The statement's PDF.");
        statements.MapPost("/{statementId:guid}/deliveries/{channel}/retry", DeliveryRetry.Handle).RequireAuthorization(Policies.Support)
            .WithSummary("Start a channel that was not sent (failed, unknown or unsettled) again, with fresh attempts (sms, pdf, email, whatsapp).");
        // Open: the code is signed (StatementLinks), so only the holder of the message has it.
        app.MapGet("/s/{code}", async (string code, HttpContext http, StatementLinks links, NpgsqlDataSource db, IStatementPdfStore store,
                CancellationToken ct) => await links.Verify(code, ct) is { } id
                    ? await Pdf(id, http, db, store, ct)
                    : Results.Problem("This is not a statement link.", statusCode: StatusCodes.Status404NotFound, title: "No such statement"))
            .AllowAnonymous()
            .WithTags("Statements").WithSummary("The signed short link in a statement's SMS and WhatsApp message: the statement's PDF.");
        return app;
    }

    static async Task<IResult> Pdf(Guid statementId, HttpContext http, NpgsqlDataSource db, IStatementPdfStore store, CancellationToken ct)
    {
        if (await Read(db, statementId, ct) is not { } view)
            return NoSuchStatement(statementId);
        // Read from the store every process shares: the API seldom runs where the PDF was rendered.
        if (view.Pdf is not { } pdf || await store.Read(pdf.Path, ct) is not { } content)
            return Results.Problem($"Statement {statementId} has no PDF yet.", statusCode: StatusCodes.Status404NotFound, title: "No PDF yet");
        // Inline: a browser shows it (a click on the dashboard opens it, as a customer's link does); saving it keeps the name.
        http.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("inline")
        {
            FileName = $"statement-{view.StatementDate:yyyy-MM-dd}.pdf",
        }.ToString();
        return Results.File(content, "application/pdf", entityTag: new EntityTagHeaderValue($"\"{pdf.Sha256}\""));
    }

    internal static async Task<StatementView?> Read(NpgsqlDataSource db, Guid statementId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(PositionalParameters.BatchCommand("""
            select account_id, statement_date, currency, opening_balance, purchases, repayments, refunds, interest, fees, adjustments,
                   closing_balance, minimum_due, past_due, due_date, cutoff, pdf_path, pdf_sha256, pdf_bytes, pdf_pages, rendered_at,
                   delivery_status, delivered_at, version, corrects_statement_id, reissue_reason,
                   (select c.statement_id from billing.statement c where c.corrects_statement_id = s.statement_id),
                   run_id, coalesce(holder_name, (select a.name from billing.account a where a.account_id = s.account_id))
            from billing.statement s where statement_id = $1
            """, statementId));
        batch.BatchCommands.Add(PositionalParameters.BatchCommand("""
            select channel, status, recipient, provider_message_id, attempts, reason, last_error, next_attempt_at, settled_at
            from billing.delivery where statement_id = $1
            order by array_position(array['sms', 'pdf', 'email', 'whatsapp']::varchar[], channel)
            """, statementId));
        await using var r = await batch.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
            return null;
        T? N<T>(int i) => r.IsDBNull(i) ? default : r.GetFieldValue<T>(i);
        var pdf = r.IsDBNull(15) ? null : new StatementPdfView(r.GetString(15), r.GetString(16), r.GetInt32(17), r.GetInt32(18),
            r.GetFieldValue<DateTimeOffset>(19));
        var head = (Account: r.GetString(0), Date: r.GetFieldValue<DateOnly>(1), Currency: r.GetString(2).Trim(),
            Figures: Enumerable.Range(3, 10).Select(r.GetDecimal).ToArray(), Due: r.GetFieldValue<DateOnly>(13),
            Cutoff: r.GetFieldValue<DateTimeOffset>(14), Status: N<string>(20), DeliveredAt: N<DateTimeOffset?>(21));
        var versions = (Version: r.GetInt32(22), Corrects: N<Guid?>(23), Reason: N<string>(24), CorrectedBy: N<Guid?>(25));
        var (runId, holderName) = (N<Guid?>(26), N<string>(27));

        await r.NextResultAsync(ct);
        var deliveries = new List<DeliveryView>();
        while (await r.ReadAsync(ct))
            deliveries.Add(new DeliveryView(r.GetString(0), r.GetString(1), N<string>(2), N<string>(3), r.GetInt32(4), N<string>(5),
                N<string>(6), N<DateTimeOffset?>(7), N<DateTimeOffset?>(8)));

        var f = head.Figures;
        return new StatementView(statementId, head.Account, head.Date, head.Currency, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8],
            f[9], head.Due, head.Cutoff, pdf, head.Status, head.DeliveredAt, deliveries, versions.Version, versions.Corrects, versions.CorrectedBy,
            versions.Reason, runId, holderName);
    }

    static IResult NoSuchStatement(Guid statementId) =>
        Results.Problem($"There is no statement {statementId}.", statusCode: StatusCodes.Status404NotFound, title: "No such statement");
}
