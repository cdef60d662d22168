using System.Text.RegularExpressions;
using Billing.Tests.Support;

namespace Billing.Tests.Deployment;

/// <summary>
/// What a compose service's environment becomes on this machine, where every service is a local process: a compose host
/// name is 127.0.0.1, a container port is the port compose publishes it on (so every service another one reaches must be
/// published, as here), a named volume is a directory under <see cref="VolumeRoot"/>, and a process's own listener on
/// 0.0.0.0 gets a free loopback port (two workers' containers may share a port number; two processes may not).
/// Nothing else is changed; a value still naming a compose service fails the test.
/// </summary>
public sealed partial class ComposeOnThisMachine(ComposeFile compose, string volumeRoot)
{
    public string VolumeRoot => volumeRoot;

    public string VolumeDirectory(string volume) => Path.Combine(volumeRoot, volume);

    public int HostPort(string service, int containerPort) =>
        compose.Service(service).Ports.Where(p => p.Container == containerPort).Select(p => (int?)p.Host).FirstOrDefault()
        ?? throw new InvalidOperationException($"Compose service {service} does not publish port {containerPort}; a process here cannot reach it.");

    public Dictionary<string, string> Environment(string service)
    {
        var given = compose.Service(service);
        var environment = new Dictionary<string, string>();
        foreach (var (key, value) in given.Environment)
        {
            var local = Address().Replace(value, m => Mapped(m.Groups["host"].Value)
                ? $"{m.Groups["before"].Value}127.0.0.1:{Port(m.Groups["host"].Value, m.Groups["port"].Value)}"
                : m.Value);
            local = ConnectionStringHost().Replace(local, m => Mapped(m.Groups["host"].Value)
                ? $"Host=127.0.0.1;Port={Port(m.Groups["host"].Value, m.Groups["port"].Value)}"
                : m.Value);
            foreach (var (source, target) in given.Volumes.Where(v => compose.NamedVolumes.Contains(v.Source)))
                if (local == target || local.StartsWith(target + "/", StringComparison.Ordinal))
                    local = VolumeDirectory(source) + local[target.Length..];
            environment[key] = local;
        }

        // A host and its port given as two settings (RabbitMq__Host / RabbitMq__Port).
        foreach (var key in environment.Keys.Where(k => k.EndsWith("__Host", StringComparison.Ordinal)).ToList())
            if (compose.ServiceNames.Contains(environment[key]))
            {
                var port = key[..^"Host".Length] + "Port";
                if (environment.TryGetValue(port, out var number))
                    environment[port] = HostPort(environment[key], int.Parse(number)).ToString();
                environment[key] = "127.0.0.1";
            }

        foreach (var (key, value) in environment)
            if (compose.ServiceNames.Any(name => Regex.IsMatch(value, $@"(^|[/=@;]){Regex.Escape(name)}($|[:;/])")))
                throw new InvalidOperationException($"{service}: {key}={value} still names a compose service; map it in {nameof(ComposeOnThisMachine)}.");
        return environment;
    }

    bool Mapped(string host) => host == "0.0.0.0" || compose.ServiceNames.Contains(host);

    int Port(string host, string port) => host == "0.0.0.0" ? FreePort.Next() : HostPort(host, int.Parse(port));

    // scheme://host:port; only a compose service or 0.0.0.0 is mapped (any other host is left as it is).
    [GeneratedRegex(@"(?<before>[a-z]+://)(?<host>[A-Za-z0-9_.-]+):(?<port>\d+)")]
    private static partial Regex Address();

    [GeneratedRegex(@"Host=(?<host>[^;]+);Port=(?<port>\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex ConnectionStringHost();
}
