using System.Net;
using System.Net.Sockets;

namespace Billing.Tests.Notifications;

/// <summary>
/// An SMTP server on a loopback port that answers every RCPT TO with one scripted reply (550, 451…), for the refusals the
/// mail sink never gives. Just enough SMTP for MailKit: greeting, EHLO, MAIL, RCPT, RSET, QUIT.
/// </summary>
public sealed class ScriptedSmtpServer : IAsyncDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly CancellationTokenSource _stop = new();
    readonly Task _serving;

    public ScriptedSmtpServer(string rcptReply)
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _serving = Serve(rcptReply);
    }

    public int Port { get; }

    async Task Serve(string rcptReply)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                await using var stream = client.GetStream();
                using var reader = new StreamReader(stream);
                await using var writer = new StreamWriter(stream) { NewLine = "\r\n", AutoFlush = true };
                await writer.WriteLineAsync("220 scripted ESMTP");
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    var verb = line.Split(' ')[0].ToUpperInvariant();
                    await writer.WriteLineAsync(verb switch
                    {
                        "EHLO" or "HELO" => "250 scripted",
                        "MAIL" or "RSET" or "NOOP" => "250 2.0.0 OK",
                        "RCPT" => rcptReply,
                        "QUIT" => "221 2.0.0 Bye",
                        _ => "502 5.5.2 Not implemented",
                    });
                    if (verb == "QUIT")
                        break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _serving;
        _stop.Dispose();
    }
}
