using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Billing.Tests.Deployment;

/// <summary>One service of docker-compose.yml as compose gives it: anchors and merge keys resolved, variables interpolated.</summary>
public sealed record ComposeService(string Name, IReadOnlyDictionary<string, string> Environment, IReadOnlyList<string> Command,
    IReadOnlyList<(int Host, int Container)> Ports, IReadOnlyList<(string Source, string Target)> Volumes);

/// <summary>
/// docker-compose.yml read with YamlDotNet (its merging parser resolves <c>&lt;&lt;: *anchor</c>) and interpolated as compose
/// does: <c>${VAR}</c>, <c>${VAR:-default}</c>, <c>${VAR-default}</c>, nested defaults, and <c>$$</c> for a literal dollar.
/// Only the variables given count, not this process's environment, so the test decides every one.
/// </summary>
public sealed partial class ComposeFile
{
    readonly Dictionary<string, ComposeService> _services = [];

    public IReadOnlyCollection<string> ServiceNames => _services.Keys;

    /// <summary>The named volumes declared at the top level.</summary>
    public IReadOnlyList<string> NamedVolumes { get; private set; } = [];

    public ComposeService Service(string name) =>
        _services.TryGetValue(name, out var service) ? service : throw new InvalidOperationException($"docker-compose.yml has no service '{name}'.");

    public static ComposeFile Load(string path, IReadOnlyDictionary<string, string> variables)
    {
        var root = new DeserializerBuilder().Build()
            .Deserialize<Dictionary<object, object>>(new MergingParser(new Parser(new StringReader(File.ReadAllText(path)))));
        var file = new ComposeFile();
        foreach (var (name, body) in (Dictionary<object, object>)root["services"])
        {
            var service = (Dictionary<object, object>)body;
            string Text(object value) => Interpolate(Convert.ToString(value)!, variables);
            IEnumerable<string> List(string key) => service.TryGetValue(key, out var v) && v is List<object> items ? items.Select(Text) : [];

            var environment = new Dictionary<string, string>();
            if (service.TryGetValue("environment", out var env))
            {
                if (env is Dictionary<object, object> map)
                    foreach (var (key, value) in map)
                        environment[(string)key] = Text(value ?? "");
                else
                    foreach (var pair in ((List<object>)env).Select(Text))
                        environment[pair[..pair.IndexOf('=')]] = pair[(pair.IndexOf('=') + 1)..];
            }

            var ports = List("ports").Select(p => p.Split(':')).Select(p => (int.Parse(p[^2]), int.Parse(p[^1]))).ToList();
            var volumes = List("volumes").Select(v => v.Split(':')).Select(v => (v[0], v[1])).ToList();
            file._services[(string)name] = new ComposeService((string)name, environment, List("command").ToList(), ports, volumes);
        }

        file.NamedVolumes = root.TryGetValue("volumes", out var named) && named is Dictionary<object, object> declared
            ? declared.Keys.Cast<string>().ToList()
            : [];
        return file;
    }

    public static string Interpolate(string value, IReadOnlyDictionary<string, string> variables)
    {
        const string Dollar = "\u0001";
        var text = value.Replace("$$", Dollar);
        string before;
        do
        {
            before = text;
            // Innermost first: a default holding another ${…} is replaced once that one is.
            text = Variable().Replace(text, m =>
            {
                var set = variables.TryGetValue(m.Groups["name"].Value, out var v);
                return m.Groups["op"].Value switch
                {
                    ":-" => set && v!.Length > 0 ? v : m.Groups["default"].Value,
                    "-" => set ? v! : m.Groups["default"].Value,
                    _ => set ? v! : "",
                };
            });
        } while (text != before);

        return text.Replace(Dollar, "$");
    }

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?<op>:?-)(?<default>[^${}]*))?\}")]
    private static partial Regex Variable();
}
