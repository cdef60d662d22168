using System.Collections.Concurrent;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;

namespace Billing.Features.Notifications;

/// <summary>
/// Connected, logged-in MailKit <see cref="SmtpClient"/>s kept for the next mail, at most
/// <see cref="EmailOptions.MaxConnections"/> in use at once. MailKit has no pool of its own; this one is small on purpose:
/// a session that failed in any way is closed, never returned, so a reused session is one whose last mail went through.
/// </summary>
sealed class SmtpSessionPool(IOptions<EmailOptions> options, TimeProvider clock) : IAsyncDisposable
{
    readonly ConcurrentBag<Session> _idle = [];
    readonly SemaphoreSlim _slots = new(Math.Max(1, options.Value.MaxConnections));

    bool Reuse => options.Value.MaxConnections > 0;

    /// <summary>Runs <paramref name="use"/> on a connected session: an idle one still fresh, or a new one.</summary>
    public async Task Use(Func<SmtpClient, CancellationToken, Task> use, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await _slots.WaitAsync(cancellationToken);
        Session? session = null;
        try
        {
            session = TakeIdle() ?? await Connect(settings, cancellationToken);
            await use(session.Client, cancellationToken);
            session.Sent++;
            if (Reuse && session.Sent < settings.MaxMessagesPerConnection)
            {
                session.IdleSince = clock.GetUtcNow();
                _idle.Add(session);
                session = null;
            }
            else
            {
                await session.Client.DisconnectAsync(quit: true, cancellationToken);
            }
        }
        finally
        {
            session?.Client.Dispose();
            _slots.Release();
        }
    }

    Session? TakeIdle()
    {
        while (_idle.TryTake(out var session))
        {
            if (session.Client.IsConnected && clock.GetUtcNow() - session.IdleSince < options.Value.ConnectionIdleTimeout)
                return session;
            // The server has probably dropped it: close without a QUIT that would only wait for a dead socket.
            session.Client.Dispose();
        }
        return null;
    }

    async Task<Session> Connect(EmailOptions settings, CancellationToken cancellationToken)
    {
        var client = new SmtpClient { Timeout = (int)settings.Timeout.TotalMilliseconds };
        try
        {
            var security = settings.EnableSsl ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTlsWhenAvailable;
            await client.ConnectAsync(settings.Host, settings.Port, security, cancellationToken);
            if (!string.IsNullOrEmpty(settings.UserName))
                await client.AuthenticateAsync(settings.UserName, settings.Password ?? "", cancellationToken);
            return new Session(client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var session))
        {
            try
            {
                using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await session.Client.DisconnectAsync(quit: true, quit.Token);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Closing anyway; a server that does not answer QUIT is no reason to hold up the host's shutdown.
            }
            session.Client.Dispose();
        }
        _slots.Dispose();
    }

    sealed class Session(SmtpClient client)
    {
        public SmtpClient Client { get; } = client;
        public int Sent { get; set; }
        public DateTimeOffset IdleSince { get; set; }
    }
}
