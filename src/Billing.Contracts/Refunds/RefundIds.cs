using System.Security.Cryptography;
using System.Text;

namespace Billing.Contracts.Refunds;

/// <summary>
/// Refund ids are name-based UUIDs (RFC 9562 version 5) of the caller's idempotency key: every retry of a request,
/// from any API instance or internal caller, computes the same id without asking the database.
/// </summary>
public static class RefundIds
{
    static readonly Guid Namespace = new("5f0a3c1e-8d1b-4c57-9a0e-2b7f6d4e9c31");

    public static Guid FromIdempotencyKey(string idempotencyKey)
    {
        Span<byte> name = stackalloc byte[16 + Encoding.UTF8.GetMaxByteCount(idempotencyKey.Length)];
        Namespace.TryWriteBytes(name, bigEndian: true, out _);
        var length = 16 + Encoding.UTF8.GetBytes(idempotencyKey, name[16..]);

        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(name[..length], hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}
