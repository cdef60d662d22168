using Billing.Tests.Support;

namespace Billing.Tests.Observability;

/// <summary>One API on clean ground of its own for a test class that only reads its surface (no worker).</summary>
public sealed class ApiOnlyStack : IAsyncLifetime
{
    ServiceStack? _stack;

    public ServiceStack Stack => _stack ?? throw new InvalidOperationException("The fixture has not been initialized.");

    public async Task InitializeAsync() => _stack = await ServiceStack.Start(workers: 0);

    public async Task DisposeAsync()
    {
        if (_stack is not null)
            await _stack.DisposeAsync();
    }
}
