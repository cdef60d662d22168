using System.Net.Sockets;
using Npgsql;

namespace Billing.Tests.Support;

/// <summary>
/// The one way tests wait: poll a probe until its value is what the test waits for, or fail naming what was awaited
/// and the last value seen. Every overload needs an explicit condition (or a non-null result), so none returns early.
/// </summary>
public static class Eventually
{
    /// <summary>Long enough for a busy 2-core machine; a test that passes only waits as long as the work takes.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(150);

    /// <summary>Polls until <paramref name="accept"/> holds for the probe's value and returns that value.</summary>
    /// <param name="what">What is awaited, as the failure message should say it ("refund 42 refunded").</param>
    public static async Task<T> Get<T>(string what, Func<Task<T>> probe, Func<T, bool> accept, TimeSpan? timeout = null,
        Func<T, string>? describe = null)
    {
        var limit = timeout ?? Patience;
        var deadline = DateTime.UtcNow + limit;
        var last = "nothing yet";
        while (true)
        {
            try
            {
                var value = await probe();
                if (accept(value))
                    return value;
                last = describe is null ? value?.ToString() ?? "null" : describe(value);
            }
            catch (Exception exception) when (IsOutage(exception))
            {
                // A server restarting under the test (on purpose) answers again soon; anything else is a bug to see now.
                last = $"{exception.GetType().Name}: {exception.Message}";
            }

            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Waited {limit.TotalSeconds:N0} s for {what}; last seen: {last}");
            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Polls until the probe returns something (not null) and returns it.</summary>
    public static async Task<T> Found<T>(string what, Func<Task<T?>> probe, TimeSpan? timeout = null)
        where T : class =>
        (await Get(what, probe, value => value is not null, timeout))!;

    /// <summary>Polls until the condition holds.</summary>
    public static Task Until(string what, Func<Task<bool>> condition, TimeSpan? timeout = null) =>
        Get(what, condition, holds => holds, timeout, _ => "not yet");

    /// <summary>Polls until the condition holds (for conditions on what is already in memory).</summary>
    public static Task Until(string what, Func<bool> condition, TimeSpan? timeout = null) =>
        Until(what, () => Task.FromResult(condition()), timeout);

    static bool IsOutage(Exception exception) => exception switch
    {
        PostgresException postgres => postgres.IsTransient || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal),
        NpgsqlException npgsql => npgsql.IsTransient,
        HttpRequestException or SocketException => true,
        _ => exception.InnerException is SocketException,
    };
}
