using System.Net;

namespace Billing.Tests.Support;

static class FreePort
{
    /// <summary>A loopback port nothing listens on now (the worker runs in another process, so it cannot be given 0 and asked).</summary>
    public static int Next()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
