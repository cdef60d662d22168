using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Features.StatementDelivery;

/// <summary>
/// The short link in a statement's SMS and WhatsApp message, <c>/s/{code}</c>: the statement id and 8 bytes of its
/// HMAC-SHA256 under the link key, in 32 URL-safe characters. The link opens the PDF without a login, so it must not be
/// guessable, and statement ids are not secret (they follow from account and date): the signature is what makes the
/// link the holder's alone.
/// </summary>
public sealed class StatementLinks(NpgsqlDataSource db, IOptionsMonitor<DeliveryOptions> options)
{
    const int MacBytes = 8;
    const int CodeLength = 32;
    readonly SemaphoreSlim _loading = new(1, 1);
    byte[]? _secret;

    /// <param name="connection">An open connection to read the key on the first time (a consumer passes its own).</param>
    public async ValueTask<string> Code(Guid statementId, NpgsqlConnection? connection, CancellationToken cancellationToken)
    {
        var bytes = new byte[16 + MacBytes];
        statementId.TryWriteBytes(bytes);
        Mac(await Secret(connection, cancellationToken), statementId).AsSpan(0, MacBytes).CopyTo(bytes.AsSpan(16));
        return Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
    }

    /// <summary>The statement a code stands for, or null when it is not one this service signed.</summary>
    public async ValueTask<Guid?> Verify(string code, CancellationToken cancellationToken)
    {
        if (code.Length != CodeLength)
            return null;
        var bytes = new byte[16 + MacBytes];
        if (!Convert.TryFromBase64String(code.Replace('-', '+').Replace('_', '/'), bytes, out var written) || written != bytes.Length)
            return null;
        var statementId = new Guid(bytes.AsSpan(0, 16));
        var expected = Mac(await Secret(null, cancellationToken), statementId).AsSpan(0, MacBytes);
        return CryptographicOperations.FixedTimeEquals(expected, bytes.AsSpan(16)) ? statementId : null;
    }

    static byte[] Mac(byte[] secret, Guid statementId) => HMACSHA256.HashData(secret, statementId.ToByteArray());

    async ValueTask<byte[]> Secret(NpgsqlConnection? connection, CancellationToken cancellationToken)
    {
        if (_secret is { } known)
            return known;
        if (options.CurrentValue.LinkSecret is { } configured)
            return _secret = configured.Length >= 32 ? Encoding.UTF8.GetBytes(configured)
                : throw new InvalidOperationException($"{DeliveryOptions.Section}:LinkSecret must be at least 32 characters.");

        await _loading.WaitAsync(cancellationToken);
        try
        {
            if (_secret is not null)
                return _secret;
            await using var owned = connection is null ? await db.OpenConnectionAsync(cancellationToken) : null;
            await using var command = new NpgsqlCommand("select secret from billing.link_secret", owned ?? connection);
            return _secret = (byte[])(await command.ExecuteScalarAsync(cancellationToken)
                ?? throw new InvalidOperationException("billing.link_secret is empty: run `Billing migrate`."));
        }
        finally
        {
            _loading.Release();
        }
    }
}
