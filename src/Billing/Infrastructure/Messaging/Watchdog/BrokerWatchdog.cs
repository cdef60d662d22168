using System.Net.Sockets;
using Billing.Features.Observability;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Billing.Infrastructure.Messaging.Watchdog;

/// <summary>
/// Notices a worker that is connected to RabbitMQ but neither consuming nor sending, and ends it for its supervisor to
/// start again. Seen after a broker restart during a worker's start-up (issue 18): the worker's channels claimed their
/// consumers while the queues had none, every send timed out in ExchangeDeclare, and MassTransit, whose connection was
/// open, saw nothing to recover from (the broker's side of it: rabbitmq-server#4613). Three signs, looked at every
/// <see cref="BrokerWatchdogOptions.Interval"/>:
/// <list type="bullet">
/// <item>the bus or a receive endpoint is not ready (MassTransit's own health);</item>
/// <item>a queue the bus says it consumes has no consumer of this process's connections, as the broker counts them
/// (the management API; skipped when it does not answer);</item>
/// <item>stored-message sends timed out one after another (<see cref="SendTimeouts"/>).</item>
/// </list>
/// A sign lasting <see cref="BrokerWatchdogOptions.StuckAfter"/> while the broker accepts connections (so a restart
/// would find it) ends the process with <see cref="ExitCode"/>: a new process opens new connections and declares
/// everything again, which a stopped-and-started bus would too, but a new process also cannot inherit whatever else the
/// stuck channels left behind (blocked sends, the outbox and scheduler loops waiting on them), and stopping a bus whose
/// channels answer nothing can itself hang. What was in flight is safe: unacknowledged messages go back to their queues,
/// committed outbox rows wait in Postgres. A broker that is away is waited out, not restarted for.
/// </summary>
public sealed class BrokerWatchdog(
    IBusControl bus,
    WorkerReadiness readiness,
    SendTimeouts sendTimeouts,
    IOptions<RabbitMqOptions> rabbit,
    IOptions<BrokerWatchdogOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider clock,
    ILogger<BrokerWatchdog> logger) : BackgroundService
{
    /// <summary>EX_TEMPFAIL: the worker gave up on a stuck broker connection; starting it again is the cure.</summary>
    public const int ExitCode = 75;

    BrokerSigns _last = BrokerSigns.None;
    bool _wasReady;

    public BrokerSigns Last => _last;

    BrokerWatchdogOptions Options => options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Options.Enabled)
            return;
        BillingMetrics.ObserveBrokerSigns(() => _last);
        using var timer = new PeriodicTimer(Options.Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                _last = await Look(_last, stoppingToken);
                if (Stuck(_last) is { Count: > 0 } stuck && await BrokerAnswers(stoppingToken))
                {
                    GiveUp(stuck);
                    return;
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("The broker watchdog could not look: {Reason}", StoredMessageSending.Reason(exception));
            }
        }
    }

    async Task<BrokerSigns> Look(BrokerSigns previous, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var seen = new Dictionary<string, (string Detail, DateTimeOffset Since)>();
        void Sign(string name, string detail, DateTimeOffset? since = null) =>
            seen[name] = (detail, since ?? (previous.Signs.TryGetValue(name, out var before) ? before.Since : now));

        var health = bus.CheckHealth();
        _wasReady |= health.Status == BusHealthStatus.Healthy;
        if (health.Status != BusHealthStatus.Healthy)
            Sign(BrokerSigns.Endpoints, health.Description);
        else if (await QueuesWithoutConsumer(cancellationToken) is { Count: > 0 } idle)
            Sign(BrokerSigns.Consumers, $"no consumer of this worker at the broker on {string.Join(", ", idle)}");

        var (timeouts, since) = sendTimeouts.Current;
        if (timeouts >= Options.SendTimeoutsInARow)
            Sign(BrokerSigns.Sends, $"{timeouts} sends timed out in a row", since);

        var signs = new BrokerSigns(seen, now, false);
        foreach (var (name, (detail, from)) in seen.Where(s => !previous.Signs.ContainsKey(s.Key)))
            logger.LogWarning("Broker watchdog: {Detail} (since {Since:O})", detail, from);
        return signs;
    }

    async Task<IReadOnlyList<string>> QueuesWithoutConsumer(CancellationToken cancellationToken)
    {
        var settings = rabbit.Value;
        if (string.IsNullOrWhiteSpace(settings.ManagementUrl) || readiness.ReadyQueues.Count == 0)
            return [];
        try
        {
            using var management = new RabbitMqManagement(settings.ManagementUrl, settings.Username, settings.Password);
            var consumed = await management.QueuesConsumedBy(settings.VirtualHost, settings.ConnectionName, cancellationToken);
            return readiness.ReadyQueues.Where(q => !consumed.Contains(q)).ToList();
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // No answer is no evidence: the management API may be away with the broker, or not reachable from here.
            return [];
        }
    }

    List<string> Stuck(BrokerSigns signs) =>
        signs.Signs.Keys.Where(sign => signs.Lasting(sign) >= (_wasReady ? Options.StuckAfter : Options.StartUpStuckAfter)).ToList();

    /// <summary>The broker accepts a connection: a new process would connect, so ending this one helps.</summary>
    async Task<bool> BrokerAnswers(CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await client.ConnectAsync(rabbit.Value.Host, rabbit.Value.Port, timeout.Token);
            return true;
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    void GiveUp(IReadOnlyList<string> stuck)
    {
        _last = _last with { GaveUp = true };
        foreach (var sign in stuck)
            logger.LogCritical("Broker watchdog: the worker is connected to RabbitMQ but {Detail} for {Lasting}; exiting with {ExitCode} for its supervisor to start it again",
                _last.Signs[sign].Detail, _last.Lasting(sign), ExitCode);
        BillingMetrics.BrokerGaveUp(stuck);

        Environment.ExitCode = ExitCode;
        lifetime.StopApplication();
        // A graceful stop waits on the bus, whose channels may answer nothing: the process ends in any case.
        _ = Task.Delay(Options.HardExitAfter, CancellationToken.None).ContinueWith(_ => Environment.Exit(ExitCode), TaskScheduler.Default);
    }
}
