using System.Diagnostics;

namespace Billing.Tests.Support;

/// <summary>The stack's servers themselves, restarted under a running test (scripts/stack.sh restart), as in production.</summary>
public static class StackServers
{
    public static Task RestartPostgres() => Restart("postgres", TimeSpan.Zero);

    /// <summary>Stops Postgres, keeps it down for <paramref name="down"/>, starts it again: an outage, not a blip.</summary>
    public static Task StopPostgresFor(TimeSpan down) => Restart("postgres", down);

    public static Task RestartRabbitMq() => Restart("rabbitmq", TimeSpan.Zero);

    /// <summary>
    /// The virtual host's queues drop their consumers without telling the consumers' channels (scripts/stack.sh
    /// forget-consumers): connected, claiming consumers, delivered nothing, as a worker was found after a broker restart.
    /// </summary>
    public static Task ForgetConsumers(string virtualHost) => Run(["forget-consumers", virtualHost]);

    /// <summary>Restarts one server and returns once it answers again; fails the test with the script's output otherwise.</summary>
    static Task Restart(string server, TimeSpan down) => Run(["restart", server, ((int)down.TotalSeconds).ToString()]);

    static async Task Run(string[] arguments)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(Repository.Root, "scripts", "stack.sh"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not run scripts/stack.sh.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        process.ExitCode.ShouldBe(0, $"scripts/stack.sh {string.Join(' ', arguments)}:\n{await output}\n{await errors}");
    }
}
