using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Billing.Infrastructure.Messaging;

/// <summary>The few calls to RabbitMQ's management HTTP API that tests, the demo and the benchmark need.</summary>
public sealed class RabbitMqManagement(string baseUrl, string username, string password) : IDisposable
{
    readonly HttpClient _http = CreateClient(baseUrl, username, password);

    /// <summary>Deletes the virtual host with all its queues and creates it empty, with full rights for our user.</summary>
    public async Task RecreateVirtualHost(string virtualHost, CancellationToken cancellationToken = default)
    {
        var vhost = Uri.EscapeDataString(virtualHost);
        await _http.DeleteAsync($"/api/vhosts/{vhost}", cancellationToken);
        (await _http.PutAsync($"/api/vhosts/{vhost}", Json("{}"), cancellationToken)).EnsureSuccessStatusCode();
        (await _http.PutAsync($"/api/permissions/{vhost}/{Uri.EscapeDataString(username)}",
            Json("""{"configure":".*","write":".*","read":".*"}"""), cancellationToken)).EnsureSuccessStatusCode();
    }

    /// <summary>Deletes a virtual host with all its queues and exchanges; a missing one is not an error.</summary>
    public async Task DeleteVirtualHost(string virtualHost, CancellationToken cancellationToken = default)
    {
        using var response = await _http.DeleteAsync($"/api/vhosts/{Uri.EscapeDataString(virtualHost)}", cancellationToken);
        if (response.StatusCode != System.Net.HttpStatusCode.NotFound)
            response.EnsureSuccessStatusCode();
    }

    /// <summary>The names of every virtual host.</summary>
    public async Task<IReadOnlyList<string>> VirtualHosts(CancellationToken cancellationToken = default) =>
        (await _http.GetFromJsonAsync<List<NamedInfo>>("/api/vhosts?columns=name", cancellationToken) ?? []).Select(v => v.Name).ToList();

    /// <summary>
    /// Every queue of a virtual host with its messages (ready and unacknowledged) and consumers. The counts come from
    /// the broker's statistics, which lag by its <c>collect_statistics_interval</c>.
    /// </summary>
    public async Task<IReadOnlyList<QueueDepth>> Queues(string virtualHost, CancellationToken cancellationToken = default) =>
        await _http.GetFromJsonAsync<List<QueueDepth>>(
            $"/api/queues/{Uri.EscapeDataString(virtualHost)}?columns=name,messages,messages_ready,messages_unacknowledged,consumers",
            JsonNames, cancellationToken) ?? [];

    /// <summary>The consumers attached to a queue, or 0 when the queue does not exist yet.</summary>
    public async Task<int> Consumers(string virtualHost, string queue, CancellationToken cancellationToken = default)
    {
        var response = await _http.GetAsync($"/api/queues/{Uri.EscapeDataString(virtualHost)}/{Uri.EscapeDataString(queue)}", cancellationToken);
        if (!response.IsSuccessStatusCode)
            return 0;
        var info = await response.Content.ReadFromJsonAsync<QueueInfo>(cancellationToken);
        return info?.Consumers ?? 0;
    }

    /// <summary>
    /// The queues of a virtual host on which a connection of the given client-provided name has a consumer, as the
    /// queues themselves count them (a channel may claim a consumer its queue has lost).
    /// </summary>
    public async Task<IReadOnlySet<string>> QueuesConsumedBy(string virtualHost, string connectionName, CancellationToken cancellationToken = default)
    {
        var vhost = Uri.EscapeDataString(virtualHost);
        var connections = await _http.GetFromJsonAsync<List<JsonElement>>($"/api/vhosts/{vhost}/connections?columns=name,user_provided_name",
            cancellationToken) ?? [];
        var mine = connections.Where(c => Text(c, "user_provided_name") == connectionName).Select(c => Text(c, "name")).ToHashSet();
        var consumers = await _http.GetFromJsonAsync<List<JsonElement>>($"/api/consumers/{vhost}", cancellationToken) ?? [];
        // channel_details is an empty array, not an object, when the broker has no statistics for the channel yet.
        return consumers
            .Where(c => c.TryGetProperty("channel_details", out var channel) && channel.ValueKind == JsonValueKind.Object
                && mine.Contains(Text(channel, "connection_name")))
            .Select(c => Text(c.GetProperty("queue"), "name")!)
            .ToHashSet();
    }

    /// <summary>Every queue of a virtual host with its type (classic, quorum, stream) and whether it is exclusive or auto-deleted.</summary>
    public async Task<IReadOnlyList<QueueKind>> QueueKinds(string virtualHost, CancellationToken cancellationToken = default) =>
        await _http.GetFromJsonAsync<List<QueueKind>>($"/api/queues/{Uri.EscapeDataString(virtualHost)}?columns=name,type,exclusive,auto_delete",
            JsonNames, cancellationToken) ?? [];

    static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>
    /// Puts raw bytes (as UTF-8 text) on a queue through the default exchange, as a broken or foreign producer would:
    /// what a consumer must survive without help from MassTransit's serializer.
    /// </summary>
    public async Task PublishRaw(string virtualHost, string queue, string payload, string contentType, CancellationToken cancellationToken = default)
    {
        var body = JsonSerializer.Serialize(new
        {
            properties = new { content_type = contentType, message_id = Guid.NewGuid().ToString(), delivery_mode = 2 },
            routing_key = queue,
            payload,
            payload_encoding = "string",
        });
        using var response = await _http.PostAsync($"/api/exchanges/{Uri.EscapeDataString(virtualHost)}/amq.default/publish", Json(body), cancellationToken);
        response.EnsureSuccessStatusCode();
        var routed = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        if (!routed.GetProperty("routed").GetBoolean())
            throw new InvalidOperationException($"RabbitMQ routed the message to no queue: is there a queue '{queue}' in '{virtualHost}'?");
    }

    /// <summary>Drops every ready message of a queue.</summary>
    public async Task Purge(string virtualHost, string queue, CancellationToken cancellationToken = default) =>
        (await _http.DeleteAsync($"/api/queues/{Uri.EscapeDataString(virtualHost)}/{Uri.EscapeDataString(queue)}/contents", cancellationToken))
        .EnsureSuccessStatusCode();

    public void Dispose() => _http.Dispose();

    static HttpClient CreateClient(string baseUrl, string username, string password)
    {
        var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes($"{username}:{password}")));
        return http;
    }

    static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    static readonly JsonSerializerOptions JsonNames = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    sealed record QueueInfo(int Consumers);

    sealed record NamedInfo(string Name);
}

public sealed record QueueKind(string Name, string Type, bool Exclusive, bool AutoDelete);

/// <param name="Messages">Ready plus unacknowledged.</param>
public sealed record QueueDepth(string Name, long Messages, long MessagesReady, long MessagesUnacknowledged, int Consumers);
