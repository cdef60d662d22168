namespace Billing.Tests.Support;

public static class Eventually
{
    /// <summary>Polls until <paramref name="probe"/> returns a value, or fails the test after <paramref name="timeout"/>.</summary>
    public static async Task<T> Get<T>(Func<Task<T?>> probe, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (value is not null)
                return value;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Nothing to observe after {timeout.TotalSeconds:N0} s.");
            await Task.Delay(100);
        }
    }

    public static Task<T> Get<T>(Func<Task<T?>> probe, TimeSpan timeout)
        where T : struct =>
        Get<object>(async () => await probe(), timeout).ContinueWith(t => (T)t.Result);
}
