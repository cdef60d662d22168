using Billing.Features.Notifications;
using Billing.Features.StatementPdfs.Storage;
using Billing.Infrastructure.Postgres;
using Npgsql;

namespace Billing.Features.StatementDelivery;

/// <summary>
/// The statement's PDF uploaded to WhatsApp once, its media id committed at once (outside the consume transaction, before
/// the delivery is claimed): a send that is repeated after a crash or a rolled-back attempt must name the same media, or
/// the provider sees another message under the same idempotency key and refuses it. Two uploads racing keep the first id.
/// </summary>
public sealed class WhatsAppMedia(NpgsqlDataSource dataSource, IWhatsAppSender whatsApp, IStatementPdfStore store)
{
    /// <summary>The media id to send, an upload's failure, or null when the delivery has settled already.</summary>
    public async Task<(string? MediaId, SendResult? Failure, bool Settled)> For(Guid statementId, string recipient, string pdfKey,
        string fileName, CancellationToken cancellationToken)
    {
        await using (var read = dataSource.CreateCommand("select status, media_id from billing.delivery where statement_id = $1 and channel = 'whatsapp'"))
        {
            read.Parameters.AddPositional(statementId);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                if (reader.GetString(0) is "sent" or "skipped" or "failed" or "unknown")
                    return (null, null, true);
                if (!reader.IsDBNull(1))
                    return (reader.GetString(1), null, false);
            }
        }

        var (pdf, missing) = await StoredPdf.Read(store, pdfKey, cancellationToken);
        if (missing is not null)
            return (null, missing, false);
        var upload = await whatsApp.Upload(pdf!, fileName, cancellationToken);
        // An upload repeated only leaves an unused media object: its unknown outcome is a plain retry, not a message perhaps sent.
        if (upload.Status != SendStatus.Sent)
            return (null, upload with { OutcomeUnknown = false }, false);

        await using var keep = dataSource.CreateCommand("""
            insert into billing.delivery (statement_id, channel, status, idempotency_key, recipient, media_id)
            values ($1, 'whatsapp', 'retrying', $2, $3, $4)
            on conflict (statement_id, channel) do update set media_id = coalesce(billing.delivery.media_id, excluded.media_id)
            returning media_id
            """);
        keep.Parameters.AddPositional(statementId, DeliveryChannels.IdempotencyKey(statementId, DeliveryChannels.WhatsApp), recipient,
            upload.ProviderMessageId!);
        return ((string)(await keep.ExecuteScalarAsync(cancellationToken))!, null, false);
    }
}
