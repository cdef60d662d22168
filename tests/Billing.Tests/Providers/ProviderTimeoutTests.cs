using Billing.Features.Refunds.Providers;

namespace Billing.Tests.Providers;

/// <summary>A provider that pays and then answers too late: the refund is Unknown, and the lookup finds it paid.</summary>
public sealed class ProviderTimeoutTests : IAsyncLifetime
{
    // Well under the stand-in's 5 s hold, well over an ordinary answer on a busy machine.
    readonly ProviderAdapters _adapters = new(timeout: TimeSpan.FromSeconds(2));

    [Theory]
    [InlineData("card")]
    [InlineData("swish")]
    public async Task A_refund_that_times_out_after_paying_is_unknown_then_found_paid_and_never_paid_twice(string method)
    {
        var provider = _adapters.Providers.For(method);
        var order = ProviderAdapters.Order();
        await _adapters.StandIn.SetFaults(method, """{"timeoutAfterPayRate":1.0,"seed":42}""");

        var refund = await provider.RefundAsync(order, CancellationToken.None);
        await _adapters.StandIn.ResetFaults(method);
        var lookup = await provider.LookupAsync(order, CancellationToken.None);
        var again = await provider.RefundAsync(order, CancellationToken.None);

        (refund.Outcome, refund.Code).ShouldBe((ProviderOutcome.Unknown, "timeout"));
        lookup.Outcome.ShouldBe(ProviderOutcome.Paid);
        again.Outcome.ShouldBe(ProviderOutcome.Paid);
        again.ProviderRefundId.ShouldBe(lookup.ProviderRefundId);
        (await _adapters.StandIn.Ledger()).Keys.ShouldHaveSingleItem().TimesPaid.ShouldBe(1);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _adapters.DisposeAsync();
}
