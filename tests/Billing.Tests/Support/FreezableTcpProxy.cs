using System.Net;
using System.Net.Sockets;

namespace Billing.Tests.Support;

/// <summary>
/// A loopback TCP proxy in front of one server that a test can freeze: while frozen, bytes are read and held in both
/// directions, so the connection stays up and the client waits (a broker that hangs, not one that is away).
/// </summary>
public sealed class FreezableTcpProxy : IAsyncDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly int _targetPort;
    readonly CancellationTokenSource _stop = new();
    readonly List<TcpClient> _clients = [];
    volatile TaskCompletionSource _open = Opened();

    public FreezableTcpProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _ = Accept();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Holds every byte from now on until <see cref="Thaw"/>; called by the test's one thread.</summary>
    public void Freeze()
    {
        if (_open.Task.IsCompleted)
            _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void Thaw() => _open.TrySetResult();

    static TaskCompletionSource Opened()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    async Task Accept()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var server = new TcpClient();
            lock (_clients)
                _clients.AddRange([client, server]);
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            }
            catch (Exception)
            {
                client.Dispose();
                continue;
            }
            _ = Pump(client.GetStream(), server.GetStream(), client, server);
            _ = Pump(server.GetStream(), client.GetStream(), client, server);
        }
    }

    async Task Pump(NetworkStream from, NetworkStream to, TcpClient a, TcpClient b)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                    break;
                await _open.Task.WaitAsync(_stop.Token);
                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception)
        {
            // A closed side ends both: the client sees the connection drop, as it would with the server's.
        }
        a.Dispose();
        b.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        _open.TrySetResult();
        _stop.Cancel();
        _listener.Stop();
        lock (_clients)
            foreach (var client in _clients)
                client.Dispose();
        _stop.Dispose();
        return ValueTask.CompletedTask;
    }
}
